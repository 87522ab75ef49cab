import type { ServiceApp } from '@chargebus/platform'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, type FieldError, ValidationFailed } from '../../domain/errors.ts'
import { PROBLEM_CONTENT_TYPE, problemOf, toProblem } from '../../domain/problem.ts'

/**
 * Every error of the API, including unknown routes, body parser failures and rate limiting, is answered
 * as `application/problem+json` (RFC 9457) with a stable `code`. Set on the root app, so it also covers
 * requests that match no route; the platform's health routes keep their own handler.
 */
export function installProblemHandling(app: ServiceApp): void {
  app.setNotFoundHandler((request, reply) => {
    sendProblem(
      request,
      reply,
      new ApiError('API_ERR_NOT_FOUND', `no route ${request.method} ${pathOf(request)}`),
    )
  })
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const mapped = mapFastifyError(err)
    const problem = toProblem(mapped, pathOf(request))
    if (problem.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.debug({ err: { message: err.message, code: err.code } }, 'request refused')
    sendProblem(request, reply, mapped, problem)
  })
}

/**
 * Fastify's `frameworkErrors`: what fails before routing (a path whose percent-encoding is not UTF-8, e.g.
 * `/v1/stations/%80`) is a 400 problem like every other refusal; Fastify's default was plain JSON outside the
 * document (found by the request fuzz test).
 */
export function frameworkProblem(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const bad =
    err.code === 'FST_ERR_BAD_URL'
      ? new ApiError('API_ERR_BAD_REQUEST', 'the URL is not valid: its percent-encoding is not UTF-8')
      : mapFastifyError(err)
  sendProblem(request, reply, bad)
}

function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  problem = toProblem(err, pathOf(request)),
): void {
  if (err instanceof ApiError)
    for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  // An ETag computed for an earlier attempt of the body must not describe the problem.
  reply.removeHeader('etag')
  void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
}

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?')
  return q === -1 ? request.url : request.url.slice(0, q)
}

/** Fastify's own errors (validation, body parsing, limits) as API errors. */
export function mapFastifyError(err: FastifyError): unknown {
  if (err instanceof ApiError) return err
  if (err.validation !== undefined) {
    // One entry per field: a nullable field that fails reports each branch of its anyOf; the first says why.
    const errors = new Map<string, FieldError>()
    for (const v of err.validation) {
      const e = fieldError(v, err.validationContext)
      if (!errors.has(e.name)) errors.set(e.name, e)
    }
    return new ValidationFailed([...errors.values()])
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('API_ERR_BODY_TOO_LARGE', 'the request body is too large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('API_ERR_MEDIA_TYPE', 'request bodies must be application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ValidationFailed([{ name: 'body', reason: 'is empty; send a JSON object' }])
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('API_ERR_URI_TOO_LONG', 'a path parameter is longer than the router accepts')
  }
  const status = err.statusCode ?? 500
  if (status === 429) return err // rate limit without our builder (should not happen)
  if (status >= 400 && status < 500) {
    return new ApiError(
      'API_ERR_BAD_REQUEST',
      status === 400 ? 'the request body is not valid JSON' : err.message,
    )
  }
  return err
}

interface AjvLikeError {
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
}

function fieldError(v: AjvLikeError, context: string | undefined): FieldError {
  const path = (v.instancePath ?? '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  const extra = v.params?.missingProperty ?? v.params?.additionalProperty
  if (typeof extra === 'string') path.push(extra)
  const name = path.length > 0 ? path.join('.') : context === 'body' ? 'body' : String(context ?? 'request')
  let reason = v.message ?? 'is invalid'
  if (typeof v.params?.additionalProperty === 'string') reason = 'is not a known field'
  if (Array.isArray(v.params?.allowedValues))
    reason = `must be one of ${(v.params.allowedValues as unknown[]).join(', ')}`
  return { name, reason }
}

export { problemOf }
