import { findEvent, Streams } from '@chargebus/events'
import { type Consumer, type ConsumerMessages, DeliverPolicy, jetstream } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'

/** One event of a stream as the SSE feed sends it. */
export interface FeedEvent {
  /** Stream sequence: the SSE `id`, and what `Last-Event-ID` resumes from. */
  seq: number
  /** Logical subject (no namespace), e.g. `connector.CP-1.1.status_changed`. */
  subject: string
  name: string
  version: number
  data: Record<string, unknown>
  publishedAt: string
}

/** An open subscription: iterate it; the next message is pulled only while the loop body has returned. */
export interface FeedSubscription extends AsyncIterable<FeedEvent> {
  stop(): void
}

export interface EventFeed {
  /** Events after stream sequence `afterSeq` (resume), else only new ones. */
  subscribe(opts: { afterSeq?: number | undefined }): Promise<FeedSubscription>
}

/** Which stream a feed reads and which of its subjects (logical prefixes) it forwards. */
export interface FeedSource {
  /** Logical stream name, e.g. `DOMAIN`. */
  stream: string
  forwarded: readonly string[]
}

/** Station, connector and session events of DOMAIN (`meter.>` is left to BI exports). */
export const DOMAIN_FEED: FeedSource = {
  stream: Streams.DOMAIN.name,
  forwarded: ['station.', 'connector.', 'session.'],
}

/** The aggregator's `aggregate.updated` hints on AGGREGATES, for live dashboards. */
export const AGGREGATES_FEED: FeedSource = { stream: Streams.AGGREGATES.name, forwarded: ['aggregate.'] }

/**
 * A live feed of one stream's catalogued events: one ordered (ephemeral, unacknowledged, flow-controlled)
 * JetStream consumer per subscriber. Names follow the bus's namespace mapping: stream `<NS>_DOMAIN`,
 * subjects `<ns>.station...`. nats-server 2.9 has no multi-filter consumers, so the consumer reads the whole
 * stream and subjects outside `source.forwarded` (DOMAIN's `meter.>`) are dropped here.
 */
export function createEventFeed(nc: NatsConnection, namespace: string, source: FeedSource): EventFeed {
  const js = jetstream(nc)
  const stream = namespace ? `${namespace.toUpperCase()}_${source.stream}` : source.stream
  const subjectPrefix = namespace ? `${namespace}.` : ''
  const decoder = new TextDecoder()

  return {
    async subscribe({ afterSeq }) {
      const consumer: Consumer = await js.consumers.get(
        stream,
        afterSeq === undefined
          ? { deliver_policy: DeliverPolicy.New }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 },
      )
      // A small prefetch: a slow SSE client holds at most this many messages in memory.
      const messages: ConsumerMessages = await consumer.consume({ max_messages: 64 })
      async function* iterate(): AsyncGenerator<FeedEvent> {
        for await (const m of messages) {
          const subject = m.subject.startsWith(subjectPrefix)
            ? m.subject.slice(subjectPrefix.length)
            : m.subject
          if (!source.forwarded.some((p) => subject.startsWith(p))) continue
          const name = m.headers?.get('Chargebus-Event') ?? ''
          const version = Number(m.headers?.get('Chargebus-Event-Version') ?? '0')
          const def = findEvent(name, version)
          let data: unknown
          try {
            data = JSON.parse(decoder.decode(m.data))
          } catch {
            continue
          }
          if (def === undefined || !def.check(data)) continue
          yield {
            seq: m.seq,
            subject,
            name,
            version,
            data: data as Record<string, unknown>,
            publishedAt: new Date(Math.floor(Number(m.info.timestampNanos) / 1e6)).toISOString(),
          }
        }
      }
      const iterator = iterate()
      return {
        [Symbol.asyncIterator]: () => iterator,
        stop() {
          messages.stop()
        },
      }
    },
  }
}
