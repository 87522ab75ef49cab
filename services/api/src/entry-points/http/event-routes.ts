import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { EventFeed, FeedEvent, FeedSubscription } from '../../data-access/event-feed.ts'
import type { KeyAuthenticator } from '../../data-access/key-store.ts'
import { bearerToken, hasScope } from '../../domain/api-keys.ts'
import { ApiError } from '../../domain/errors.ts'
import { security } from './auth.ts'
import { EventsQuery, type EventsStream, responses } from './schemas.ts'

export interface EventRoutesOptions {
  /** `?stream=domain` (the default) and `?stream=aggregates`: one JetStream stream per SSE stream. */
  feeds: Record<EventsStream, EventFeed>
  heartbeatMs: number
  /** Unsent bytes a client may fall behind before the API waits for it (and, if it stays stuck, closes). */
  maxBufferedBytes: number
  /** Re-checks the key of every open stream: a revoked key's streams end within `recheckMs`. */
  keys: KeyAuthenticator
  recheckMs: number
  /** Open streams per API key; one more is 429. */
  maxStreamsPerKey: number
  /** Open streams of this instance; one more is 503. */
  maxStreams: number
}

/** The SSE frame of one event: `id` is the stream sequence (what Last-Event-ID resumes from). */
export function formatEvent(e: FeedEvent): string {
  const body = JSON.stringify({
    subject: e.subject,
    version: e.version,
    publishedAt: e.publishedAt,
    data: e.data,
  })
  return `id: ${e.seq}\nevent: ${e.name}\ndata: ${body}\n\n`
}

/**
 * `GET /v1/events`: Server-Sent Events of station, connector and session events (DOMAIN stream) or, with
 * `?stream=aggregates`, the aggregator's `aggregate.updated` hints (AGGREGATES stream), live or resumed after
 * `Last-Event-ID`. One JetStream stream per SSE stream, so an id is always that stream's sequence and a resume
 * is exact. Heartbeat comment lines keep proxies from closing idle streams.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, opts) => {
  const open = new Set<() => void>()
  const perKey = new Map<string, number>()
  // Streams never end by themselves: end them so a shutdown does not wait for clients to leave.
  app.addHook('preClose', async () => {
    for (const stop of open) stop()
  })

  /** Takes a stream slot for `keyId`, or throws the problem that says why not. */
  function admit(keyId: string): () => void {
    if (open.size >= opts.maxStreams)
      throw new ApiError('API_ERR_UNAVAILABLE', 'too many event streams on this instance; retry later', {
        retryable: true,
        headers: { 'retry-after': '5' },
      })
    const held = perKey.get(keyId) ?? 0
    if (held >= opts.maxStreamsPerKey)
      throw new ApiError(
        'API_ERR_RATE_LIMITED',
        `this API key has ${held} event streams open already (at most ${opts.maxStreamsPerKey}); close one first`,
        { headers: { 'retry-after': '5' } },
      )
    perKey.set(keyId, held + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (perKey.get(keyId) ?? 1) - 1
      if (left <= 0) perKey.delete(keyId)
      else perKey.set(keyId, left)
    }
  }

  app.get(
    '/events',
    {
      config: { scope: 'read' },
      compress: false,
      schema: {
        tags: ['events'],
        summary: 'Live station, connector and session events, or aggregate updates (Server-Sent Events)',
        description:
          'text/event-stream. `stream=domain` (default): station, connector and session events (station.registered, connector.status_changed, session.started, ...); `stream=aggregates`: aggregate.updated (which rollup buckets and metrics of a station changed, for live dashboards to re-read /v1/aggregates). Each event: `id` = sequence in that stream, `event` = catalog name, `data` = JSON {subject, version, publishedAt, data}. Reconnect (same `stream`) with Last-Event-ID to resume after the last event seen. Comment lines every 15 s are heartbeats.',
        security: security('read'),
        querystring: EventsQuery,
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({
              pattern: '^[0-9]{1,15}$',
              description: 'Resume after this event id (stream sequence).',
            }),
          ),
        }),
        response: responses({
          200: {
            description: 'An endless event stream.',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
        }),
      },
    },
    async (request, reply) => {
      const lastEventId = request.headers['last-event-id']
      const station = request.query.station
      const feed = opts.feeds[request.query.stream ?? 'domain']
      const principal = request.principal
      const token = bearerToken(request.headers.authorization)
      if (principal === null || token === undefined)
        throw new ApiError('API_ERR_UNAUTHENTICATED', 'no API key')
      const releaseSlot = admit(principal.keyId)
      let subscription: FeedSubscription
      try {
        subscription = await feed.subscribe({
          afterSeq: lastEventId === undefined ? undefined : Number(lastEventId),
        })
      } catch (err) {
        releaseSlot()
        throw err
      }
      const out = new PassThrough()
      let stopped = false
      const stop = () => {
        if (stopped) return
        stopped = true
        open.delete(stop)
        releaseSlot()
        clearInterval(heartbeat)
        clearInterval(recheck)
        subscription.stop()
        out.end()
      }
      open.add(stop)
      const heartbeat = setInterval(() => {
        if (!out.writableNeedDrain) out.write(': heartbeat\n\n')
      }, opts.heartbeatMs)
      // A key revoked (or stripped of read) while its stream is open must not keep receiving events.
      const recheck = setInterval(() => {
        void opts.keys
          .authenticate(token)
          .then((still) => {
            if (still !== undefined && hasScope(still.scopes, 'read')) return
            if (!out.writableEnded) out.write(': the API key was revoked\n\n')
            stop()
          })
          .catch((err: unknown) => request.log.warn({ err }, 'could not re-check the key of an event stream'))
      }, opts.recheckMs)
      request.raw.once('close', stop)
      out.once('close', stop)
      out.write(`retry: 2000\n: connected${lastEventId === undefined ? '' : ` after ${lastEventId}`}\n\n`)

      void (async () => {
        try {
          for await (const event of subscription) {
            if (stopped) break
            if (station !== undefined && event.data.stationId !== station) continue
            out.write(formatEvent(event))
            if (out.writableLength > opts.maxBufferedBytes && !(await drained(out, opts.heartbeatMs * 2))) {
              request.log.info('SSE client too slow: closing its stream (it can resume with Last-Event-ID)')
              break
            }
          }
        } catch (err) {
          if (!stopped) request.log.warn({ err }, 'SSE feed failed')
        } finally {
          stop()
        }
      })()

      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(out as never) // a stream: not serialized
    },
  )
}

/** Resolves true once `out` drained, false after `timeoutMs` or when it closed. */
function drained(out: PassThrough, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      out.off('drain', onDrain)
      out.off('close', onClose)
      resolve(ok)
    }
    const onDrain = () => done(true)
    const onClose = () => done(false)
    const timer = setTimeout(() => done(false), timeoutMs)
    out.once('drain', onDrain)
    out.once('close', onClose)
  })
}
