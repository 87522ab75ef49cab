import type { Readable } from 'node:stream'
import type { Database, Kysely } from '@chargebus/db'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Static, type TSchema, Type } from 'typebox'
import { aggregateCopySql } from '../../data-access/aggregate-exports.ts'
import type { AggregateQuery } from '../../data-access/aggregates.ts'
import type { Exporter, ExportKind } from '../../data-access/exports.ts'
import { type AggregateKind, checkAggregateRange } from '../../domain/aggregates.ts'
import { ApiError } from '../../domain/errors.ts'
import { security } from './auth.ts'
import {
  EnergyExportQuery,
  ExportQuery,
  FaultsExportQuery,
  responses,
  UtilizationExportQuery,
} from './schemas.ts'

const EXPORTS: Array<{ kind: ExportKind; path: string; summary: string; description: string }> = [
  {
    kind: 'sessions',
    path: '/exports/sessions.csv',
    summary: 'Sessions as CSV',
    description:
      'Columns of bi.sessions; sessions whose start (else stop) lies in [from, to), oldest first; optional station filter. Streamed from Postgres.',
  },
  {
    kind: 'meter-values',
    path: '/exports/meter-values.csv',
    summary: 'Meter values as CSV',
    description:
      'Columns of bi.meter_values; values sampled in [from, to), in storage order; optional station filter. Streamed from Postgres (COPY), never held in memory.',
  },
]

const AGGREGATE_EXPORTS: Array<{
  kind: AggregateKind
  query: TSchema
  summary: string
  description: string
}> = [
  {
    kind: 'energy',
    query: EnergyExportQuery,
    summary: 'Energy aggregates as CSV',
    description:
      'The rows of GET /v1/aggregates/energy (same parameters and bounds), all of them: bucket_start, local_start, time_zone, the group columns, energy_wh, sessions_started, sessions_completed.',
  },
  {
    kind: 'utilization',
    query: UtilizationExportQuery,
    summary: 'Availability and utilisation aggregates as CSV',
    description:
      'The rows of GET /v1/aggregates/utilization (same parameters and bounds), all of them: connector time per state, availability, utilization (empty where there is nothing to divide by).',
  },
  {
    kind: 'faults',
    query: FaultsExportQuery,
    summary: 'Fault aggregates as CSV',
    description:
      'The rows of GET /v1/aggregates/faults (same parameters and bounds), all of them: error_code, vendor_error_code, faults.',
  },
]

const csvResponses = responses({
  200: {
    description: 'CSV with a header line.',
    content: { 'text/csv': { schema: Type.String() } },
  },
})

/** Streaming CSV exports for BI (scope bi): operational rows and the aggregator's rollups. */
export const exportRoutes: FastifyPluginAsyncTypebox<{ exporter: Exporter; db: Kysely<Database> }> = async (
  app,
  { exporter, db },
) => {
  /** The route options every CSV export shares: scope bi, a CSV answer or a problem. */
  const csvRoute = (e: { summary: string; description: string }, querystring: TSchema) => ({
    config: { scope: 'bi' as const },
    schema: {
      tags: ['exports'],
      summary: e.summary,
      description: e.description,
      security: security('bi'),
      querystring,
      response: csvResponses,
    },
  })
  for (const e of EXPORTS) {
    app.get(e.path, csvRoute(e, ExportQuery), async (request, reply) => {
      const filter = request.query as Static<typeof ExportQuery>
      return sendCsv(request, reply, e.path.slice('/exports/'.length), () => exporter.open(e.kind, filter))
    })
  }
  for (const e of AGGREGATE_EXPORTS) {
    app.get(`/exports/aggregates/${e.kind}.csv`, csvRoute(e, e.query), async (request, reply) => {
      const query = { ...(request.query as Omit<AggregateQuery, 'kind'>), kind: e.kind }
      checkAggregateRange(query)
      return sendCsv(request, reply, `${e.kind}.csv`, () =>
        exporter.openCopy((literal) => aggregateCopySql(db, query, literal)),
      )
    })
  }
}

/** Opens the export's stream (a pool connection: 503 when none frees in time) and sends it as an attachment. */
async function sendCsv(
  request: FastifyRequest,
  reply: FastifyReply,
  filename: string,
  open: () => Promise<Readable>,
): Promise<FastifyReply> {
  let stream: Readable
  try {
    stream = await open()
  } catch (err) {
    throw new ApiError('API_ERR_UNAVAILABLE', 'no export connection became free in time; retry later', {
      cause: err,
      retryable: true,
    })
  }
  stream.once('error', (err) => request.log.warn({ err }, 'CSV export failed mid-stream'))
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(stream as never) // a stream: not serialized
}
