import type { MsgHdrs } from '@nats-io/transport-node'
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api'
import { propagation, ROOT_CONTEXT } from '@opentelemetry/api'

/** Headers the bus sets on every message, besides W3C `traceparent`/`tracestate`. */
export const BusHeaders = {
  msgId: 'Nats-Msg-Id',
  event: 'Chargebus-Event',
  eventVersion: 'Chargebus-Event-Version',
} as const

/**
 * Headers of a message re-delivered through a replay lane (`chargebus replay`, `chargebus dlq retry`). Its
 * `Nats-Msg-Id` is unique per replay (`<replay id>:<original seq>`), so a second replay is not deduplicated
 * away while a repeated one is; the original id stays here and is the event's `msgId`.
 */
export const ReplayHeaders = {
  /** The replay id (`chargebus replay` prints it; `dlq-<id>` for a dead-letter retry). */
  replay: 'Chargebus-Replay',
  originalMsgId: 'Chargebus-Original-Msg-Id',
  /** Logical stream the message was read from (a catalog stream or a restore stream). */
  originalStream: 'Chargebus-Original-Stream',
  originalSeq: 'Chargebus-Original-Seq',
} as const

const setter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
}

/** A header's first value, '' when absent: what nats.js `MsgHdrs.get` gives. */
export function headerValue(headers: Record<string, string[]>, key: string): string {
  return (Object.hasOwn(headers, key) && headers[key]?.[0]) || ''
}

const getter: TextMapGetter<Record<string, string[]>> = {
  get: (carrier, key) => headerValue(carrier, key) || undefined,
  keys: (carrier) => Object.keys(carrier),
}

/** Writes the trace context of `ctx` (W3C by default) into NATS headers. */
export function injectTraceContext(ctx: Context, headers: MsgHdrs): void {
  propagation.inject(ctx, headers, setter)
}

/** The remote context carried by a message's headers (`headerRecordOf`), or the root context when they have none. */
export function extractTraceContext(headers: Record<string, string[]>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, getter)
}

/** Plain copy of NATS headers (for dead-letter records and handlers). */
export function headersToRecord(headers: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!headers) return out
  for (const [key, values] of headers) out[key] = [...values]
  return out
}

/** `traceparent`: version, trace id, parent span id, flags (W3C Trace Context, level 1). */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/

/**
 * The trace a stored message belongs to, from its `traceparent` header (as `headersToRecord` copies it):
 * the trace id, and whether the publisher's trace was sampled (only a sampled one reaches a trace UI).
 * Undefined when the message was published without tracing or the header is malformed.
 *
 * ### Examples
 * ```ts
 * traceOf({ traceparent: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'] })
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', sampled: true }
 * ```
 */
export function traceOf(
  headers: Record<string, string[]>,
): { traceId: string; sampled: boolean } | undefined {
  const match = TRACEPARENT.exec(headers.traceparent?.[0] ?? '')
  if (match === null || /^0+$/.test(match[1] as string)) return undefined
  return { traceId: match[1] as string, sampled: (Number.parseInt(match[2] as string, 16) & 1) === 1 }
}
