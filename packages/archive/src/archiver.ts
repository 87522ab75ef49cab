import { createHash } from 'node:crypto'
import { ObjectAlreadyExists, type ObjectStorage } from '@chargebus/storage'
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { ArchiveAccess } from './access.ts'
import { Batch } from './batch.ts'
import { type BatchLimits, type CloseReason, classifyGap, closeReason, closesBefore } from './batch-rules.ts'
import { type ArchivedStream, hourOf, manifestKey } from './layout.ts'
import type { Manifest } from './manifest.ts'
import { checkpointOf, commitManifest, writePosition } from './manifest-store.ts'
import type { StoredMessage } from './record.ts'

export interface ArchiveRunOptions {
  readonly access: ArchiveAccess
  readonly storage: ObjectStorage
  readonly stream: ArchivedStream
  readonly limits: BatchLimits
  /** 1 (fastest) to 9 (smallest); see the README for the measurements behind the default. */
  readonly gzipLevel: number
  /** The clock of the delay rule (tests pin it). */
  readonly now: () => Date
  readonly logger: Logger
  /** Archive what is complete now, then resolve; else follow the stream until `signal` aborts. */
  readonly once?: boolean
  readonly signal?: AbortSignal
  /** Messages per pull from JetStream. */
  readonly fetchSize?: number
  /** Called after each committed batch (metrics, progress bars). */
  readonly onBatch?: (event: BatchCommitted) => void
  /** Called when another archiver had committed the batch first. */
  readonly onConflict?: (theirs: Manifest) => void
}

export interface BatchCommitted {
  readonly stream: string
  readonly manifest: Manifest
  readonly reason: CloseReason | 'lost'
  /** Compressed bytes stored. */
  readonly storedBytes: number
  /** Uncompressed JSON-lines bytes. */
  readonly rawBytes: number
  /** How far the stream goes now (for progress). */
  readonly streamLastSeq: number
}

export interface ArchiveRunResult {
  readonly stream: string
  readonly batches: number
  readonly messages: number
  readonly lost: number
  /** Batches another archiver had committed first (adopted, nothing written twice). */
  readonly conflicts: number
  readonly lastSeq: number
}

/**
 * Archives one stream from its checkpoint (the last manifest), batch after batch, in sequence order.
 * Idempotent and resumable: a batch becomes visible only with its manifest (`createOnly`), so a crash
 * leaves at most orphan objects, and a rerun (or a second archiver) finds the manifest and moves on.
 *
 * ### Examples
 * ```ts
 * await archiveStream({ access, storage, stream: 'OCPP_IN', limits, gzipLevel: 1, now: systemClock, logger, once: true })
 * ```
 */
