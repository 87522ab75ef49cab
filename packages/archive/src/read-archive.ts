import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { ObjectStorage } from '@chargebus/storage'
import type { ArchivedObject, Manifest, SeqRange } from './manifest.ts'
import { manifests } from './manifest-store.ts'
import { type ArchivedMessage, decodeRecord } from './record.ts'

/** The lines of one archived object, streamed (gunzip, split, parse). */
export async function* readObject(storage: ObjectStorage, key: string): AsyncGenerator<ArchivedMessage> {
  const body: Readable = (await storage.get(key)).pipe(createGunzip())
  const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY })
  try {
    for await (const line of lines) if (line !== '') yield decodeRecord(line, key)
  } finally {
    lines.close()
    body.destroy()
  }
}

/**
 * The messages of some objects of one manifest in sequence order: a k-way merge of the objects' streams
 * (one line of each in memory), since a batch keeps one object per subject prefix.
 */
export async function* mergeObjects(
  storage: ObjectStorage,
  objects: readonly ArchivedObject[],
): AsyncGenerator<ArchivedMessage> {
  const readers = objects.map((o) => readObject(storage, o.key))
  const heads: Array<ArchivedMessage | undefined> = []
  try {
    for (const r of readers) heads.push((await r.next()).value ?? undefined)
    for (;;) {
      let best = -1
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i]
        if (h !== undefined && (best < 0 || h.seq < (heads[best] as ArchivedMessage).seq)) best = i
      }
      if (best < 0) return
      yield heads[best] as ArchivedMessage
      heads[best] = (await (readers[best] as AsyncGenerator<ArchivedMessage>).next()).value ?? undefined
    }
  } finally {
    await Promise.all(readers.map((r) => r.return(undefined)))
  }
}

/** Whether a manifest's messages may fall in `[from, to)`. Pure. */
export function manifestOverlaps(m: Manifest, from?: Date, to?: Date): boolean {
  if (m.firstTime === undefined || m.lastTime === undefined) return false
  if (to !== undefined && Date.parse(m.firstTime) >= to.getTime()) return false
  if (from !== undefined && Date.parse(m.lastTime) < from.getTime()) return false
  return true
}

/** The manifests of a stream whose messages may fall in `[from, to)`. */
export async function* manifestsBetween(
  storage: ObjectStorage,
  stream: string,
  from?: Date,
  to?: Date,
): AsyncGenerator<Manifest> {
  for await (const m of manifests(storage, stream)) if (manifestOverlaps(m, from, to)) yield m
}

/**
 * Sequences below `beforeSeq` (a stream's first sequence) that neither the archive nor the stream holds, for a
 * reader of the archive from `from` then of the stream: ranges the archiver recorded as lost from the first
 * manifest that reaches `from` on, and the stretch between the archive's last sequence and `beforeSeq`
 * (messages that left the stream before the archiver got to them). Conservative: a lost range of the first
 * manifest may lie before `from`. Manifests in sequence order, as `manifests` lists them. Pure.
 *
 * ### Examples
 * ```ts
 * historyGaps([{ firstSeq: 1, lastSeq: 18, lost: [], ... }], from, 21) // [[19, 20]]
 * ```
 */
export function historyGaps(manifests: readonly Manifest[], from: Date, beforeSeq: number): SeqRange[] {
  const gaps: SeqRange[] = []
  const start = manifests.findIndex((m) => manifestOverlaps(m, from))
  if (start >= 0)
    for (const m of manifests.slice(start)) {
      for (const [a, b] of m.lost) if (a < beforeSeq) gaps.push([a, Math.min(b, beforeSeq - 1)])
    }
  const covered = manifests.reduce((last, m) => Math.max(last, m.lastSeq), 0)
  if (covered < beforeSeq - 1) gaps.push([covered + 1, beforeSeq - 1])
  return gaps
}
