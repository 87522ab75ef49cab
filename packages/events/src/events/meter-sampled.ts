import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

/** Readings in one `meter.sampled` event at most: a message with more is published as several events. */
export const METER_SAMPLED_MAX_READINGS = 1000

export const MeterSampledSchema = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    connectorId: Type.Integer({ minimum: 0 }),
    transactionId: Type.Integer({ minimum: 1, description: 'The session the readings belong to.' }),
    readings: Type.Array(
      Type.Object(
        {
          at: Type.String({ format: 'date-time', description: 'The meterValue timestamp (station clock).' }),
          registerWh: Type.Number({ description: 'Energy.Active.Import.Register in Wh (kWh converted).' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: METER_SAMPLED_MAX_READINGS },
    ),
    sourceMessageId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'Meter sampled' },
)

export const MeterSampled = defineEvent({
  name: 'meter.sampled',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    "The energy register readings (Energy.Active.Import.Register, the connector's Outlet total) of one MeterValues message of a session, or of a StopTransaction's transactionData (split into several events past the readings limit), in Wh: what the aggregator spreads a session's energy with. Other measurands stay in `meter_values`.",
  subject: 'meter.{station}.sampled',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: MeterSampledSchema,
  examples: [
    {
      stationId: 'CP-0001',
      connectorId: 1,
      transactionId: 1001,
      readings: [
        { at: '2026-11-26T10:15:00.000Z', registerWh: 15230 },
        { at: '2026-11-26T10:30:00.000Z', registerWh: 18410 },
      ],
      sourceMessageId: 'urn:uuid:3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b',
    },
  ],
})
