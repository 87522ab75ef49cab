import {
  DeadLetterNotFoundError,
  type DeadLetters,
  InvalidBusOptionsError,
  OriginalGoneError,
  ReplayLaneNotFoundError,
} from '@chargebus/bus'
import type { Clock } from '@chargebus/platform'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listDeadLetters } from '../../data-access/dead-letters.ts'
import { hasScope, type Principal } from '../../domain/api-keys.ts'
import { ApiError, DeadLetterNotFound, ValidationFailed } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { toDeadLetterView } from './dead-letter-view.ts'
import { paged, sendPage } from './pages.ts'
import {
  DeadLetterListQuery,
  DeadLetterParams,
  DeadLetterSchema,
  DroppedDeadLetterSchema,
  Page,
  RetriedDeadLetterSchema,
  readResponses,
  responses,
} from './schemas.ts'

/**
 * `/dead-letters`: what consumers gave up on (stream DEAD_LETTERS), read with `read`, retried or dropped with
 * `admin`. Only HTTP lives here: listing, retry (into the failing consumer's replay lane) and drop are
 * `bus.deadLetters`, shared with `chargebus dlq`.
 */
export const deadLetterRoutes: FastifyPluginAsyncTypebox<{
  deadLetters: DeadLetters
  clock: Clock
}> = async (app, { deadLetters, clock }) => {
  const showOpaque = (principal: Principal | null) => hasScope(principal?.scopes ?? [], 'admin')

  app.get(
    '/dead-letters',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dead-letters'],
        summary: 'Messages a consumer gave up on',
        description:
          'Oldest first, from the DEAD_LETTERS stream; filters `stream` and `consumer` (exact names, no ' +
          'wildcards). Credentials in headers, payload and error are masked.',
        security: security('read'),
        querystring: DeadLetterListQuery,
        response: readResponses({ 200: Page(DeadLetterSchema, 'DeadLetterPage') }),
      },
    },
    async (request, reply) => {
      const page = await listDeadLetters(deadLetters, paged(request.query)).catch(mapBusError(0))
      const show = showOpaque(request.principal)
      return sendPage(request, reply, {
        items: page.items.map((l) => toDeadLetterView(l, { showOpaque: show })),
        nextCursor: page.nextCursor,
      })
    },
  )

  app.get(
    '/dead-letters/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dead-letters'],
        summary: 'One dead letter',
        description: 'Subject, headers, payload, error, attempts, reason and times; credentials masked.',
        security: security('read'),
        params: DeadLetterParams,
        response: readResponses({ 200: DeadLetterSchema }),
      },
    },
    async (request) => {
      const letter = await deadLetters.get(request.params.id).catch(mapBusError(request.params.id))
      return toDeadLetterView(letter, { showOpaque: showOpaque(request.principal) })
    },
  )

  app.post(
    '/dead-letters/:id/retry',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['dead-letters'],
        summary: 'Retry a dead letter',
        description:
          'Publishes the original payload and headers into the replay lane of the consumer that failed it (only ' +
          'that consumer gets it again; its service must run with the fix), then deletes the dead letter. 409 ' +
          'when that consumer has no replay lane or the original of an omitted payload has left its stream.',
        security: security('admin'),
        params: DeadLetterParams,
        response: responses({ 200: RetriedDeadLetterSchema }),
      },
    },
    async (request) => deadLetters.retry(request.params.id).catch(mapBusError(request.params.id)),
  )

  app.delete(
    '/dead-letters/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['dead-letters'],
        summary: 'Drop a dead letter',
        description: 'Deletes it; who (the API key) dropped what, and when, is logged first.',
        security: security('admin'),
        params: DeadLetterParams,
        response: responses({ 200: DroppedDeadLetterSchema }),
      },
    },
    async (request) => {
      const principal = request.principal
      const by = principal === null ? 'unknown' : `${principal.name} (api key ${principal.keyId})`
      const dropped = await deadLetters
        .drop(request.params.id, by, clock())
        .catch(mapBusError(request.params.id))
      return {
        id: dropped.id,
        subject: dropped.record.subject,
        droppedBy: dropped.droppedBy,
        droppedAt: dropped.droppedAt,
      }
    },
  )
}

/** The bus's dead-letter errors as problems; anything else (NATS down: 503) goes to the error handler as is. */
function mapBusError(id: number) {
  return (err: unknown): never => {
    if (err instanceof DeadLetterNotFoundError) throw new DeadLetterNotFound(id, err)
    if (err instanceof OriginalGoneError)
      throw new ApiError('API_ERR_ORIGINAL_GONE', err.message, { cause: err })
    if (err instanceof ReplayLaneNotFoundError)
      throw new ApiError('API_ERR_NO_REPLAY_LANE', err.message, { cause: err })
    // The schema admits only single tokens; the bus checks again.
    if (err instanceof InvalidBusOptionsError)
      throw new ValidationFailed([{ name: 'query', reason: err.message }])
    throw err
  }
}
