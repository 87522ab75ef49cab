import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Exporter, ExportKind } from '../../data-access/exports.ts'
import { ApiError } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { ExportQuery, responses } from './schemas.ts'

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

/** Streaming CSV exports for BI (scope bi). */
export const exportRoutes: FastifyPluginAsyncTypebox<{ exporter: Exporter }> = async (app, { exporter }) => {
  for (const e of EXPORTS) {
    app.get(
      e.path,
      {
        config: { scope: 'bi' },
        schema: {
          tags: ['exports'],
          summary: e.summary,
          description: e.description,
          security: security('bi'),
          querystring: ExportQuery,
          response: responses({
            200: {
              description: 'CSV with a header line.',
              content: { 'text/csv': { schema: Type.String() } },
            },
          }),
        },
      },
      async (request, reply) => {
        let stream: Awaited<ReturnType<Exporter['open']>>
        try {
          stream = await exporter.open(e.kind, request.query)
        } catch (err) {
          throw new ApiError('API_ERR_UNAVAILABLE', 'no export connection became free in time; retry later', {
            cause: err,
            retryable: true,
          })
        }
        stream.once('error', (err) => request.log.warn({ err }, 'CSV export failed mid-stream'))
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${e.path.slice('/exports/'.length)}"`)
          .send(stream as never) // a stream: not serialized
      },
    )
  }
}
