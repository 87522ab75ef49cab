import diagnostics from 'node:diagnostics_channel'
import { context, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createErrorKeepingSampler } from './error-keeping-sampler.ts'
import { ErrorKeepingSpanProcessor } from './error-keeping-span-processor.ts'
import { PinnableIdGenerator } from './pinnable-id-generator.ts'
import { addRequestTracing } from './request-tracing.ts'
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
 * provider, the http, undici and pg instrumentations, and the request span of every Fastify app created
 * from then on (`addRequestTracing`). Only traces: the SDK's metrics and logs
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
  const sampler = createErrorKeepingSampler(
    new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
  )
  const ids = new PinnableIdGenerator()
  const errorKeeping = new ErrorKeepingSpanProcessor(new BatchSpanProcessor({ exporter }))
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    textMapPropagator: new W3CTraceContextPropagator(),
    sampler,
    idGenerator: ids,
    spanProcessors: [errorKeeping],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: createInstrumentations(),
  })
  sdk.start()

  // Every Fastify app, as it is created: its hooks come first, so the rest of a request runs in its span.
  const tracer = trace.getTracer(REQUEST_TRACER)
  const onFastify = (message: unknown) =>
    addRequestTracing((message as { fastify: FastifyInstance }).fastify, {
      tracer,
      sampler,
      ids,
      release: (traceId) => errorKeeping.release(traceId),
    })
  diagnostics.subscribe('fastify.initialization', onFastify)

  let stopped: Promise<void> | undefined
  return {
    enabled: true,
    shutdown() {
      stopped ??= (async () => {
        diagnostics.unsubscribe('fastify.initialization', onFastify)
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

/** The instrumentation scope of the request spans. */
export const REQUEST_TRACER = '@chargebus/platform/request-tracing'

function createInstrumentations() {
  return [
    // Outgoing calls only: addRequestTracing makes the SERVER span of an incoming request (and extracts its
    // traceparent); a second server span per request cost gateway throughput for nothing.
    new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
    // Queries outside any request or consumer span (pool warm-up, timers) would each start a trace.
    new PgInstrumentation({ requireParentSpan: true }),
    // Outbound SOAP calls to stations (the gateway's station caller), with traceparent injected.
    new UndiciInstrumentation({ requireParentforSpans: true }),
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
