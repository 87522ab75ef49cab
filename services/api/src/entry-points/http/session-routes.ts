import type { Database, Kysely } from '@chargebus/db'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  findSessionValues,
  listMeterBuckets,
  listMeterValues,
  type MeterBucketView,
  type MeterValueView,
} from '../../data-access/meter-values.ts'
import { findSession, listSessions } from '../../data-access/sessions.ts'
import { SessionNotFound } from '../../domain/errors.ts'
import type { BucketName } from '../../domain/meter-buckets.ts'
import { security } from './auth.ts'
import { paged, sendPage } from './pages.ts'
import {
  MeterValuePage,
  MeterValueQuery,
  Page,
  readResponses,
  SessionListQuery,
  SessionParams,
  SessionSchema,
} from './schemas.ts'

/** Charging sessions (OCPP transactions) and their meter values. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/sessions',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sessions'],
        summary: 'List sessions',
        description:
          'Newest first (by start, or stop for stop-only sessions). from/to bound that time; active=true only running sessions.',
        security: security('read'),
        querystring: SessionListQuery,
        response: readResponses({ 200: Page(SessionSchema, 'SessionPage') }),
      },
    },
    async (request, reply) => sendPage(request, reply, await listSessions(db, paged(request.query))),
  )

  app.get(
    '/sessions/:sessionId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sessions'],
        summary: 'A session',
        security: security('read'),
        params: SessionParams,
        response: readResponses({ 200: SessionSchema }),
      },
    },
    async (request) => {
      const session = await findSession(db, request.params.sessionId)
      if (session === undefined) throw new SessionNotFound(request.params.sessionId)
      return session
    },
  )

  app.get(
    '/sessions/:sessionId/meter-values',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['sessions'],
        summary: "A session's meter values",
        description:
          'Raw sampled values oldest first, or with bucket=1m|5m|15m|1h one row per bucket, measurand, phase and location (avg/min/max; last for registers).',
        security: security('read'),
        params: SessionParams,
        querystring: MeterValueQuery,
        response: readResponses({ 200: MeterValuePage }),
      },
    },
    async (request, reply) => {
      const { sessionId } = request.params
      const session = await findSessionValues(db, sessionId)
      if (session === undefined) throw new SessionNotFound(sessionId)
      const { bucket, ...query } = paged(request.query)
      const filter = { ...query, sessionId, ...session }
      const page: { items: Array<MeterValueView | MeterBucketView>; nextCursor: string | null } =
        bucket === undefined
          ? await listMeterValues(db, filter)
          : await listMeterBuckets(db, { ...filter, bucket: bucket as BucketName })
      return sendPage(request, reply, page)
    },
  )
}
