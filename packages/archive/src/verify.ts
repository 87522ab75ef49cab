import { createHash } from 'node:crypto'
import type { ObjectStorage } from '@chargebus/storage'
import { manifestPrefix, streamPrefix } from './layout.ts'
import { rangesSize, type SeqRange } from './manifest.ts'
import { manifestKeys, readManifest } from './manifest-store.ts'
import { readObject } from './read-archive.ts'

export interface VerifyProblem {
  readonly key: string
  readonly problem: string
}

export interface VerifyReport {
  readonly stream: string
  readonly manifests: number
  readonly objects: number
  readonly messages: number
  readonly firstSeq?: number
  readonly lastSeq?: number
  /** Sequences no manifest covers between the first and the last manifest. */
  readonly gaps: SeqRange[]
  /** Sequences the manifests record as lost (left the stream before being archived). */
  readonly lost: number
  readonly problems: VerifyProblem[]
  /** Objects no manifest references: left by an interrupted batch; harmless, removable. */
  readonly orphans: string[]
  /** No gap and no problem (orphans and recorded losses do not make an archive wrong). */
  readonly ok: boolean
}

/**
 * Re-reads every object of a stream's archive: its SHA-256 and size against the manifest, its lines
 * (count, first and last sequence, order); checks that the manifests tile the sequences; lists orphans.
 */
export async function verifyStream(
  storage: ObjectStorage,
  stream: string,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyReport> {
  const keys = await manifestKeys(storage, stream)
  const referenced = new Set<string>(keys)
  const gaps: SeqRange[] = []
  const problems: VerifyProblem[] = []
  let objects = 0
  let messages = 0
  let lost = 0
  let firstSeq: number | undefined
  let previousEnd: number | undefined
  for (const [i, key] of keys.entries()) {
    const m = await readManifest(storage, key)
    firstSeq ??= m.firstSeq
    if (previousEnd !== undefined && m.firstSeq !== previousEnd + 1) {
      if (m.firstSeq > previousEnd + 1) gaps.push([previousEnd + 1, m.firstSeq - 1])
      else problems.push({ key, problem: `overlaps the previous manifest (ends at ${previousEnd})` })
    }
    previousEnd = Math.max(previousEnd ?? 0, m.lastSeq)
    lost += rangesSize(m.lost)
    let counted = 0
    for (const o of m.objects) {
      referenced.add(o.key)
      objects++
      counted += o.count
      const problem = await checkObject(storage, o)
      if (problem) problems.push({ key: o.key, problem })
    }
    if (counted !== m.count) problems.push({ key, problem: `count ${m.count}, objects hold ${counted}` })
    const span = m.lastSeq - m.firstSeq + 1
    if (m.count + rangesSize(m.skipped) + rangesSize(m.lost) !== span)
      problems.push({ key, problem: `messages, skipped and lost do not add up to ${span} sequences` })
    messages += m.count
    onProgress?.(i + 1, keys.length)
  }
  const orphans: string[] = []
  for await (const o of storage.list(streamPrefix(stream))) {
    if (!referenced.has(o.key) && !o.key.startsWith(manifestPrefix(stream))) orphans.push(o.key)
  }
  return {
    stream,
    manifests: keys.length,
    objects,
    messages,
    ...(firstSeq !== undefined ? { firstSeq, lastSeq: previousEnd } : {}),
    gaps,
    lost,
    problems,
    orphans,
    ok: gaps.length === 0 && problems.length === 0,
  }
}

async function checkObject(
  storage: ObjectStorage,
  o: { key: string; sha256: string; bytes: number; count: number; firstSeq: number; lastSeq: number },
): Promise<string | undefined> {
  if ((await storage.head(o.key)) === undefined) return 'missing'
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of await storage.get(o.key)) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  if (bytes !== o.bytes) return `size ${bytes}, manifest says ${o.bytes}`
  if (hash.digest('hex') !== o.sha256) return 'SHA-256 differs from the manifest'
  let count = 0
  let first: number | undefined
  let last = 0
  try {
    for await (const r of readObject(storage, o.key)) {
      if (r.seq <= last) return `sequence ${r.seq} out of order`
      first ??= r.seq
      last = r.seq
      count++
    }
  } catch (err) {
    return `unreadable: ${(err as Error).message}`
  }
  if (count !== o.count || first !== o.firstSeq || last !== o.lastSeq)
    return `holds ${count} messages ${first}..${last}, manifest says ${o.count} ${o.firstSeq}..${o.lastSeq}`
  return undefined
}
