import type { AnyEventDefinition, EventData } from '@chargebus/events'

/** A domain event to publish after commit; `msgId` derives from what it is about (republishing dedupes). */
export interface DomainEvent<E extends AnyEventDefinition = AnyEventDefinition> {
  readonly event: E
  readonly data: EventData<E>
  readonly msgId: string
}

/**
 * A domain event whose `Nats-Msg-Id` is `<event name>:<key>`. The key names what the event is about, so the
 * same change always gets the same id: `<station>/<source messageId>` for an event derived from a station
 * message (plus a sample index where one message yields several).
 *
 * ### Examples
 * ```ts
 * const e = domainEvent(StationOnline, data, `CP-1/${m.messageId}`)
 * e.msgId // 'station.online:CP-1/<messageId>'
 * ```
 */
export function domainEvent<E extends AnyEventDefinition>(
  event: E,
  data: EventData<E>,
  key: string,
): DomainEvent {
  return { event, data, msgId: `${event.name}:${key}` }
}
