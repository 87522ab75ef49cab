import type { AnyEventDefinition, StreamDefinition } from '@chargebus/events'
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import { decodeEvent, indexEvents, type StoredEvent } from './decode.ts'
import { JetStreamRequestError } from './errors.ts'
import type { Namespace } from './namespace.ts'
import type { StreamPosition } from './replay.ts'

/** Where a stream's stored messages begin and end (empty: `messages` 0, `firstTime` undefined). */
export interface StreamBounds {
  firstSeq: number
  lastSeq: number
  messages: number
  firstTime: Date | undefined
}

export interface ReadOptions {
  from: StreamPosition
  /** Inclusive; default: the stream's last message when the read started. */
  toSeq?: number
  /** Messages per yielded page (default 500). */
  pageSize?: number
}

export interface ReadPage<E extends AnyEventDefinition> {
  /** The page's messages that are one of `events`, decoded and validated as a consumer sees them. */
  events: StoredEvent<E>[]
  /** Stream sequence of the page's last message read (decoded or not). */
  lastSeq: number
  /** Messages of the page that were none of `events` (other catalog events), or failed to decode. */
  skipped: number
  /** Sequence the read stops at. */
  endSeq: number
}

export async function streamBounds(
  jsm: JetStreamManager,
  ns: Namespace,
  stream: StreamDefinition,
): Promise<StreamBounds> {
  try {
    const info = await jsm.streams.info(ns.stream(stream.name))
    const s = info.state
    return {
      firstSeq: s.first_seq,
      lastSeq: s.last_seq,
      messages: s.messages,
      firstTime: s.messages > 0 ? new Date(s.first_ts) : undefined,
    }
  } catch (err) {
    throw new JetStreamRequestError(`stream ${stream.name}`, err)
  }
}

/**
 * Reads a stream in order with an ordered consumer (no durable state on the server), from `from` to `toSeq`,
 * in pages. Messages that are not one of `events` or do not decode are counted, not fatal: the journal is
 * read as it is.
 */
export async function* readStream<E extends AnyEventDefinition>(
  js: JetStreamClient,
  jsm: JetStreamManager,
  ns: Namespace,
  stream: StreamDefinition,
  events: readonly E[],
  opts: ReadOptions,
): AsyncGenerator<ReadPage<E>> {
  const bounds = await streamBounds(jsm, ns, stream)
  const end = Math.min(opts.toSeq ?? bounds.lastSeq, bounds.lastSeq)
  const startSeq = 'seq' in opts.from ? Math.max(1, opts.from.seq) : undefined
  if (bounds.messages === 0 || (startSeq !== undefined && startSeq > end)) return
  const consumer = await js.consumers.get(ns.stream(stream.name), {
    ...(startSeq !== undefined
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
      : {
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: (opts.from as { time: Date }).time.toISOString(),
        }),
  })
  const pageSize = opts.pageSize ?? 500
  const index = indexEvents(events)
  const fromTime = 'time' in opts.from ? opts.from.time.getTime() : undefined
  let done = false
  while (!done) {
    const page: ReadPage<E> = { events: [], lastSeq: 0, skipped: 0, endSeq: end }
    const iter = await consumer.fetch({ max_messages: pageSize, expires: 1_000 })
    let fetched = 0
    for await (const m of iter) {
      fetched++
      if (m.seq > end) {
        done = true
        break
      }
      page.lastSeq = m.seq
      // The server's start-time lookup may begin a little early (2.9): the bound is checked here too.
      if (fromTime === undefined || m.time.getTime() >= fromTime) {
        try {
          const e = decodeEvent(m, index, ns.logicalSubject(m.subject))
          if (e) page.events.push(e)
          else page.skipped++
        } catch {
          page.skipped++
        }
      }
      if (m.seq >= end || m.info.pending === 0) {
        done = true
        break // the fetch would otherwise wait for its expiry
      }
    }
    if (fetched === 0) break
    if (page.lastSeq > 0) yield page
  }
}
