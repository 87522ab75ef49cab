import { type StreamDefinition, Streams } from '@chargebus/events'
import { createScrapeRead, type ScrapeResult } from '@chargebus/platform'
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream'
import { Counter, Gauge, type Registry } from 'prom-client'
import { consumerInfo } from './consumer-setup.ts'
import { laneDurable } from './lanes.ts'
import type { Namespace } from './namespace.ts'

/** Where the bus exports its metrics (`BusOptions.metrics`). */
export interface BusMetricsOptions {
  registry: Registry
  /**
   * Streams whose usage against their limits this process exports (`chargebus_bus_stream_*`). One or two
   * services are enough (the api and ingest pass `allStreams`); default none.
   */
  streams?: readonly StreamDefinition[]
  /** How long one JetStream read serves scrapes (default 5 s): many scrapers cost one read per interval. */
  cacheMs?: number
  /** Wall-clock milliseconds the lag is measured at (default `Date.now`; tests pass their clock's). */
  now?: () => number
}

export type PublishOutcome = 'stored' | 'duplicate' | 'failed'
export type ConsumeOutcome = 'acked' | 'retried' | 'dead-lettered'

/** What the bus counts as it works (hot path: a counter increment each). */
export interface BusCounters {
  published(stream: string, event: string, outcome: PublishOutcome): void
  consumed(stream: string, durable: string, outcome: ConsumeOutcome, count?: number): void
  redelivered(stream: string, durable: string): void
}

/** Counts nothing: a bus without `metrics`. */
export const noBusCounters: BusCounters = { published() {}, consumed() {}, redelivered() {} }

/** A consumer this process runs, whose lag it reports. */
export interface ConsumerRef {
  stream: StreamDefinition
  durable: string
  filterSubject?: string
}

interface ConsumerSnapshot {
  stream: string
  durable: string
  pending: number
  ackPending: number
  redelivered: number
  lagSeconds: number
}

interface StreamSnapshot {
  stream: string
  bytes: number
  messages: number
  maxBytes: number
  maxMessages: number
}

/**
 * Registers the bus's metrics: publish and consume counters (labels: logical stream, event or durable,
 * outcome; never a subject, which names a station), and gauges read from JetStream at scrape time (consumer
 * info and stream info, cached `cacheMs`): consumer lag in messages and seconds, redelivered messages, stream
 * bytes and messages against their limits (the DEAD_LETTERS stream's messages are the DLQ size).
 */
export function registerBusMetrics(
  opts: BusMetricsOptions,
  source: {
    jsm: JetStreamManager
    ns: Namespace
    consumers: () => Iterable<ConsumerRef>
    now?: () => number
  },
): BusCounters {
  const registers = [opts.registry]
  const cacheMs = opts.cacheMs ?? 5_000
  const now = opts.now ?? Date.now
  const published = new Counter({
    name: 'chargebus_bus_published_total',
    help: 'Publishes by logical stream, event and outcome: stored, duplicate (Nats-Msg-Id seen), failed.',
    labelNames: ['stream', 'event', 'outcome'] as const,
    registers,
  })
  const consumed = new Counter({
    name: 'chargebus_bus_consumed_total',
    help: 'Deliveries settled by logical stream, durable and outcome: acked, retried (nak), dead-lettered.',
    labelNames: ['stream', 'durable', 'outcome'] as const,
    registers,
  })
  const redeliveries = new Counter({
    name: 'chargebus_bus_redeliveries_total',
    help: 'Deliveries with a delivery count above 1 (a retry, or an ack wait that ran out), by stream and durable.',
    labelNames: ['stream', 'durable'] as const,
    registers,
  })

  const consumers = createScrapeRead(() => readConsumers(source.jsm, source.ns, source.consumers(), now()), {
    reuseMs: cacheMs,
  })
  const consumerGauge = (name: string, help: string, value: (c: ConsumerSnapshot) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['stream', 'durable'] as const,
      registers,
      async collect() {
        const rows = await consumers()
        this.reset()
        for (const c of rowsOf(rows)) this.set({ stream: c.stream, durable: c.durable }, value(c))
      },
    })
  consumerGauge(
    'chargebus_bus_consumer_pending_messages',
    'Messages stored and not yet acked by the durable (undelivered plus unacked, its replay lane included).',
    (c) => c.pending + c.ackPending,
  )
  consumerGauge(
    'chargebus_bus_consumer_ack_pending_messages',
    'Messages delivered to the durable and not acked yet (in flight, prefetched or waiting for redelivery).',
    (c) => c.ackPending,
  )
  consumerGauge(
    'chargebus_bus_consumer_redelivered_messages',
    'Unacked messages of the durable that were delivered more than once (JetStream num_redelivered).',
    (c) => c.redelivered,
  )
  consumerGauge(
    'chargebus_bus_consumer_lag_seconds',
    'Age of the oldest message the durable has not acked (0 when it has caught up).',
    (c) => c.lagSeconds,
  )

  const streamList = opts.streams ?? []
  if (streamList.length > 0) {
    const streams = createScrapeRead(() => readStreams(source.jsm, source.ns, streamList), {
      reuseMs: cacheMs,
    })
    const streamGauge = (name: string, help: string, value: (s: StreamSnapshot) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['stream'] as const,
        registers,
        async collect() {
          const rows = await streams()
          this.reset()
          for (const s of rowsOf(rows)) {
            const v = value(s)
            if (v !== undefined) this.set({ stream: s.stream }, v)
          }
        },
      })
    streamGauge('chargebus_bus_stream_bytes', 'Bytes stored in the stream.', (s) => s.bytes)
    streamGauge(
      'chargebus_bus_stream_messages',
      'Messages stored in the stream (for DEAD_LETTERS: the dead-letter queue size).',
      (s) => s.messages,
    )
    streamGauge('chargebus_bus_stream_max_bytes', 'The stream max_bytes limit.', (s) =>
      s.maxBytes > 0 ? s.maxBytes : undefined,
    )
    streamGauge(
      'chargebus_bus_stream_usage_ratio',
      'max(bytes / max_bytes, messages / max_msgs): at 1 the stream discards (old messages or new ones, per its policy).',
      (s) =>
        Math.max(
          s.maxBytes > 0 ? s.bytes / s.maxBytes : 0,
          s.maxMessages > 0 ? s.messages / s.maxMessages : 0,
        ),
    )
  }

  return {
    published: (stream, event, outcome) => published.inc({ stream, event, outcome }),
    consumed: (stream, durable, outcome, count = 1) => consumed.inc({ stream, durable, outcome }, count),
    redelivered: (stream, durable) => redeliveries.inc({ stream, durable }),
  }
}

