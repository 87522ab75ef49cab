import type { AnyEventDefinition, EventData } from '@chargebus/events'
import { InvalidEventError, subjectMatches } from '@chargebus/events'
import type { JsMsg } from '@nats-io/jetstream'
import { headers as createHeaders, type MsgHdrs } from '@nats-io/transport-node'
import { UnknownEventError, UnsupportedEventVersionError } from './errors.ts'
import { headerRecordOf } from './header-block.ts'
import { BusHeaders, headerValue, ReplayHeaders } from './headers.ts'

/** A stored, validated event: what `bus.getMessage` returns. A union over `events`, discriminated by `name`. */
export type StoredEvent<E extends AnyEventDefinition> = E extends AnyEventDefinition
  ? {
      name: E['name']
      version: number
      data: EventData<E>
      /** Logical subject (without namespace). */
      subject: string
      /** Stream sequence. */
      seq: number
      msgId: string | undefined
      publishedAt: Date
      headers: Record<string, string[]>
    }
  : never

interface Delivery {
  /** 1 on the first delivery. */
  deliveryCount: number
  /** Resets the ack-wait timer for long work. */
  working(): void
}

/** A consumed, validated event. A union over the consumer's events, discriminated by `name`. */
export type ReceivedEvent<E extends AnyEventDefinition> = E extends AnyEventDefinition
  ? StoredEvent<E> & Delivery
  : never

/** What decoding needs of a message; a `JsMsg` is one, a stored message (`streams.getMessage`) is adapted. */
export interface RawMessage {
  readonly data: Uint8Array
  readonly headers?: MsgHdrs | undefined
  readonly seq: number
  readonly time: Date
}

/** The events a consumer or a read decodes, by name and version: built once, looked up per message. */
export interface EventIndex<E extends AnyEventDefinition> {
  readonly events: readonly E[]
  readonly byName: ReadonlyMap<string, ReadonlyMap<string, E>>
}

/**
 * Indexes `events` for decoding (a name and version given twice: the first one, as a search of the list finds).
 *
 * ### Examples
 * ```ts
 * const aggregated = indexEvents(AGGREGATED_EVENTS) // once, not per message
 * for (const m of archived) decodeArchivedMessage(m, aggregated)
 * ```
 */
export function indexEvents<E extends AnyEventDefinition>(events: readonly E[]): EventIndex<E> {
  const byName = new Map<string, Map<string, E>>()
  for (const e of events) {
    const versions = byName.get(e.name) ?? new Map<string, E>()
    byName.set(e.name, versions)
    if (!versions.has(String(e.version))) versions.set(String(e.version), e)
  }
  return { events, byName }
}

const decoder = new TextDecoder()

/**
 * Matches a message to one of `events` (by the `Chargebus-Event` headers, else by subject) and validates
 * it. Returns undefined for another catalog event the caller did not declare (a consumer acks and skips it).
 * Throws `InvalidEventError`, `UnknownEventError` or `UnsupportedEventVersionError`.
 */
export function decodeEvent<E extends AnyEventDefinition>(
  msg: RawMessage,
  events: EventIndex<E>,
  subject: string,
): StoredEvent<E> | undefined {
  return decodeWith(msg, events, subject, headerRecordOf(msg), msg.seq)
}

/**
 * {@link decodeEvent} for a consumed message whose headers the consumer read already (`headerRecordOf`: its span
 * needs them), plus its delivery count and `working()`. `seq` is the original's stream sequence (a replayed
 * copy's own sequence is in another stream).
 */
export function decodeMessage<E extends AnyEventDefinition>(
  msg: JsMsg,
  events: EventIndex<E>,
  subject: string,
  headers: Record<string, string[]>,
  seq: number,
): ReceivedEvent<E> | undefined {
  const event = decodeWith(msg, events, subject, headers, seq)
  if (!event) return undefined
  const received = event as unknown as Delivery
  received.deliveryCount = msg.info.deliveryCount
  received.working = () => msg.working()
  return event as ReceivedEvent<E>
}

function decodeWith<E extends AnyEventDefinition>(
  msg: RawMessage,
  events: EventIndex<E>,
  subject: string,
  headers: Record<string, string[]>,
  seq: number,
): StoredEvent<E> | undefined {
  const def = pickDefinition(headers, events, subject)
  if (!def) return undefined
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(msg.data))
  } catch {
    throw new InvalidEventError(`${def.name}@${def.version}`, [{ path: '', message: 'payload is not JSON' }])
  }
  const data = def.parse(value)
  return {
    name: def.name,
    version: def.version,
    data,
    subject,
    seq,
    // A replayed copy has a Nats-Msg-Id of its own; the event's id is the original's.
    msgId:
      headerValue(headers, ReplayHeaders.originalMsgId) ||
      headerValue(headers, BusHeaders.msgId) ||
      undefined,
    publishedAt: msg.time,
    headers,
  } as StoredEvent<E>
}

function pickDefinition<E extends AnyEventDefinition>(
  headers: Record<string, string[]>,
  events: EventIndex<E>,
  subject: string,
): E | undefined {
  const name = headerValue(headers, BusHeaders.event)
  if (name) {
    const versions = events.byName.get(name)
    if (!versions) return undefined
    const version = headerValue(headers, BusHeaders.eventVersion)
    const def = versions.get(version)
    if (!def) throw new UnsupportedEventVersionError(name, version)
    return def
  }
  const def = events.events.find((e) => subjectMatches(e.subject.filter, subject))
  if (!def) throw new UnknownEventError(subject)
  return def
}

/** A message as the archive keeps it: logical subject, stream time, every header value, payload bytes. */
export interface ArchivedRawMessage {
  readonly seq: number
  readonly subject: string
  readonly time: Date
  readonly headers: Readonly<Record<string, readonly string[]>>
  readonly payload: Uint8Array
}

/**
 * {@link decodeEvent} for a message read back from the archive (no `MsgHdrs`): the same matching and validation
 * as a consumer's, so history from the archive and from the stream decode alike.
 */
export function decodeArchivedMessage<E extends AnyEventDefinition>(
  msg: ArchivedRawMessage,
  events: EventIndex<E>,
): StoredEvent<E> | undefined {
  const hdrs = createHeaders()
  for (const [key, values] of Object.entries(msg.headers)) for (const v of values) hdrs.append(key, v)
  return decodeEvent({ data: msg.payload, headers: hdrs, seq: msg.seq, time: msg.time }, events, msg.subject)
}
