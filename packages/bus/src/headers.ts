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

const getter: TextMapGetter<MsgHdrs | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => (carrier ? carrier.keys() : []),
}

/** Writes the trace context of `ctx` (W3C by default) into NATS headers. */
export function injectTraceContext(ctx: Context, headers: MsgHdrs): void {
  propagation.inject(ctx, headers, setter)
}

/** The remote context carried by a message, or the root context when it has none. */
export function extractTraceContext(headers: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers, getter)
}

/** Plain copy of NATS headers (for dead-letter records and handlers). */
export function headersToRecord(headers: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!headers) return out
  for (const [key, values] of headers) out[key] = [...values]
  return out
}
