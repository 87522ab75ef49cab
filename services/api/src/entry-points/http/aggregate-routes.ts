import type { Database, Kysely } from '@chargebus/db'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TSchema } from 'typebox'
import { type AggregateQuery, listAggregates } from '../../data-access/aggregates.ts'
import {
  AGGREGATE_PAGE,
  type AggregateKind,
  checkAggregateRange,
  MAX_RANGE_DAYS,
} from '../../domain/aggregates.ts'
import { security } from './auth.ts'
import { sendPage } from './pages.ts'
import {
  EnergyQuery,
  EnergyRowSchema,
  FaultRowSchema,
  FaultsQuery,
  Page,
  readResponses,
  UtilizationQuery,
  UtilizationRowSchema,
} from './schemas.ts'

const BOUNDS = `Bounded: to - from is at most ${MAX_RANGE_DAYS.hour} days for interval=hour, ${MAX_RANGE_DAYS.day} for day and ${MAX_RANGE_DAYS.month} for month (else 400 naming \`to\`); pages of at most ${AGGREGATE_PAGE.max} rows with an opaque cursor.`

const ROUTES: Array<{
  kind: AggregateKind
  summary: string
  description: string
  query: TSchema
  row: TSchema
  page: string
}> = [
  {
    kind: 'energy',
    summary: 'Energy and sessions per bucket',
    description:
      'Energy delivered (Wh, a session spread over the buckets it spans along its meter values), sessions started and completed, per bucket and group (network, station, connector or id tag).',
    query: EnergyQuery,
    row: EnergyRowSchema,
    page: 'EnergyAggregatePage',
  },
  {
    kind: 'utilization',
    summary: 'Connector availability and utilisation per bucket',
    description:
      'Connector time per state, availability (time not Faulted/Unavailable over known time) and utilisation (charging over available time), per bucket and group; the group adds its times, then divides (null where there is nothing to divide by). Connector 0 (the station as a whole) is a row of its own when grouping by connector and is not added to station or network time.',
    query: UtilizationQuery,
    row: UtilizationRowSchema,
    page: 'UtilizationAggregatePage',
  },
  {
    kind: 'faults',
    summary: 'Faults per bucket by error code and vendor error code',
    description:
      'Faults that began in the bucket (a connector entering an error condition; a repeated notification of the same error is one), per group, error code and vendor error code.',
    query: FaultsQuery,
    row: FaultRowSchema,
    page: 'FaultAggregatePage',
  },
]

/** `GET /v1/aggregates/{energy,utilization,faults}`: the aggregator's rollups (scope read). */
export const aggregateRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  for (const r of ROUTES) {
    app.get(
      `/aggregates/${r.kind}`,
      {
        config: { scope: 'read' },
        schema: {
          tags: ['aggregates'],
          summary: r.summary,
          description: `${r.description} ${BOUNDS}`,
          security: security('read'),
          querystring: r.query,
          response: readResponses({ 200: Page(r.row, r.page) }),
        },
      },
      async (request, reply) => {
        const query = request.query as AggregateQuery & { limit?: number; cursor?: string }
        checkAggregateRange(query)
        const page = await listAggregates(db, {
          ...query,
          kind: r.kind,
          limit: query.limit ?? AGGREGATE_PAGE.default,
        })
        return sendPage(request, reply, page)
      },
    )
  }
}
