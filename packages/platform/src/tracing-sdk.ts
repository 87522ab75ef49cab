import { FastifyOtelInstrumentation } from '@fastify/otel'
import { context, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import type { Logger } from 'pino'
import { OPERATIONAL_PATHS } from './operational-paths.ts'
import type { Telemetry } from './telemetry.ts'

export interface TracingOptions {
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string
  protocol: 'http/protobuf' | 'http/json'
  /** Share of new traces recorded, 0..1. */
  sampleRatio: number
  serviceName: string
  logger?: Logger | undefined
}

/**
 * The OpenTelemetry SDK wiring behind `startTelemetry`, in its own module so a process with
 * telemetry off never loads it. Registers the global context manager, propagator and tracer
 * provider, then the http, pg and Fastify instrumentations.
 */
export function startTracing(options: TracingOptions): Telemetry {
  if (options.logger) diag.setLogger(diagLoggerFrom(options.logger), DiagLogLevel.WARN)

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())

  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`
  const exporter =
    options.protocol === 'http/json'
      ? new OTLPJsonTraceExporter({ url })
      : new OTLPProtoTraceExporter({ url })
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  })
  trace.setGlobalTracerProvider(provider)

  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: createInstrumentations(),
  })

  let stopped: Promise<void> | undefined
  return {
    enabled: true,
    shutdown() {
      stopped ??= (async () => {
        unregister()
        await provider.shutdown()
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
    new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isOperational(request.url) }),
    // Queries outside any request or consumer span (pool warm-up, timers) would each start a trace.
    new PgInstrumentation({ requireParentSpan: true }),
    // One span per request and handler; a span per Fastify hook costs more than it tells.
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
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
