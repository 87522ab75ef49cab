import type { AnyEventDefinition, EventData } from '@chargebus/events'
import { InvalidEventError, subjectMatches } from '@chargebus/events'
import type { JsMsg } from '@nats-io/jetstream'
import { headers as createHeaders, type MsgHdrs } from '@nats-io/transport-node'
import { UnknownEventError, UnsupportedEventVersionError } from './errors.ts'
import { BusHeaders, headersToRecord, ReplayHeaders } from './headers.ts'

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

const decoder = new TextDecoder()

/**
 * Matches a message to one of `events` (by the `Chargebus-Event` headers, else by subject) and validates
 * it. Returns undefined for another catalog event the caller did not declare (a consumer acks and skips it).
 * Throws `InvalidEventError`, `UnknownEventError` or `UnsupportedEventVersionError`.
 */
export function decodeEvent<E extends AnyEventDefinition>(
  msg: RawMessage,
  events: readonly E[],
  subject: string,
): StoredEvent<E> | undefined {
  const def = pickDefinition(msg, events, subject)
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
    seq: msg.seq,
    // A replayed copy has a Nats-Msg-Id of its own; the event's id is the original's.
    msgId: msg.headers?.get(ReplayHeaders.originalMsgId) || msg.headers?.get(BusHeaders.msgId) || undefined,
    publishedAt: msg.time,
    headers: headersToRecord(msg.headers),
  } as StoredEvent<E>
}

/**
 * {@link decodeEvent} for a consumed message, plus its delivery count and `working()`. `seq` is the original's
 * stream sequence (a replayed copy's own sequence is in another stream).
 */
export function decodeMessage<E extends AnyEventDefinition>(
  msg: JsMsg,
  events: readonly E[],
  subject: string,
  seq = msg.seq,
): ReceivedEvent<E> | undefined {
  const event = decodeEvent(msg, events, subject)
  if (!event) return undefined
  event.seq = seq
  const received = event as unknown as Delivery
  received.deliveryCount = msg.info.deliveryCount
  received.working = () => msg.working()
  return event as ReceivedEvent<E>
}

function pickDefinition<E extends AnyEventDefinition>(
  msg: RawMessage,
  events: readonly E[],
  subject: string,
): E | undefined {
  const name = msg.headers?.get(BusHeaders.event)
  if (name) {
    const version = msg.headers?.get(BusHeaders.eventVersion) ?? ''
    const named = events.filter((e) => e.name === name)
    if (named.length === 0) return undefined
    const def = named.find((e) => String(e.version) === version)
    if (!def) throw new UnsupportedEventVersionError(name, version)
    return def
  }
  const def = events.find((e) => subjectMatches(e.subject.filter, subject))
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
  events: readonly E[],
): StoredEvent<E> | undefined {
  const hdrs = createHeaders()
  for (const [key, values] of Object.entries(msg.headers)) for (const v of values) hdrs.append(key, v)
  return decodeEvent({ data: msg.payload, headers: hdrs, seq: msg.seq, time: msg.time }, events, msg.subject)
}
