import type { FastifyInstance } from 'fastify'
import { shed } from './shed.ts'

/**
 * What the app does with requests once it is closing, added as the app is created (so its `preClose` hook is the
 * app's first, before any service's: a consumer's stop can take seconds, and requests arriving meanwhile are
 * refused from the start of the close, as Fastify's own `return503OnClosing` did):
 * - a request that arrives is refused with {@link shed}'s 503 (`Retry-After: 1`, `Connection: close`) after the
 *   request-id hook, so it carries its `x-request-id` like every other answer, and the request metrics and logs
 *   see it. Fastify's `return503OnClosing` (turned off in `createServiceApp`) answers before any hook: no request
 *   id, not in `http_request_duration_seconds`.
 * - keep-alive connections end as their last response goes out. Why: `server.close()` reaps only connections that
 *   are idle at that moment; a connection whose request was in flight would otherwise stay open until the
 *   keep-alive timeout (72 s), outlasting the shutdown budget, and every deploy behind a load balancer would end
 *   in a forced exit.
 */
export function drainConnections(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // Callback-style hooks on the hot path: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) return shed(request, reply)
    done()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}
