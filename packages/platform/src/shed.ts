import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const SHED = Symbol('chargebus.shed')

declare module 'fastify' {
  interface FastifyRequest {
    [SHED]: boolean
  }
}

/**
 * Declares the shed flag on every request of `app` (the same shape for all: a flag set on some requests only
 * would make V8 see two request shapes). Once per app, before {@link shed} is used.
 */
export function declareShedFlag(app: FastifyInstance): void {
  app.decorateRequest(SHED, false)
}

/**
 * Refuses a request on purpose, at once, before its body is read: `503`, `Retry-After: 1`, `Connection: close`
 * (the client retries, on another connection and so maybe another instance). Used by the in-flight cap
 * (overload) and while the app closes (a deploy): back-pressure, not a failure, so {@link wasShed} keeps the
 * request span from being an error and gives the request metrics `outcome="shed"`.
 */
export function shed(request: FastifyRequest, reply: FastifyReply): void {
  request[SHED] = true
  void reply.code(503).header('retry-after', '1').header('connection', 'close').send()
}

/** Whether {@link shed} answered this request (an expected outcome, not a server fault). */
export function wasShed(request: FastifyRequest): boolean {
  return request[SHED] === true
}
