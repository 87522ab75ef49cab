import type { AnyEventDefinition, EventData } from '@chargebus/events'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import { decodeEvent, indexEvents } from './decode.ts'
import type { Namespace } from './namespace.ts'

/** Which of the event's subject placeholders to fix, e.g. `{ station: 'CP-1' }`; the others match anything. */
export type ListenFilter = Readonly<Record<string, string>>

/**
 * A core NATS subscription on an event's subjects: JetStream stores what is published there, and every
 * subscriber also sees it live. Not durable: nothing is replayed or redelivered, so it only suits hints
 * ("this station is talking again"). Messages that do not decode or validate as `event` are skipped.
 */
export function listenTo<E extends AnyEventDefinition>(
  deps: { nc: NatsConnection; ns: Namespace; logger: Logger },
  event: E,
  filter: ListenFilter,
  handler: (data: EventData<E>) => void,
): () => void {
  const { nc, ns, logger } = deps
  const events = indexEvents([event])
  const sub = nc.subscribe(ns.subject(event.subject.filterFor(filter)), {
    callback: (err, msg) => {
      if (err) {
        logger.warn({ err, event: event.name }, 'listening stopped')
        return
      }
      let data: EventData<E> | undefined
      try {
        const subject = ns.logicalSubject(msg.subject)
        data = decodeEvent(
          { data: msg.data, headers: msg.headers, seq: 0, time: new Date() },
          events,
          subject,
        )?.data as EventData<E> | undefined
      } catch (decodeError) {
        logger.debug(
          { err: decodeError, subject: msg.subject },
          'skipped a message that is not a valid event',
        )
        return
      }
      if (data === undefined) return
      try {
        handler(data)
      } catch (handlerError) {
        logger.error({ err: handlerError, event: event.name }, 'listener failed')
      }
    },
  })
  return () => {
    if (!sub.isClosed()) sub.unsubscribe()
  }
}
