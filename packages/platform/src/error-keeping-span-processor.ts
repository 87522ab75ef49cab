import { SpanStatusCode, TraceFlags } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace'

export interface ErrorKeepingLimits {
  /** Unsampled traces whose local spans are held until their local root ends (oldest dropped first). */
  maxPendingTraces: number
  /** Spans held per unsampled trace; more are dropped (the error span itself is always kept). */
  maxSpansPerTrace: number
  /** Trace ids remembered as failed, so their spans that end later are exported too. */
  maxErroredTraces: number
}

const DEFAULT_LIMITS: ErrorKeepingLimits = {
  maxPendingTraces: 2048,
  maxSpansPerTrace: 128,
  maxErroredTraces: 1024,
}

/**
 * "Errors are always sampled" on top of head sampling. A sampler cannot know at a span's start that it will
 * fail, so the spans an error can end up in are recorded (`createErrorKeepingSampler`) and this processor
 * decides at their end:
 * - a sampled span goes to `next` as usual;
 * - an unsampled span is held with the other spans of its trace in this process until the trace's local
 *   root (no parent, or a remote parent) ends: then they are dropped, unless one of them ended with status
 *   ERROR, in which case all of them (and any later span of that trace) go to `next`, flagged sampled. A root
 *   that is not recorded unless it fails (a request's `DeferredSpan`) reports its end through `release`.
 *
 * So a failed request is exported whole as far as this process saw it; the other processes of an
 * unsampled trace export only their own failing part. Memory is bounded by `ErrorKeepingLimits`.
 */
export class ErrorKeepingSpanProcessor implements SpanProcessor {
  readonly #next: SpanProcessor
  readonly #limits: ErrorKeepingLimits
  readonly #pending = new Map<string, ReadableSpan[]>()
  readonly #errored = new Set<string>()

  constructor(next: SpanProcessor, limits: Partial<ErrorKeepingLimits> = {}) {
    this.#next = next
    this.#limits = { ...DEFAULT_LIMITS, ...limits }
  }

  onStart(span: Span, parentContext: Parameters<SpanProcessor['onStart']>[1]): void {
    this.#next.onStart(span, parentContext)
  }

  onEnd(span: ReadableSpan): void {
    const { traceId, traceFlags } = span.spanContext()
    if (traceFlags & TraceFlags.SAMPLED) this.#next.onEnd(span)
    else if (this.#errored.has(traceId)) this.#next.onEnd(asSampled(span))
    else if (span.status.code === SpanStatusCode.ERROR) this.#keepTrace(traceId, span)
    else if (isLocalRoot(span)) this.#pending.delete(traceId)
    else this.#hold(traceId, span)
  }

  /**
   * The local root of an unsampled trace ended without being recorded (a `DeferredSpan` that did not fail):
   * drops what is held of the trace, as the root's own end would. True when the trace already failed here, so
   * the root should be exported after all (then it is recorded, and goes through `onEnd`).
   */
  release(traceId: string): boolean {
    this.#pending.delete(traceId)
    return this.#errored.has(traceId)
  }

  forceFlush(): Promise<void> {
    return this.#next.forceFlush()
  }

  shutdown(): Promise<void> {
    this.#pending.clear()
    return this.#next.shutdown()
  }

  #keepTrace(traceId: string, failed: ReadableSpan): void {
    const held = this.#pending.get(traceId) ?? []
    this.#pending.delete(traceId)
    this.#markErrored(traceId)
    for (const s of held) this.#next.onEnd(asSampled(s))
    this.#next.onEnd(asSampled(failed))
  }

  #hold(traceId: string, span: ReadableSpan): void {
    const held = this.#pending.get(traceId)
    if (held === undefined) {
      if (this.#pending.size >= this.#limits.maxPendingTraces) {
        // Map order is insertion order: the oldest trace is most likely one whose root will never end here.
        const oldest = this.#pending.keys().next().value
        if (oldest !== undefined) this.#pending.delete(oldest)
      }
      this.#pending.set(traceId, [span])
    } else if (held.length < this.#limits.maxSpansPerTrace) {
      held.push(span)
    }
  }

  #markErrored(traceId: string): void {
    if (this.#errored.size >= this.#limits.maxErroredTraces) {
      const oldest = this.#errored.values().next().value
      if (oldest !== undefined) this.#errored.delete(oldest)
    }
    this.#errored.add(traceId)
  }
}

function isLocalRoot(span: ReadableSpan): boolean {
  return span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true
}

/** The span as exported: the batch processor skips unsampled spans, and the backend should see it kept. */
function asSampled(span: ReadableSpan): ReadableSpan {
  const context = span.spanContext()
  const sampled = { ...context, traceFlags: context.traceFlags | TraceFlags.SAMPLED }
  return Object.create(span, { spanContext: { value: () => sampled } })
}
