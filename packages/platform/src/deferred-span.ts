import type {
  Attributes,
  AttributeValue,
  Context,
  Exception,
  Link,
  Span,
  SpanContext,
  SpanKind,
  SpanStatus,
  TimeInput,
  Tracer,
} from '@opentelemetry/api'
import { SpanStatusCode, TraceFlags } from '@opentelemetry/api'
import type { PinnableIdGenerator } from './pinnable-id-generator.ts'

export interface DeferredSpanOptions {
  name: string
  kind: SpanKind
  attributes: Attributes
  /** The caller's context (a remote parent), or the root context. */
  parent: Context
  traceId: string
  spanId: string
  tracer: Tracer
  ids: PinnableIdGenerator
  /**
   * Called when the span ends unfailed: drops what the span processor holds of this trace, and says whether
   * the trace already failed in this process (a failed SQL statement the handler caught): the span is then
   * exported all the same, as the recorded root it would have been.
   */
  release(traceId: string): boolean
}

/**
 * An unsampled local root (a request) that becomes an SDK span only if it must be exported: when it ends with
 * status ERROR, or its trace failed meanwhile. Until then it is its ids and what was done to it, kept as
 * steps to replay on the SDK span (with their times), so an unsampled request that succeeds, nine in ten at
 * the default ratio, costs no span object, no attribute cleaning and no processor work. It reports itself as
 * recording (it is: a fault must reach it) and unsampled; the SDK span is started with the same ids
 * (`PinnableIdGenerator`), the same parent, start time and kind, and goes through the same sampler and
 * processor, which export it with the spans its children held.
 */
export class DeferredSpan implements Span {
  readonly #options: DeferredSpanOptions
  readonly #context: SpanContext
  readonly #startedAt = performance.now()
  #steps: Array<(span: Span) => void> | undefined
  #failed = false
  #ended = false

  constructor(options: DeferredSpanOptions) {
    this.#options = options
    this.#context = { traceId: options.traceId, spanId: options.spanId, traceFlags: TraceFlags.NONE }
  }

  spanContext(): SpanContext {
    return this.#context
  }

  /** Whether its status was set to ERROR (by a handler, a hook or Fastify's error). */
  get failed(): boolean {
    return this.#failed
  }

  isRecording(): boolean {
    return !this.#ended
  }

  setAttribute(key: string, value: AttributeValue): this {
    return this.#step((span) => span.setAttribute(key, value))
  }

  setAttributes(attributes: Attributes): this {
    return this.#step((span) => span.setAttributes(attributes))
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const at = time ?? (isTimeInput(attributesOrTime) ? attributesOrTime : performance.now())
    const attributes = isTimeInput(attributesOrTime) ? undefined : attributesOrTime
    return this.#step((span) => span.addEvent(name, attributes, at))
  }

  addLink(link: Link): this {
    return this.#step((span) => span.addLink(link))
  }

  addLinks(links: Link[]): this {
    return this.#step((span) => span.addLinks(links))
  }

  setStatus(status: SpanStatus): this {
    if (this.#ended) return this
    if (status.code === SpanStatusCode.ERROR) this.#failed = true
    return this.#step((span) => span.setStatus(status))
  }

  updateName(name: string): this {
    return this.#step((span) => span.updateName(name))
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const at = time ?? performance.now()
    this.#step((span) => span.recordException(exception, at))
  }

  end(endTime?: TimeInput): void {
    this.endWith(undefined, endTime)
  }

  /** `end`, with attributes worked out only if the span is exported (the response's, for a request). */
  endWith(lastAttributes: (() => Attributes) | undefined, endTime?: TimeInput): void {
    if (this.#ended) return
    this.#ended = true
    const o = this.#options
    if (!this.#failed && !o.release(o.traceId)) return
    const span = o.ids.withIds({ traceId: o.traceId, spanId: o.spanId }, () =>
      o.tracer.startSpan(
        o.name,
        { kind: o.kind, attributes: o.attributes, startTime: this.#startedAt },
        o.parent,
      ),
    )
    for (const step of this.#steps ?? []) step(span)
    if (lastAttributes !== undefined) span.setAttributes(lastAttributes())
    span.end(endTime ?? performance.now())
  }

  #step(step: (span: Span) => void): this {
    if (this.#ended) return this
    this.#steps ??= []
    this.#steps.push(step)
    return this
  }
}

function isTimeInput(value: Attributes | TimeInput | undefined): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || Array.isArray(value)
}
