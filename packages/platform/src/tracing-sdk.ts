import { FastifyOtelInstrumentation } from '@fastify/otel'
import { context, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace'
import type { Logger } from 'pino'
import { createErrorKeepingSampler } from './error-keeping-sampler.ts'
import { ErrorKeepingSpanProcessor } from './error-keeping-span-processor.ts'
import { OPERATIONAL_PATHS } from './operational-paths.ts'
import type { Telemetry } from './telemetry.ts'

export interface TracingOptions {
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string
  protocol: 'http/protobuf' | 'http/json'
  /** Share of new traces exported, 0..1 (traces with an error are exported whatever it says). */
  sampleRatio: number
  serviceName: string
  logger?: Logger | undefined
}

/**
 * The OpenTelemetry SDK (`@opentelemetry/sdk-node`) behind `startTelemetry`, in its own module so a process
 * with telemetry off never loads it. Registers the context manager, the W3C propagator and the tracer
 * provider, then the http, undici, pg and Fastify instrumentations. Only traces: the SDK's metrics and logs
 * pipelines (OTLP by default) stay off, metrics are Prometheus' job (`/metrics`).
 *
 * Sampling: parent-based with `sampleRatio` for new traces; of the other traces only the spans an error ends
 * up in are recorded (`createErrorKeepingSampler`), so that `ErrorKeepingSpanProcessor` can still export
 * the traces that end in an error.
 */
export function startTracing(options: TracingOptions): Telemetry {
  if (options.logger) diag.setLogger(diagLoggerFrom(options.logger), DiagLogLevel.WARN)

  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`
  const exporter =
    options.protocol === 'http/json'
      ? new OTLPJsonTraceExporter({ url })
      : new OTLPProtoTraceExporter({ url })
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    textMapPropagator: new W3CTraceContextPropagator(),
    sampler: createErrorKeepingSampler(
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    ),
    spanProcessors: [new ErrorKeepingSpanProcessor(new BatchSpanProcessor({ exporter }))],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: createInstrumentations(),
  })
  sdk.start()

  let stopped: Promise<void> | undefined
  return {
    enabled: true,
    shutdown() {
      stopped ??= (async () => {
        await sdk.shutdown()
        // NodeSDK leaves its globals registered; a test process may start telemetry again.
        trace.disable()
        propagation.disable()
        context.disable()
      })()
      return stopped
    },
  }
}

function createInstrumentations() {
  const isOperational = (path: string | undefined) =>
    path !== undefined && OPERATIONAL_PATHS.includes(path.split('?', 1)[0] ?? '')
  return [
    // Outgoing calls only: @fastify/otel already makes the SERVER span of an incoming request (and extracts
    // its traceparent); a second server span per request cost gateway throughput for nothing.
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    // Queries outside any request or consumer span (pool warm-up, timers) would each start a trace.
    new PgInstrumentation({ requireParentSpan: true }),
    // Outbound SOAP calls to stations (the gateway's station caller), with traceparent injected.
    new UndiciInstrumentation({ requireParentforSpans: true }),
    // One span per request; a span per Fastify hook or for the handler costs more than it tells. The handler
    // still runs in the request span's context (Fastify's body parser keeps the onRequest hook's context).
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (route) => isOperational(route.url),
    }),
  ]
}

function diagLoggerFrom(logger: Logger) {
  const log = logger.child({ component: 'opentelemetry' })
  return {
    error: (message: string, ...args: unknown[]) => log.error({ args }, message),
    warn: (message: string, ...args: unknown[]) => log.warn({ args }, message),
    info: (message: string, ...args: unknown[]) => log.info({ args }, message),
    debug: (message: string, ...args: unknown[]) => log.debug({ args }, message),
    verbose: (message: string, ...args: unknown[]) => log.trace({ args }, message),
  }
}
