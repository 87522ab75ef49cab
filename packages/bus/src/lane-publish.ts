import { replayLaneSubject, Streams, subjectMatches } from '@chargebus/events'
import type { JetStreamManager } from '@nats-io/jetstream'
import { headers as createHeaders, type MsgHdrs } from '@nats-io/transport-node'
import { consumerInfo } from './consumer-setup.ts'
import {
  InvalidBusOptionsError,
  PublishRejectedError,
  PublishTimeoutError,
  ReplayLaneNotFoundError,
} from './errors.ts'
import { BusHeaders, ReplayHeaders } from './headers.ts'
import { laneDurable } from './lanes.ts'
import type { Namespace } from './namespace.ts'
import type { AckedPublisher, PubAck } from './publisher.ts'

/** A durable consumer whose replay lane receives history. */
export interface LaneTarget {
  /** Logical stream of the consumer. */
  stream: string
  durable: string
  /** The consumer's logical filter (undefined: the whole stream): messages outside it are not replayed. */
  filter: string | undefined
}

/**
 * The consumer `durable` (on `stream`, or on the one catalog stream that has it) with its replay lane. Throws
 * `ReplayLaneNotFoundError` when the consumer or its lane does not exist (a typo, a service never started, a
 * consumer that opted out), so a replay never fills a lane nobody reads.
 */
export async function findLaneTarget(
  jsm: JetStreamManager,
  ns: Namespace,
  durable: string,
  stream?: string,
): Promise<LaneTarget> {
  const candidates = stream ? [stream] : Object.keys(Streams).filter((s) => s !== Streams.REPLAY.name)
  const found: { stream: string; filter: string | undefined }[] = []
  for (const s of candidates) {
    const info = await consumerInfo(jsm, ns.stream(s), durable)
    if (info) {
      const filter = info.config.filter_subject
      found.push({ stream: s, filter: filter ? ns.logicalSubject(filter) : undefined })
    }
  }
  if (found.length > 1)
    throw new InvalidBusOptionsError(
      `consumer ${durable} exists on ${found.map((f) => f.stream).join(' and ')}: name its stream`,
    )
  const target = found[0]
  if (!target)
    throw new ReplayLaneNotFoundError(
      `no consumer ${durable}${stream ? ` on ${stream}` : ' on any catalog stream'} (start its service first)`,
    )
  const lane = await consumerInfo(jsm, ns.stream(Streams.REPLAY.name), laneDurable(target.stream, durable))
  if (!lane)
    throw new ReplayLaneNotFoundError(
      `consumer ${durable} on ${target.stream} has no replay lane (its service predates lanes, or it opted out)`,
    )
  return { stream: target.stream, durable, filter: target.filter }
}

/** Whether the target consumer would receive a message with this (original, logical) subject. */
export function targetTakes(target: LaneTarget, subject: string): boolean {
  return target.filter === undefined || subjectMatches(target.filter, subject)
}

/** Where a copy comes from: the replay id and the stored original it copies. */
export interface LaneCopySource {
  replayId: string
  /** Logical stream the copy was read from (a catalog stream or a restore stream). */
  stream: string
  seq: number
}

/**
 * The headers of a lane copy: the original's, a `Nats-Msg-Id` unique per replay (`<replay id>:<seq>`), the
 * original id kept for the event's `msgId`, and where the copy comes from. A copy of a copy keeps the first
 * original's id and source.
 */
export function laneHeaders(original: Iterable<[string, string[]]>, source: LaneCopySource): MsgHdrs {
  const h = createHeaders()
  const given = new Map<string, string[]>()
  for (const [key, values] of original) given.set(key, values)
  for (const [key, values] of given) {
    if (key === BusHeaders.msgId || key === ReplayHeaders.replay) continue
    for (const v of values) h.append(key, v)
  }
  const originalId = given.get(ReplayHeaders.originalMsgId)?.[0] ?? given.get(BusHeaders.msgId)?.[0]
  if (originalId && !h.has(ReplayHeaders.originalMsgId)) h.set(ReplayHeaders.originalMsgId, originalId)
  if (!h.has(ReplayHeaders.originalStream)) {
    h.set(ReplayHeaders.originalStream, source.stream)
    h.set(ReplayHeaders.originalSeq, String(source.seq))
  }
  h.set(ReplayHeaders.replay, source.replayId)
  h.set(BusHeaders.msgId, `${source.replayId}:${source.seq}`)
  return h
}

/**
 * Publishes one copy into the target's lane and resolves on its PubAck. A full REPLAY stream (`discard: new`)
 * or a missing PubAck is retried with the same `Nats-Msg-Id` (deduplicated if it was stored after all) until
 * `patienceMs` ran out: a replay waits for its consumer instead of failing half-way.
 */
export async function publishToLane(
  publisher: AckedPublisher,
  ns: Namespace,
  target: LaneTarget,
  subject: string,
  data: Uint8Array,
  hdrs: MsgHdrs,
  opts: { timeoutMs: number; patienceMs?: number },
): Promise<PubAck> {
  const physical = ns.subject(replayLaneSubject(target.stream, target.durable, subject))
  const deadline = performance.now() + (opts.patienceMs ?? 60_000)
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await publisher.publish(physical, data, hdrs, opts.timeoutMs)
    } catch (err) {
      const waitable =
        err instanceof PublishTimeoutError || (err instanceof PublishRejectedError && err.retryable)
      if (!waitable || performance.now() + delay > deadline) throw err
      await new Promise((r) => setTimeout(r, delay))
    }
  }
}