export async function archiveStream(opts: ArchiveRunOptions): Promise<ArchiveRunResult> {
  const { access, storage, stream, logger } = opts
  const physical = access.ns.stream(stream)
  const fetchSize = opts.fetchSize ?? 2000
  let checkpoint = await checkpointOf(storage, stream)
  const totals = { batches: 0, messages: 0, lost: 0, conflicts: 0 }
  const log = logger.child({ stream })

  restart: while (!opts.signal?.aborted) {
    let info = await access.jsm.streams.info(physical)
    const target = info.state.last_seq
    if (opts.once && checkpoint >= target) break
    const consumer = await access.js.consumers.get(physical, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: checkpoint + 1,
    })
    let batch = new Batch(stream, checkpoint + 1, opts.gzipLevel)
    let expected = checkpoint + 1

    const commit = async (reason: CloseReason | 'lost'): Promise<'ok' | 'conflict'> => {
      const objects = await batch.finish()
      const stored = []
      for (const o of objects) stored.push(await storeObject(storage, o))
      const manifest: Manifest = {
        version: 1,
        stream,
        firstSeq: batch.firstSeq,
        lastSeq: batch.lastSeq,
        count: batch.count,
        ...(batch.count > 0
          ? {
              firstTime: new Date(batch.firstTime).toISOString(),
              lastTime: new Date(batch.lastTime).toISOString(),
            }
          : {}),
        skipped: batch.skipped,
        lost: batch.lost,
        objects: stored,
        createdAt: opts.now().toISOString(),
      }
      const other = await commitManifest(storage, manifest)
      const committed = other ?? manifest
      checkpoint = committed.lastSeq
      await writePosition(access, {
        stream,
        lastSeq: committed.lastSeq,
        lastTime: committed.lastTime,
        manifest: manifestKey(stream, committed.firstSeq),
        updatedAt: opts.now().toISOString(),
      })
      if (other) {
        totals.conflicts++
        opts.onConflict?.(other)
        log.warn(
          { firstSeq: manifest.firstSeq, ours: manifest.lastSeq, theirs: other.lastSeq },
          'another archiver committed this batch first; continuing after its manifest',
        )
        return 'conflict'
      }
      const lost = batch.lost.reduce((n, [a, b]) => n + b - a + 1, 0)
      if (lost > 0) log.error({ lost: batch.lost }, 'messages left the stream before they were archived')
      totals.batches++
      totals.messages += manifest.count
      totals.lost += lost
      opts.onBatch?.({
        stream,
        manifest,
        reason,
        storedBytes: stored.reduce((n, o) => n + o.bytes, 0),
        rawBytes: batch.bytes,
        streamLastSeq: info.state.last_seq,
      })
      batch = new Batch(stream, checkpoint + 1, opts.gzipLevel)
      return 'ok'
    }

    try {
      while (!opts.signal?.aborted) {
        let caughtUp = false
        let received = 0
        const messages = await consumer.fetch({ max_messages: fetchSize, expires: opts.once ? 1_000 : 2_000 })
        for await (const m of messages) {
          received++
          if (m.seq < expected) continue
          if (m.seq > expected) {
            info = await access.jsm.streams.info(physical)
            batch.addGap(classifyGap(expected, m.seq, info.state.first_seq))
          }
          const stored = toStored(m, access.ns.logicalSubject(m.subject))
          if (closesBefore(batch, hourOf(stored.time))) {
            // The gap (if any) belongs to the closing batch; the message starts the next one.
            if ((await commit('hour')) === 'conflict') continue restart
          }
          await batch.add(stored)
          expected = m.seq + 1
          caughtUp = m.info.pending === 0
          const reason = closeReason(batch, opts.limits, opts.now().getTime(), caughtUp)
          if (reason && (await commit(reason)) === 'conflict') continue restart
        }
        if (received === 0) caughtUp = true
        if (caughtUp) {
          const reason = closeReason(batch, opts.limits, opts.now().getTime(), true)
          if (reason && (await commit(reason)) === 'conflict') continue restart
          if (batch.count === 0) {
            // Everything after the checkpoint left the stream unarchived: record the loss on its own.
            info = await access.jsm.streams.info(physical)
            if (info.state.first_seq > expected && info.state.messages === 0) {
              batch.addGap(classifyGap(expected, info.state.first_seq, info.state.first_seq))
              if ((await commit('lost')) === 'conflict') continue restart
              expected = checkpoint + 1
            }
          }
          // Once: what is complete now is written; a younger tail waits for the next run.
          if (opts.once) break restart
        }
      }
    } finally {
      batch.discard()
    }
  }
  return { stream, ...totals, lastSeq: checkpoint }
}

function toStored(m: JsMsg, subject: string): StoredMessage {
  const headers: Array<[string, string[]]> = []
  if (m.headers) for (const key of m.headers.keys()) headers.push([key, m.headers.values(key)])
  return { seq: m.seq, subject, time: new Date(m.info.timestampNanos / 1e6), headers, payload: m.data }
}

/**
 * Stores an object with `createOnly`. The same key means the same sequences of the same stream: a rerun
 * after a crash, or a second archiver. The object already there is kept, and its own bytes are hashed
 * so that the manifest describes what is stored.
 */
async function storeObject(storage: ObjectStorage, o: Awaited<ReturnType<Batch['finish']>>[number]) {
  const { body: _, ...described } = o
  try {
    const put = await storage.put(o.key, o.body, { createOnly: true })
    return { ...described, bytes: put.size, sha256: put.sha256 }
  } catch (err) {
    if (!(err instanceof ObjectAlreadyExists)) throw err
    const hash = createHash('sha256')
    let bytes = 0
    for await (const chunk of await storage.get(o.key)) {
      hash.update(chunk as Buffer)
      bytes += (chunk as Buffer).length
    }
    return { ...described, bytes, sha256: hash.digest('hex') }
  }
}
