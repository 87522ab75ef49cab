import { randomBytes } from 'node:crypto'
import { originalSubject, restoredSubject, Streams } from '@chargebus/events'
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream'
import { consumerInfo } from './consumer-setup.ts'
import { InvalidBusOptionsError, JetStreamRequestError } from './errors.ts'
import { findLaneTarget, laneHeaders, publishToLane, targetTakes } from './lane-publish.ts'
import { laneDurable } from './lanes.ts'
import type { Namespace } from './namespace.ts'
import type { AckedPublisher } from './publisher.ts'

/** A point in a stream: a sequence or a time. */
export type StreamPosition = { seq: number } | { time: Date }

export interface ReplayOptions {
  /** Logical stream to read: a catalog stream, or a restore stream (`restored.<stream>.<subject>`). */
  stream: string
  from: StreamPosition
  /** Inclusive; default: the stream's last message when the replay started. */
  to?: StreamPosition
  /** Logical filter on the original subjects, e.g. `ocpp.in.*.CP-1.>`. */
  subject?: string
  /** The durable consumer that gets the history, alone. */
  into: string
  /** Its stream, when the durable name exists on several. */
  intoStream?: string
  /** Default: a new random id. The same id again is deduplicated (within the 2-minute window). */
  replayId?: string
  /** Called after each batch. */
  onProgress?: (p: ReplayProgress) => void
}

export interface ReplayProgress {
  replayId: string
  /** Copies published so far. */
  count: number
  /** Messages read and not replayed: outside the consumer's filter. */
  skipped: number
  /** Sequence read last, and the last one the replay will read at most. */
  seq: number
  lastSeq: number
}

export interface ReplaySummary {
  replayId: string
  stream: string
  into: { stream: string; durable: string }
  count: number
  skipped: number
  /** Copies the lane already had (the same replay id run again). */
  duplicates: number
  /** First and last sequence replayed (undefined when nothing was). */
  firstSeq: number | undefined
  lastSeq: number | undefined
}

export interface ReplayDeps {
  js: JetStreamClient
  jsm: JetStreamManager
  ns: Namespace
  publisher: AckedPublisher
  publishTimeoutMs: number
  /** Copies waiting in the lane before the replay pauses for the consumer (keeps REPLAY small). */
  maxLaneBacklog?: number
}

const BATCH = 256

/**
 * Reads `stream` in order (an ordered consumer from `from`, filtered by `subject`) and publishes each message
 * into the replay lane of consumer `into`, up to `to` or the stream's end when it started. Pauses while the
 * lane holds `maxLaneBacklog` unconsumed copies. See the package README (Replay).
 */
export async function replayStream(deps: ReplayDeps, opts: ReplayOptions): Promise<ReplaySummary> {
  const { js, jsm, ns } = deps
  const replayId = opts.replayId ?? `r${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(replayId))
    throw new InvalidBusOptionsError('replay id: 1-64 of A-Z a-z 0-9 _ -')
  const target = await findLaneTarget(jsm, ns, opts.into, opts.intoStream)
  const physical = ns.stream(opts.stream)
  const isCatalog = Object.hasOwn(Streams, opts.stream)
  const filter = opts.subject
    ? ns.subject(isCatalog ? opts.subject : restoredSubject(opts.stream, opts.subject))
    : undefined
  let info: Awaited<ReturnType<JetStreamManager['streams']['info']>>
  try {
    info = await jsm.streams.info(physical)
  } catch (err) {
    throw new JetStreamRequestError(`stream ${opts.stream}`, err)
  }
  const end =
    'seq' in (opts.to ?? {})
      ? Math.min((opts.to as { seq: number }).seq, info.state.last_seq)
      : info.state.last_seq
  const toTime = opts.to && 'time' in opts.to ? opts.to.time.getTime() : undefined
  // The server's start-time lookup may begin a little early (2.9): the bound is checked here too.
  const fromTime = 'time' in opts.from ? opts.from.time.getTime() : undefined
  const summary: ReplaySummary = {
    replayId,
    stream: opts.stream,
    into: { stream: target.stream, durable: target.durable },
    count: 0,
    skipped: 0,
    duplicates: 0,
    firstSeq: undefined,
    lastSeq: undefined,
  }
  const startSeq = 'seq' in opts.from ? opts.from.seq : undefined
  if (info.state.messages === 0 || (startSeq !== undefined && startSeq > end)) return summary

  const consumer = await js.consumers.get(physical, {
    ...(filter ? { filter_subjects: filter } : {}),
    ...('seq' in opts.from
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, opts.from.seq) }
      : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: opts.from.time.toISOString() }),
  })
  const laneStream = ns.stream(Streams.REPLAY.name)
  const lane = laneDurable(target.stream, target.durable)
  const maxBacklog = deps.maxLaneBacklog ?? 10_000

  let seq = 0
  let done = false
  while (!done) {
    const batch: JsMsg[] = []
    const iter = await consumer.fetch({ max_messages: BATCH, expires: 1_000 })
    let fetched = 0
    for await (const m of iter) {
      fetched++
      if (m.seq > end || (toTime !== undefined && m.time.getTime() > toTime)) {
        done = true
        break
      }
      if (fromTime === undefined || m.time.getTime() >= fromTime) batch.push(m)
      if (m.seq >= end || m.info.pending === 0) {
        done = true
        break // the fetch would otherwise wait for its expiry
      }
    }
    // Nothing more within the expiry: the filtered range ended.
    if (fetched === 0) break
    if (batch.length === 0) continue
    const acks = await Promise.all(
      batch.map((m) => {
        const subject = originalSubject(opts.stream, ns.logicalSubject(m.subject))
        if (!targetTakes(target, subject)) return undefined
        const hdrs = laneHeaders(m.headers ?? [], { replayId, stream: opts.stream, seq: m.seq })
        return publishToLane(deps.publisher, ns, target, subject, m.data, hdrs, {
          timeoutMs: deps.publishTimeoutMs,
        })
      }),
    )
    for (const [i, ack] of acks.entries()) {
      const m = batch[i] as JsMsg
      if (!ack) {
        summary.skipped++
        continue
      }
      summary.count++
      if (ack.duplicate) summary.duplicates++
      summary.firstSeq ??= m.seq
      summary.lastSeq = m.seq
    }
    seq = batch.at(-1)?.seq ?? seq
    opts.onProgress?.({ replayId, count: summary.count, skipped: summary.skipped, seq, lastSeq: end })
    // Let the consumer catch up before REPLAY fills: it is small on purpose.
    for (;;) {
      const backlog = await consumerInfo(jsm, laneStream, lane)
      if (!backlog || backlog.num_pending < maxBacklog) break
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  return summary
}
