import { type Context, type Link, SamplingDecision, SpanKind, trace } from '@opentelemetry/api'
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace'

/**
 * The sampler that pairs with `ErrorKeepingSpanProcessor`: `delegate` decides what is sampled (exported); of
 * the rest, only the spans an error can end up in are recorded, so the processor can still export a trace
 * that failed:
 * - a local root (no parent, or a parent from another process): the request or consumed message, where a
 *   failure surfaces (the request span on a 5xx, the gateway's SOAP fault, the bus on a failed handler);
 * - a CLIENT span (an SQL statement, an outbound HTTP call): a call whose failure the caller may handle.
 *
 * Everything else of an unsampled trace (a publish, whose failure is thrown to its caller) is not recorded: the
 * API's non-recording span still carries the trace id for logs and propagation. Recording every span cost the gateway about a fifth of its CPU per request at the default ratio (bench/README.md).
 */
export function createErrorKeepingSampler(delegate: Sampler): Sampler {
  return {
    shouldSample(
      context: Context,
      traceId: string,
      spanName: string,
      spanKind: SpanKind,
      attributes: Parameters<Sampler['shouldSample']>[4],
      links: Link[],
    ): SamplingResult {
      const result = delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links)
      if (result.decision !== SamplingDecision.NOT_RECORD) return result
      if (spanKind !== SpanKind.CLIENT && !isLocalRoot(context)) return result
      return { ...result, decision: SamplingDecision.RECORD }
    },
    toString: () => `ErrorKeepingSampler{${delegate.toString()}}`,
  }
}

function isLocalRoot(parentContext: Context): boolean {
  const parent = trace.getSpanContext(parentContext)
  return parent === undefined || parent.isRemote === true || !trace.isSpanContextValid(parent)
}
