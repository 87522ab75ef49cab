import { createSlots, ensureStreams } from '@chargebus/bus'
import { originalSubject, restoredSubject, restoredSubjects, Streams } from '@chargebus/events'
import type { ObjectStorage } from '@chargebus/storage'
import { headers as createHeaders, type MsgHdrs } from '@nats-io/transport-node'
import type { ArchiveAccess } from './access.ts'
import { BadRestoreTarget, BadTimeRange } from './errors.ts'
import type { ArchivedStream } from './layout.ts'
import { manifestsBetween, mergeObjects } from './read-archive.ts'
import { type ArchivedMessage, payloadOf } from './record.ts'

const STREAM_NAME = /^[A-Z][A-Z0-9_]{0,63}$/
const MiB = 1024 * 1024

export interface RestoreOptions {
  readonly access: ArchiveAccess
  readonly storage: ObjectStorage
  readonly stream: ArchivedStream
  readonly from: Date
  readonly to: Date
  /**
   * The stream to publish into. The archived stream itself: the original subjects (disaster recovery;
   * consumers are idempotent). Any other name (default `RESTORED_<stream>`): a restore stream created on
   * demand, each message at `restored.<into>.<original subject>`.
   */
  readonly into?: string
  /** Size of a restore stream created here (default 256 MiB; it is a reservation on the server). */
  readonly intoMaxBytes?: number
  /** Publishes awaiting their PubAck at once. */
  readonly inFlight?: number
  readonly onProgress?: (p: RestoreProgress) => void
}

export interface RestoreProgress {
  readonly published: number
  readonly bytes: number
  readonly manifests: number
}

export interface RestoreResult extends RestoreProgress {
  readonly into: string
  readonly duplicates: number
}

/** Where a restore publishes: checks the target and names the subject mapping. Pure. */
export function restoreTarget(stream: ArchivedStream, into = `RESTORED_${stream}`) {
  if (!STREAM_NAME.test(into)) throw new BadRestoreTarget(into, 'not a stream name (A-Z, 0-9, _)')
  if (into !== stream && Object.hasOwn(Streams, into))
    throw new BadRestoreTarget(into, `it is another catalog stream (only ${stream} or a new name)`)
  const original = into === stream
  return {
    into,
    original,
    subjectOf: (subject: string) => (original ? subject : restoredSubject(into, subject)),
  }
}

/**
 * Publishes the archived messages of `stream` with stream time in `[from, to)`, in sequence order, with
 * their original headers and payload bytes, into `into`.
 *
 * ### Examples
 * ```ts
 * await restore({ access, storage, stream: 'OCPP_IN', from, to }) // into RESTORED_OCPP_IN
 * ```
 */
export async function restore(opts: RestoreOptions): Promise<RestoreResult> {
  if (!(opts.to.getTime() > opts.from.getTime())) throw new BadTimeRange(opts.from, opts.to)
  const { access } = opts
  const target = restoreTarget(opts.stream, opts.into)
  if (!target.original) {
    const maxBytes = opts.intoMaxBytes ?? 256 * MiB
    await ensureStreams(
      access.jsm,
      access.ns,
      [
        {
          name: target.into,
          subjects: [restoredSubjects(target.into)],
          description: `Messages of ${opts.stream} restored from the archive (chargebus restore).`,
          maxAgeMs: 7 * 86_400_000,
          maxBytes,
          devMaxBytes: maxBytes,
          maxMsgSize: Streams[opts.stream].maxMsgSize,
          discard: 'old',
          duplicateWindowMs: 120_000,
        },
      ],
      { ...access.streamOptions, limits: { [target.into]: { maxBytes, maxAgeMs: 7 * 86_400_000 } } },
    )
  } else {
    await ensureStreams(access.jsm, access.ns, [Streams[opts.stream]], access.streamOptions)
  }
  const fromMs = opts.from.getTime()
  const toMs = opts.to.getTime()
  // A semaphore, not Promise.race over the pending set: racing hundreds of promises per message was most
  // of restore's own CPU.
  const slots = createSlots(opts.inFlight ?? 512)
  let failure: unknown
  const progress = { published: 0, bytes: 0, manifests: 0, duplicates: 0 }

  const publish = (r: ArchivedMessage) => {
    const payload = payloadOf(r)
    access.js
      .publish(access.ns.subject(target.subjectOf(originalSubject(opts.stream, r.subject))), payload, {
        headers: toHeaders(r),
        timeout: 30_000,
      })
      .then(
        (ack) => {
          if (ack.duplicate) progress.duplicates++
          progress.published++
          progress.bytes += payload.length
        },
        (err: unknown) => {
          failure ??= err
        },
      )
      .finally(() => slots.release())
  }

  for await (const manifest of manifestsBetween(opts.storage, opts.stream, opts.from, opts.to)) {
    const objects = manifest.objects.filter((o) => {
      const hour = Date.parse(o.hour)
      return hour < toMs && hour + 3_600_000 > fromMs
    })
    for await (const r of mergeObjects(opts.storage, objects)) {
      const t = Date.parse(r.time)
      if (t < fromMs || t >= toMs) continue
      await slots.acquire()
      publish(r)
      if (failure) break
    }
    progress.manifests++
    opts.onProgress?.(progress)
    if (failure) break
  }
  await slots.drained()
  if (failure) throw failure
  opts.onProgress?.(progress)
  return { into: target.into, ...progress }
}

function toHeaders(r: ArchivedMessage): MsgHdrs | undefined {
  if (!r.headers) return undefined
  const h = createHeaders()
  for (const [key, values] of Object.entries(r.headers)) for (const v of values) h.append(key, v)
  return h
}
