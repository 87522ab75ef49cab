import { type AnyEventDefinition, catalog, type StreamDefinition } from '@chargebus/events'
import { JetStreamApiCodes, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream'
import { decodeEvent, indexEvents, type StoredEvent } from './decode.ts'
import {
  InvalidBusOptionsError,
  JetStreamRequestError,
  MessageNotFoundError,
  UnknownEventError,
} from './errors.ts'
import type { Namespace } from './namespace.ts'

/**
 * Reads message `seq` of a logical stream (JetStream `STREAM.MSG.GET`, nats-server 2.9+) and decodes it
 * as a consumer would: matched to one of `events` (default: the catalog's events on that stream) and
 * validated. Throws `MessageNotFoundError` when the message (or the stream) is not there, the decode
 * errors of consumers (`InvalidEventError`, `UnsupportedEventVersionError`, `UnknownEventError`, the
 * latter also for a catalog event not in `events`), or `JetStreamRequestError`.
 */
export async function getStoredEvent<E extends AnyEventDefinition>(
  jsm: JetStreamManager,
  ns: Namespace,
  stream: StreamDefinition | string,
  seq: number,
  events?: E | readonly E[],
): Promise<StoredEvent<E>> {
  const name = typeof stream === 'string' ? stream : stream.name
  if (!Number.isInteger(seq) || seq < 1) throw new InvalidBusOptionsError('seq must be a positive integer')
  const candidates = eventsOf(name, events)
  let sm: StoredMsg | null
  try {
    sm = await jsm.streams.getMessage(ns.stream(name), { seq })
  } catch (err) {
    if ((err as { code?: number }).code === JetStreamApiCodes.StreamNotFound) {
      throw new MessageNotFoundError(name, seq, `stream ${name} does not exist`)
    }
    throw new JetStreamRequestError(`get message ${seq} of ${name}`, err)
  }
  if (!sm) throw new MessageNotFoundError(name, seq)
  const subject = ns.logicalSubject(sm.subject)
  const event = decodeEvent(
    { data: sm.data, headers: sm.header, seq: sm.seq, time: sm.time },
    indexEvents(candidates),
    subject,
  )
  if (!event) throw new UnknownEventError(subject)
  return event
}

function eventsOf<E extends AnyEventDefinition>(stream: string, events?: E | readonly E[]): readonly E[] {
  if (events === undefined) {
    const onStream = catalog.filter((e) => e.stream.name === stream) as E[]
    if (onStream.length === 0)
      throw new InvalidBusOptionsError(`the catalog has no events on stream ${stream}`)
    return onStream
  }
  const list: readonly E[] = Array.isArray(events) ? events : [events as E]
  if (list.length === 0) throw new InvalidBusOptionsError('events must name at least one event')
  for (const e of list) {
    if (e.stream.name !== stream) {
      throw new InvalidBusOptionsError(`event ${e.name} is on stream ${e.stream.name}, not ${stream}`)
    }
  }
  return list
}
