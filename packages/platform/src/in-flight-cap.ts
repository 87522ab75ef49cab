import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { OPERATIONAL_PATHS } from './operational-paths.ts'
import { shed } from './shed.ts'

const OPERATIONAL: ReadonlySet<string> = new Set(OPERATIONAL_PATHS)
const COUNTED = Symbol('chargebus.inFlightCounted')

declare module 'fastify' {
  interface FastifyRequest {
    [COUNTED]: boolean
  }
}

/**
 * At most `max` requests are handled at once; one more gets `503` with `Retry-After: 1` at once, before its
 * body is read, so a flood queues nothing and holds no memory. Health and metrics routes are exempt: an
 * overloaded process must still say so. Counted in `http_requests_shed_total` (`shed`: the request span is no
 * error, the request metrics say `outcome="shed"`). The app declares the shed flag (`declareShedFlag`).
 */
export const inFlightCap = fp<{ max: number }>(
  async (app, { max }) => {
    const refused = new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests refused with 503 because HTTP_MAX_IN_FLIGHT requests were in flight.',
      registers: [app.metrics],
    })
    let inFlight = 0
    // A flag on each request (declared up front, so every request has the same shape) says whether it was
    // counted: a WeakSet of requests cost ~1.5 µs per request in a profile, its ephemerons more GC work.
    app.decorateRequest(COUNTED, false)
    const release = (request: FastifyRequest) => {
      if (!request[COUNTED]) return
      request[COUNTED] = false
      inFlight--
    }
    // Callback-style hooks on the hot path: no promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      if (OPERATIONAL.has(request.url)) return done()
      if (inFlight >= max) {
        refused.inc()
        return shed(request, reply)
      }
      inFlight++
      request[COUNTED] = true
      done()
    })
    app.addHook('onResponse', (request, _reply, done) => {
      release(request)
      done()
    })
    app.addHook('onRequestAbort', (request, done) => {
      release(request)
      done()
    })
  },
  { name: '@chargebus/platform/in-flight-cap', fastify: '5.x' },
)
