import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Registry } from 'prom-client'
import { Type } from 'typebox'
import { type ReadinessCheck, runReadinessChecks } from './readiness.ts'

/** Work a service does in the background while it serves (e.g. ingest's start-up catch-up). */
export interface BackgroundWork {
  status: 'running' | 'done'
  /** Items handled so far, by part. */
  progress: Readonly<Record<string, number>>
}

export interface HealthRoutesOptions {
  readiness: Readonly<Record<string, ReadinessCheck>>
  /** Shown by `/readyz` beside the checks; it does not make the service unready. */
  background?: () => Readonly<Record<string, BackgroundWork>>
  readinessTimeoutMs: number
  registry: Registry
}

const Alive = Type.Object({ status: Type.Literal('ok') })

const Readiness = Type.Object({
  status: Type.Enum(['ok', 'unavailable']),
  checks: Type.Record(
    Type.String(),
    // No error text: it names internal addresses (ECONNREFUSED 10.0.3.7:6432), and /readyz may be public.
    Type.Object({ status: Type.Enum(['ok', 'failed']), durationMs: Type.Number() }),
  ),
  background: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Object({
        status: Type.Enum(['running', 'done']),
        progress: Type.Record(Type.String(), Type.Number()),
      }),
    ),
  ),
})

const Failure = Type.Object({ status: Type.Literal('error'), message: Type.String() })

/**
 * The operational endpoints every service has: `/healthz` (the process answers), `/readyz` (its
 * dependencies answer) and `/metrics` (Prometheus text). Encapsulated with its own error handler,
 * so the JSON shape here never leaks into a service edge that renders problem+json or SOAP faults.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, options) => {
  const { readiness, readinessTimeoutMs, registry, background } = options

  app.setErrorHandler((err, request, reply) => {
    request.log.error({ err }, 'health route failed')
    return reply.code(500).send({ status: 'error', message: 'internal error' })
  })

  app.get('/healthz', { schema: { response: { 200: Alive } } }, async () => ({ status: 'ok' as const }))

  app.get(
    '/readyz',
    { schema: { response: { 200: Readiness, 503: Readiness, 500: Failure } } },
    async (request, reply) => {
      const report = await runReadinessChecks(readiness, readinessTimeoutMs)
      const checks = Object.fromEntries(
        Object.entries(report.checks).map(([name, c]) => [
          name,
          { status: c.status, durationMs: c.durationMs },
        ]),
      )
      const work = background ? { background: background() } : {}
      if (!report.ready) {
        request.log.warn({ checks: report.checks }, 'not ready')
        return reply.code(503).send({ status: 'unavailable', checks, ...work })
      }
      return { status: 'ok' as const, checks, ...work }
    },
  )

  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics()
    return reply.type(registry.contentType).send(text)
  })
}
