import type { MsgHdrs } from '@nats-io/transport-node'
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api'
import { propagation, ROOT_CONTEXT } from '@opentelemetry/api'

/** Headers the bus sets on every message, besides W3C `traceparent`/`tracestate`. */
export const BusHeaders = {
  msgId: 'Nats-Msg-Id',
  event: 'Chargebus-Event',
  eventVersion: 'Chargebus-Event-Version',
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
