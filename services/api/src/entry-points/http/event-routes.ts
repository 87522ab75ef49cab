import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { DomainEventFeed, FeedEvent } from '../../data-access/domain-events.ts'
import { security } from './auth.ts'
import { EventsQuery, responses } from './schemas.ts'

export interface EventRoutesOptions {
  feed: DomainEventFeed
  heartbeatMs: number
  /** Unsent bytes a client may fall behind before the API waits for it (and, if it stays stuck, closes). */
  maxBufferedBytes: number
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
 * `GET /v1/events`: Server-Sent Events of station, connector and session events (DOMAIN stream), live,
 * or resumed after `Last-Event-ID`. Heartbeat comment lines keep proxies from closing idle streams.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, opts) => {
  const open = new Set<() => void>()
  // Streams never end by themselves: end them so a shutdown does not wait for clients to leave.
  app.addHook('preClose', async () => {
    for (const stop of open) stop()
  })

  app.get(
    '/events',
    {
      config: { scope: 'read' },
      compress: false,
      schema: {
        tags: ['events'],
        summary: 'Live station, connector and session events (Server-Sent Events)',
        description:
          'text/event-stream. Each event: `id` = stream sequence, `event` = catalog name (station.registered, connector.status_changed, session.started, ...), `data` = JSON {subject, version, publishedAt, data}. Reconnect with Last-Event-ID to resume after the last event seen. Comment lines every 15 s are heartbeats.',
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
      const subscription = await opts.feed.subscribe({
        afterSeq: lastEventId === undefined ? undefined : Number(lastEventId),
      })
      const out = new PassThrough()
      let stopped = false
      const stop = () => {
        if (stopped) return
        stopped = true
        open.delete(stop)
        clearInterval(heartbeat)
        subscription.stop()
        out.end()
      }
      open.add(stop)
      const heartbeat = setInterval(() => {
        if (!out.writableNeedDrain) out.write(': heartbeat\n\n')
      }, opts.heartbeatMs)
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
