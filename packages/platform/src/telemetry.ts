import { createRequire } from 'node:module'
import type { Logger } from 'pino'
import { Type } from 'typebox'
import { commonConfig } from './common-config.ts'
import { type Env, loadConfig } from './config.ts'

/** What `startTelemetry` leaves running; `shutdown` flushes buffered spans and stops exporting. */
export interface Telemetry {
  readonly enabled: boolean
  shutdown(): Promise<void>
}

export interface StartTelemetryOptions {
  /** `service.name` on every span, unless `OTEL_SERVICE_NAME` says otherwise. */
  serviceName: string
  /** Where `OTEL_*` variables are read; `process.env` by default. */
  env?: Env
  /** Receives OpenTelemetry's own warnings (an unreachable collector, dropped spans). */
  logger?: Logger
}

const TelemetryConfig = Type.Object(commonConfig.telemetry)

const OFF: Telemetry = { enabled: false, shutdown: async () => {} }

/**
 * Starts tracing for this process: OTLP over HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`, a parent-based
 * ratio sampler (`OTEL_TRACES_SAMPLER_ARG`, default 0.1: full sampling halves Fastify throughput),
 * W3C trace context, and instrumentation for http, pg and Fastify. Without an endpoint (or with
 * `OTEL_SDK_DISABLED=true`) nothing is started and the SDK is not even loaded: the OpenTelemetry
 * API stays a no-op. Throws `ConfigError` for malformed `OTEL_*` variables.
 *
 * Instrumentation only patches modules loaded after it, so this must run before anything imports
 * `fastify` or `pg`: a service's `main.ts` imports `@chargebus/platform/instrument` first. No ESM
 * loader hook is needed: the instrumented packages (pg, Node's http) are CommonJS, which Node 24
 * loads through `require` (hooked) even when an ES module imports them, and Fastify is
 * instrumented through its diagnostics channel.
 *
 * ### Examples
 * ```ts
 * const telemetry = await startTelemetry({ serviceName: 'ingest' })
 * // … later, after the app closed:
 * await telemetry.shutdown()
 * ```
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<Telemetry> {
  return startTelemetrySync(options)
}

/**
 * `startTelemetry` without a promise: the instrumentations are registered when it returns. A module that
 * imports it first (`@chargebus/platform/instrument`) therefore instruments everything the process imports
 * after it, with no `--import` flag: an awaited start would let the following imports (pg, http) load first.
 */
export function startTelemetrySync(options: StartTelemetryOptions): Telemetry {
  const config = loadConfig(TelemetryConfig, options.env ?? process.env)
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT
  if (endpoint === undefined || config.OTEL_SDK_DISABLED) return OFF
  // require(), not import(): synchronous (Node 24 loads an ES module through require), and only when on.
  const { startTracing } = createRequire(import.meta.url)(
    './tracing-sdk.ts',
  ) as typeof import('./tracing-sdk.ts')
  return startTracing({
    endpoint,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
    sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
    serviceName: config.OTEL_SERVICE_NAME ?? options.serviceName,
    logger: options.logger,
  })
}
