import { replayLaneFilter, Streams, subjectInLane } from '@chargebus/events'
import type { JsMsg } from '@nats-io/jetstream'
import type { ConsumerDefinition } from './consumer-setup.ts'
import { headerValue, ReplayHeaders } from './headers.ts'
import type { Namespace } from './namespace.ts'

/**
 * Where a consumer's messages come from: its stream, or its replay lane (REPLAY, filtered to
 * `replay.<stream>.<durable>.>`), where `chargebus replay` and `chargebus dlq retry` re-deliver history to it
 * alone. Both feed the same handler; the lane's messages look to it as they did in their stream.
 */
export interface DeliverySource {
  readonly kind: 'stream' | 'lane'
  /** The JetStream consumer that reads this source. */
  readonly consumer: ConsumerDefinition
  /** The logical subject a handler sees (the lane: the original subject). */
  subjectOf(msg: JsMsg): string
  /** Sequence of the original in its stream (the lane: from the replay headers, else the lane's own). */
  originalSeq(msg: JsMsg, headers: Record<string, string[]>): number
  /** Dedupe key of the message's dead letter: once per stored message, so a lane copy gets its own. */
  deadLetterMsgId(msg: JsMsg): string
}

/** The durable name of the lane of `durable` on `stream`, in REPLAY (durable names are per stream). */
export function laneDurable(stream: string, durable: string): string {
  return `${stream}-${durable}`
}

/** The consumer's own stream. */
export function streamSource(consumer: ConsumerDefinition, ns: Namespace): DeliverySource {
  const { stream, durable } = consumer
  return {
    kind: 'stream',
    consumer,
    subjectOf: (msg) => ns.logicalSubject(msg.subject),
    originalSeq: (msg) => msg.seq,
    deadLetterMsgId: (msg) => `dlq:${stream.name}:${durable}:${msg.seq}`,
  }
}

/** The replay lane of a consumer, read with the same settings as its stream. */
export function laneSource(of: ConsumerDefinition, ns: Namespace): DeliverySource {
  const stream = of.stream.name
  const durable = of.durable
  return {
    kind: 'lane',
    consumer: {
      stream: Streams.REPLAY,
      durable: laneDurable(stream, durable),
      filterSubject: replayLaneFilter(stream, durable),
      ackWaitMs: of.ackWaitMs,
      maxAckPending: of.maxAckPending,
      description: `replay lane of ${durable} on ${stream}`,
    },
    subjectOf: (msg) => subjectInLane(stream, durable, ns.logicalSubject(msg.subject)),
    originalSeq: (msg, headers) => {
      const seq = Number(headerValue(headers, ReplayHeaders.originalSeq))
      return Number.isSafeInteger(seq) && seq > 0 ? seq : msg.seq
    },
    deadLetterMsgId: (msg) => `dlq:${stream}:${durable}:lane:${msg.seq}`,
  }
}
