import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  SamplingDecision,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import type { ReadableSpan, Sampler } from '@opentelemetry/sdk-trace'
import { ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DeferredSpan } from './deferred-span.ts'
import { OPERATIONAL_PATHS } from './operational-paths.ts'
import type { PinnableIdGenerator } from './pinnable-id-generator.ts'
import { wasShed } from './shed.ts'

export interface RequestTracingOptions {
  tracer: Tracer
  /** The tracer provider's own sampler: a request is sampled exactly when the SDK would sample its span. */
  sampler: Sampler
  ids: PinnableIdGenerator
  /** See `DeferredSpanOptions.release` (`ErrorKeepingSpanProcessor.release`). */
  release(traceId: string): boolean
}

const OPERATIONAL: ReadonlySet<string> = new Set(OPERATIONAL_PATHS)
const SPAN_NAME = 'request'
const kSpan = Symbol('chargebus.requestSpan')

type TracedRequest = FastifyRequest & { [kSpan]: Span | null }

/** Whether the span already failed with a status of its own (an error, a SOAP fault), which a bare 5xx keeps. */
function hasErrorStatus(span: Span): boolean {
  if (span instanceof DeferredSpan) return span.failed
  return (span as Partial<ReadableSpan>).status?.code === SpanStatusCode.ERROR
}

/**
 * One SERVER span `request` per HTTP request (not the operational routes), the caller's `traceparent`
 * followed, the handler run in its context; what `@fastify/otel` made, at a fraction of its cost on an
 * unsampled request, which is most of them. The sampling decision is taken once, on arrival, with the
 * provider's sampler: a sampled request gets its SDK span at once; any other gets a `DeferredSpan` (ids and
 * context only), which becomes the SDK span, with the same ids and start time, only if the request fails (a
 * 5xx, an error Fastify saw, or a fault its handler marked) or its trace failed meanwhile, so errors are
 * still always exported with the SQL and outbound spans held for them.
 *
 * Added to every Fastify instance as it is created (`fastify.initialization`), so its hooks run first and
 * everything after `onRequest` (body parsing, the handler, logs, publishes) runs in the request's context.
 */
export function addRequestTracing(app: FastifyInstance, options: RequestTracingOptions): void {
  const { tracer, sampler, ids, release } = options
  app.decorateRequest(kSpan, null)

  function start(request: FastifyRequest): { span: Span; parent: Context } {
    const active = context.active()
    // Without a traceparent there is nothing to extract (W3C is the only propagator).
    const parent =
      request.headers.traceparent === undefined ? active : propagation.extract(active, request.headers)
    const caller = trace.getSpanContext(parent)
    const traceId =
      caller !== undefined && isSpanContextValid(caller) ? caller.traceId : ids.generateTraceId()
    // Literal keys, so V8 builds the object from its template (the test checks the names against @fastify/otel's).
    const attributes = { 'http.request.method': request.method, 'url.path': request.url }
    const decision = sampler.shouldSample(parent, traceId, SPAN_NAME, SpanKind.SERVER, attributes, [])
    if (decision.decision === SamplingDecision.RECORD_AND_SAMPLED) {
      const span = ids.withIds({ traceId }, () =>
        tracer.startSpan(SPAN_NAME, { kind: SpanKind.SERVER, attributes }, parent),
      )
      return { span, parent }
    }
    const span = new DeferredSpan({
      name: SPAN_NAME,
      kind: SpanKind.SERVER,
      attributes,
      parent,
      traceId,
      spanId: ids.generateSpanId(),
      tracer,
      ids,
      release,
    })
    return { span, parent }
  }

  function finish(request: TracedRequest, reply: FastifyReply | undefined): void {
    const span = request[kSpan]
    if (span === null) return
    request[kSpan] = null
    if (reply === undefined) {
      span.end()
      return
    }
    // As @fastify/otel: a 5xx that threw nothing still fails the span; one whose handler already said why (a SOAP
    // 1.2 fault is a 500) keeps that reason. A 503 of the in-flight cap or of a closing app is shed on purpose,
    // not a fault (shed.ts): unsampled it is dropped instead of flooding the exporter with error traces exactly
    // when the process is overloaded.
    if (reply.statusCode >= 500 && !hasErrorStatus(span) && !wasShed(request))
      span.setStatus({ code: SpanStatusCode.ERROR })
    const responseAttributes = () => {
      const route = request.routeOptions.url
      return route === undefined
        ? { [ATTR_HTTP_RESPONSE_STATUS_CODE]: reply.statusCode }
        : { [ATTR_HTTP_RESPONSE_STATUS_CODE]: reply.statusCode, [ATTR_HTTP_ROUTE]: route }
    }
    // An unsampled request that did not fail is dropped at its end: no attribute work for it.
    if (span instanceof DeferredSpan) {
      span.endWith(responseAttributes)
    } else {
      span.setAttributes(responseAttributes())
      span.end()
    }
  }

  // Callback-style hooks: no promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    const q = request.url.indexOf('?')
    if (OPERATIONAL.has(q === -1 ? request.url : request.url.slice(0, q))) return done()
    const { span, parent } = start(request)
    ;(request as TracedRequest)[kSpan] = span
    context.with(trace.setSpan(parent, span), done)
  })
  app.addHook('onError', (request, _reply, error, done) => {
    const span = (request as TracedRequest)[kSpan]
    if (span !== null) {
      span.recordException(error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
    }
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    finish(request as TracedRequest, reply)
    done()
  })
  // A client that leaves before the answer gets no onResponse; its span still ends.
  app.addHook('onRequestAbort', (request, done) => {
    finish(request as TracedRequest, undefined)
    done()
  })
}
