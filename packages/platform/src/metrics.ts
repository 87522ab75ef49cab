import fp from 'fastify-plugin'
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import { wasShed } from './shed.ts'

/**
 * A fresh Prometheus registry with the default process metrics (CPU, memory, event loop lag, GC),
 * labelled `service` when a name is given.
 * Why not prom-client's global registry: two apps in one process (tests, a CLI that embeds a
 * service) would register the same metric names twice and throw.
 *
 * ### Examples
 * ```ts
 * const registry = createMetricsRegistry({ service: 'ingest' })
 * const stored = new Counter({ name: 'ingest_rows_total', help: 'Rows written', registers: [registry] })
 * const app = createServiceApp({ name: 'ingest', logger, readiness, metrics: registry })
 * ```
 */
export function createMetricsRegistry(options: { service?: string } = {}): Registry {
  const registry = new Registry()
  if (options.service) registry.setDefaultLabels({ service: options.service })
  collectDefaultMetrics({ register: registry })
  return registry
}

/** Label for requests that matched no route, so 404 scans cannot blow up label cardinality. */
export const UNMATCHED_ROUTE = '(unmatched)'

/**
 * What a request's answer says about the service, the label error-rate alerts select on: `shed` (a 503 answered
 * on purpose by the in-flight cap or a closing app, `shed.ts`: back-pressure, not a failure), `error` (any other
 * 5xx), `answered` (the rest, 4xx included: the caller's mistake, not ours).
 */
export type RequestOutcome = 'answered' | 'error' | 'shed'

export function requestOutcome(statusCode: number, shed: boolean): RequestOutcome {
  if (shed) return 'shed'
  return statusCode >= 500 ? 'error' : 'answered'
}

/**
 * Records `http_request_duration_seconds{method,route,status_code,outcome}` for every request of the app
 * it is registered on (and its children). `route` is the route pattern (`/v1/sessions/:id`),
 * never the raw URL; `outcome` is {@link requestOutcome}.
 */
export const httpMetrics = fp<{ registry: Registry }>(
  async (app, { registry }) => {
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern, status code and outcome (answered, error, shed).',
      labelNames: ['method', 'route', 'status_code', 'outcome'] as const,
      registers: [registry],
    })
    app.addHook('onResponse', (request, reply, done) => {
      duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? UNMATCHED_ROUTE,
          status_code: String(reply.statusCode),
          outcome: requestOutcome(reply.statusCode, wasShed(request)),
        },
        reply.elapsedTime / 1000,
      )
      done()
    })
  },
  { name: '@chargebus/platform/http-metrics', fastify: '5.x' },
)
