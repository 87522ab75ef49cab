import { Type } from 'typebox'
import { defineEvent } from '../define-event.ts'
import { Streams } from '../streams.ts'

/** At most this many changed buckets are listed per event; more sets `truncated`. */
export const AGGREGATE_UPDATED_MAX_CHANGES = 500

export const AggregateUpdatedSchema = Type.Object(
  {
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    changes: Type.Array(
      Type.Object(
        {
          bucketing: Type.String({ description: 'utc:hour, local:day or local:month.' }),
          bucketStart: Type.String({ format: 'date-time' }),
          metrics: Type.Array(Type.String(), { description: 'The `aggregates.metric` values that changed.' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: AGGREGATE_UPDATED_MAX_CHANGES },
    ),
    truncated: Type.Boolean({
      description: 'True when more buckets changed than are listed: re-read the station.',
    }),
    updatedAt: Type.String({ format: 'date-time', description: "The aggregator's clock at commit." }),
  },
  { additionalProperties: false, title: 'Aggregate updated' },
)

export const AggregateUpdated = defineEvent({
  name: 'aggregate.updated',
  version: 1,
  stream: Streams.AGGREGATES,
  description:
    'Rollup cells of a station changed (one event per station per applied batch): which buckets and metrics, for live dashboards to re-read. A hint, not the data: the rows are in `aggregates`.',
  subject: 'aggregate.{station}.updated',
  subjectParams: (e) => ({ station: e.stationId }),
  schema: AggregateUpdatedSchema,
  examples: [
    {
      stationId: 'CP-0001',
      changes: [
        { bucketing: 'utc:hour', bucketStart: '2026-11-26T10:00:00.000Z', metrics: ['energy_wh'] },
        {
          bucketing: 'local:day',
          bucketStart: '2026-11-25T23:00:00.000Z',
          metrics: ['energy_wh', 'charging_ms'],
        },
      ],
      truncated: false,
      updatedAt: '2026-11-26T10:31:00.000Z',
    },
  ],
})
