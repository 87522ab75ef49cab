import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api'

const PRODUCER = { kind: SpanKind.PRODUCER } as const

/** A publish's PRODUCER span (undefined when none is made) and the trace context its message carries. */
export interface PublishSpan {
  readonly span: Span | undefined
  /** Injected into the message's headers: the consumer continues (or links to) this trace. */
  readonly context: Context
}

/**
 * Starts the span of one publish, as cheaply as the trace allows. Inside an unsampled local span (most
 * publishes, at the default ratio) no span is made: the platform's sampler records no PRODUCER child of an
 * unsampled trace, so the span would be a non-recording stand-in whose only use is a fresh span id. The
 * message then carries the caller's context (same trace id, not sampled), which is all a consumer needs.
 * Attributes are set only on a span that records.
 */
export function startPublishSpan(
  tracer: Tracer,
  eventName: string,
  destination: string,
  msgId: string,
): PublishSpan {
  const active = context.active()
  const parent = trace.getSpanContext(active)
  if (
    parent !== undefined &&
    parent.isRemote !== true &&
    (parent.traceFlags & TraceFlags.SAMPLED) === 0 &&
    isSpanContextValid(parent)
  )
    return { span: undefined, context: active }
  const span = tracer.startSpan(`publish ${eventName}`, PRODUCER, active)
  if (span.isRecording())
    span.setAttributes({
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.destination.name': destination,
      'messaging.message.id': msgId,
    })
  return { span, context: trace.setSpan(active, span) }
}
