import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

export const MeterRegisterDecreasedSchema = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    connectorId: Type.Integer({ minimum: 0 }),
    transactionId: Type.Optional(Type.Integer()),
    previousWh: Type.Number({ description: 'The newer-in-time reading before this one, or meterStart.' }),
    previousAt: Type.String({ format: 'date-time' }),
    currentWh: Type.Number(),
    currentAt: Type.String({ format: 'date-time' }),
    source: Type.Union([Type.Literal('meter-values'), Type.Literal('transaction')], {
      description: 'Sampled Energy.Active.Import.Register values, or meterStop below meterStart.',
    }),
    sourceMessageId: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'Meter register decreased' },
)

export const MeterRegisterDecreased = defineEvent({
  name: 'meter.register_decreased',
  version: 1,
  stream: Streams.DOMAIN,
  description:
    'Data quality: an energy register (Energy.Active.Import.Register, or meterStop vs meterStart) went backwards (meter swap, reset or a faulty meter).',
  subject: 'meter.{station}.register_decreased',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: MeterRegisterDecreasedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      connectorId: 1,
      transactionId: 1001,
      previousWh: 15230,
      previousAt: '2026-11-26T10:15:00.000Z',
      currentWh: 120,
      currentAt: '2026-11-26T10:20:00.000Z',
      source: 'meter-values',
      sourceMessageId: 'urn:uuid:9b8a7f6e-5d4c-4b3a-a291-807f6e5d4c3b',
    },
  ],
})