/** A failed or timed-out read reports nothing: no series rather than stale ones. */
function rowsOf<T>(read: ScrapeResult<T[]>): T[] {
  return read.ok ? read.value : []
}

async function readConsumers(
  jsm: JetStreamManager,
  ns: Namespace,
  refs: Iterable<ConsumerRef>,
  nowMs: number,
): Promise<ConsumerSnapshot[]> {
  const unique = new Map<string, ConsumerRef>()
  for (const r of refs) unique.set(`${r.stream.name}/${r.durable}`, r)
  const rows = await Promise.all(
    [...unique.values()].map(async (ref): Promise<ConsumerSnapshot | undefined> => {
      const physical = ns.stream(ref.stream.name)
      const [info, lane] = await Promise.all([
        consumerInfo(jsm, physical, ref.durable),
        consumerInfo(jsm, ns.stream(Streams.REPLAY.name), laneDurable(ref.stream.name, ref.durable)).catch(
          () => undefined,
        ),
      ])
      if (info === undefined) return undefined
      const behind = info.num_pending + info.num_ack_pending > 0
      const oldest = behind
        ? await oldestUnacked(jsm, physical, info.ack_floor.stream_seq + 1, info.config.filter_subject)
        : undefined
      return {
        stream: ref.stream.name,
        durable: ref.durable,
        pending: info.num_pending + (lane?.num_pending ?? 0),
        ackPending: info.num_ack_pending + (lane?.num_ack_pending ?? 0),
        redelivered: info.num_redelivered + (lane?.num_redelivered ?? 0),
        lagSeconds: oldest === undefined ? 0 : Math.max(0, (nowMs - oldest.time.getTime()) / 1000),
      }
    }),
  )
  return rows.filter((r) => r !== undefined)
}

/** The first message on the consumer's filter at or after `seq` (the oldest it has not acked). */
async function oldestUnacked(
  jsm: JetStreamManager,
  stream: string,
  seq: number,
  filter: string | undefined,
): Promise<StoredMsg | undefined> {
  // STREAM.MSG.GET takes next_by_subj (nats-server 2.9); nats.js 3 types only seq and last_by_subj.
  const query = { seq, next_by_subj: filter || '>' } as unknown as { seq: number }
  return (await jsm.streams.getMessage(stream, query)) ?? undefined
}

async function readStreams(
  jsm: JetStreamManager,
  ns: Namespace,
  streams: readonly StreamDefinition[],
): Promise<StreamSnapshot[]> {
  const rows = await Promise.all(
    streams.map(async (s): Promise<StreamSnapshot | undefined> => {
      const info = await jsm.streams.info(ns.stream(s.name)).catch(() => undefined)
      if (info === undefined) return undefined
      return {
        stream: s.name,
        bytes: info.state.bytes,
        messages: info.state.messages,
        maxBytes: info.config.max_bytes,
        maxMessages: info.config.max_msgs,
      }
    }),
  )
  return rows.filter((r) => r !== undefined)
}
