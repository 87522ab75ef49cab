import { DeadLetterRecorded, Streams } from '@chargebus/events'
import { JetStreamApiCodes, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { DeadLetterRecord } from './dead-letter.ts'
import {
  DeadLetterNotFoundError,
  InvalidBusOptionsError,
  JetStreamRequestError,
  OriginalGoneError,
} from './errors.ts'
import { ReplayHeaders } from './headers.ts'
import { findLaneTarget, laneHeaders, publishToLane } from './lane-publish.ts'
import type { Namespace } from './namespace.ts'
import type { AckedPublisher } from './publisher.ts'
import { scanStream } from './scan.ts'

/** A stored dead letter; `id` is its sequence in DEAD_LETTERS. */
export interface DeadLetter {
  id: number
  record: DeadLetterRecord
}

export interface DeadLetterFilter {
  /** Logical stream of the failed message, e.g. `OCPP_IN`. */
  stream?: string
  /** The durable consumer that gave up. */
  consumer?: string
}

export interface DeadLetterPage {
  items: DeadLetter[]
  /** The `after` of the next page; undefined on the last page. */
  next: number | undefined
}

/** Where a retried dead letter went. */
export interface RetriedDeadLetter {
  id: number
  /** Logical stream + durable of the consumer whose lane got it. */
  stream: string
  consumer: string
  /** Sequence of the copy in REPLAY. */
  laneSeq: number
}

export interface DroppedDeadLetter {
  id: number
  record: DeadLetterRecord
  droppedBy: string
  droppedAt: string
}

/**
 * What operators do with dead letters: list, read, retry (back into the lane of the consumer that failed it)
 * and drop. One implementation for `chargebus dlq` and the API's `/v1/dead-letters`.
 */
export interface DeadLetters {
  /** Oldest first, ids above `after`, at most `limit` (default 50, at most 1000). */
  list(filter?: DeadLetterFilter & { after?: number; limit?: number }): Promise<DeadLetterPage>
  /** `DeadLetterNotFoundError` when there is none with that id. */
  get(id: number): Promise<DeadLetter>
  /**
   * Publishes the original payload and headers into the failing consumer's replay lane (reading the original
   * from its stream when the record omitted a large payload), then deletes the dead letter. A repeated retry
   * of the same id is deduplicated, then finds nothing (`DeadLetterNotFoundError`).
   */
  retry(id: number): Promise<RetriedDeadLetter>
  /** Deletes the dead letter, after logging who dropped what, and when. */
  drop(id: number, by: string, now?: Date): Promise<DroppedDeadLetter>
}

export interface DeadLetterDeps {
  jsm: JetStreamManager
  ns: Namespace
  publisher: AckedPublisher
  logger: Logger
  publishTimeoutMs: number
}

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/

export function createDeadLetters(deps: DeadLetterDeps): DeadLetters {
  const { jsm, ns } = deps
  const physical = ns.stream(Streams.DEAD_LETTERS.name)
  const log = deps.logger.child({ component: 'dead-letters' })

  async function fetch(query: { seq: number }): Promise<StoredMsg | null> {
    try {
      return await jsm.streams.getMessage(physical, query)
    } catch (err) {
      if ((err as { code?: number }).code === JetStreamApiCodes.StreamNotFound) return null
      throw new JetStreamRequestError(`read dead letter ${query.seq}`, err)
    }
  }

  function toDeadLetter(sm: StoredMsg): DeadLetter {
    return { id: sm.seq, record: DeadLetterRecorded.parse(sm.json()) }
  }

  async function get(id: number): Promise<DeadLetter> {
    if (!Number.isSafeInteger(id) || id < 1) throw new DeadLetterNotFoundError(id)
    const sm = await fetch({ seq: id })
    // A sequence of DEAD_LETTERS is a dead letter only on a dlq subject (the stream holds nothing else).
    if (!sm) throw new DeadLetterNotFoundError(id)
    return toDeadLetter(sm)
  }

  async function remove(id: number): Promise<void> {
    try {
      await jsm.streams.deleteMessage(physical, id, false)
    } catch (err) {
      // Gone already (a concurrent retry or drop): the outcome the caller wanted.
      if ((err as { code?: number }).code === JetStreamApiCodes.NoMessageFound) return
      throw new JetStreamRequestError(`delete dead letter ${id}`, err)
    }
  }

  async function originalPayload(letter: DeadLetter): Promise<Uint8Array> {
    const { record } = letter
    if (record.payloadEncoding === 'utf8') return Buffer.from(record.payload, 'utf8')
    if (record.payloadEncoding === 'base64') return Buffer.from(record.payload, 'base64')
    // Omitted: read it where it was stored (a lane copy names the stream it was replayed from).
    const stream = record.headers[ReplayHeaders.originalStream]?.[0] ?? record.stream
    const seq = Number(record.headers[ReplayHeaders.originalSeq]?.[0] ?? record.streamSequence)
    const sm = await jsm.streams.getMessage(ns.stream(stream), { seq }).catch(() => null)
    if (!sm) throw new OriginalGoneError(letter.id, stream, seq)
    return sm.data
  }

  return {
    async list(filter = {}) {
      for (const token of [filter.stream, filter.consumer])
        if (token !== undefined && !TOKEN.test(token))
          throw new InvalidBusOptionsError(`${JSON.stringify(token)} is no stream or consumer name`)
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000)
      // One more than asked says whether there is a next page.
      const { events } = await scanStream(jsm, ns, Streams.DEAD_LETTERS, {
        filter: `dlq.${filter.stream ?? '*'}.${filter.consumer ?? '*'}`,
        fromSeq: (filter.after ?? 0) + 1,
        max: limit + 1,
        budgetMs: Number.POSITIVE_INFINITY,
      })
      const items = events.map((e) => ({ id: e.seq, record: e.data as DeadLetterRecord }))
      const more = items.length > limit
      if (more) items.pop()
      return { items, next: more ? items.at(-1)?.id : undefined }
    },
    get,
    async retry(id) {
      const letter = await get(id)
      const { record } = letter
      const target = await findLaneTarget(jsm, ns, record.consumer, record.stream)
      const data = await originalPayload(letter)
      const source = {
        replayId: `dlq-${id}`,
        stream: record.headers[ReplayHeaders.originalStream]?.[0] ?? record.stream,
        seq: Number(record.headers[ReplayHeaders.originalSeq]?.[0] ?? record.streamSequence),
      }
      const ack = await publishToLane(
        deps.publisher,
        ns,
        target,
        record.subject,
        data,
        laneHeaders(Object.entries(record.headers), source),
        { timeoutMs: deps.publishTimeoutMs },
      )
      await remove(id)
      log.info(
        { id, stream: record.stream, consumer: record.consumer, laneSeq: ack.seq },
        'dead letter retried',
      )
      return { id, stream: record.stream, consumer: record.consumer, laneSeq: ack.seq }
    },
    async drop(id, by, now = new Date()) {
      const letter = await get(id)
      const dropped = { ...letter, droppedBy: by, droppedAt: now.toISOString() }
      // The record is gone once deleted: the log keeps who dropped what (and the error it had).
      log.warn(
        {
          id,
          droppedBy: by,
          droppedAt: dropped.droppedAt,
          stream: letter.record.stream,
          consumer: letter.record.consumer,
          subject: letter.record.subject,
          msgId: letter.record.msgId,
          error: letter.record.error,
        },
        'dead letter dropped',
      )
      await remove(id)
      return dropped
    },
  }
}
