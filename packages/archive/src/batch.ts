import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { TransformOptions } from 'node:stream'
import { createGzip, type Gzip, type ZlibOptions } from 'node:zlib'
import type { OpenBatch } from './batch-rules.ts'
import { hourOf, objectKey, subjectPrefixOf } from './layout.ts'
import type { SeqRange } from './manifest.ts'
import { encodeRecord, type StoredMessage } from './record.ts'

/** One object being built: its messages gzipped as they arrive (zlib works on the thread pool). */
interface Group {
  readonly prefix: string
  readonly gzip: Gzip
  readonly chunks: Buffer[]
  /** Lines not yet handed to zlib: one write per ~64 KiB, not per line (a zlib write is a thread-pool job). */
  lines: string[]
  lineBytes: number
  count: number
  firstSeq: number
  lastSeq: number
}

const WRITE_BYTES = 64 * 1024
/**
 * Input zlib may hold before a write waits: several writes, so encoding the next lines (this thread) overlaps
 * compressing the previous ones (the thread pool). At zlib's default (16 KiB) every 64 KiB write waited for
 * its own compression, and the reader idled a quarter of the time. Bounded per object being built.
 */
const ZLIB_INPUT_BYTES = 1024 * 1024

/** Hands the buffered lines to zlib; waits when zlib's input buffer is full (memory stays bounded). */
async function flushLines(g: Group): Promise<void> {
  if (g.lines.length === 0) return
  const text = g.lines.join('')
  g.lines = []
  g.lineBytes = 0
  if (!g.gzip.write(text)) await once(g.gzip, 'drain')
}

/** A finished object, ready to store. */
export interface BuiltObject {
  readonly key: string
  readonly prefix: string
  readonly hour: string
  readonly count: number
  readonly firstSeq: number
  readonly lastSeq: number
  readonly body: Buffer
  readonly sha256: string
}

/**
 * The batch being read: a contiguous range of sequences from `firstSeq`, its messages grouped by subject
 * prefix (one hour per batch), compressed while they arrive. Memory: the compressed groups.
 */
export class Batch implements OpenBatch {
  readonly firstSeq: number
  lastSeq: number
  count = 0
  bytes = 0
  hour = 0
  firstTime = 0
  lastTime = 0
  readonly skipped: SeqRange[] = []
  readonly lost: SeqRange[] = []
  readonly stream: string
  private readonly groups = new Map<string, Group>()
  private readonly zlibOptions: ZlibOptions

  constructor(stream: string, firstSeq: number, gzipLevel: number) {
    this.stream = stream
    this.firstSeq = firstSeq
    this.lastSeq = firstSeq - 1
    // zlib streams take the Transform options too (the typings list only zlib's own).
    const options: ZlibOptions & TransformOptions = {
      level: gzipLevel,
      writableHighWaterMark: ZLIB_INPUT_BYTES,
    }
    this.zlibOptions = options
  }

  /** Sequences the stream no longer had (before `seq`). */
  addGap(gap: { lost?: [number, number]; skipped?: [number, number] }): void {
    if (gap.lost) this.lost.push(gap.lost)
    if (gap.skipped) this.skipped.push(gap.skipped)
    const end = Math.max(gap.lost?.[1] ?? 0, gap.skipped?.[1] ?? 0)
    if (end > this.lastSeq) this.lastSeq = end
  }

  /**
   * Adds a message; the caller has checked it belongs to this batch's hour. Resolves at once, or when zlib
   * has caught up (its input buffer is bounded: reading never outruns compression by more than that).
   */
  async add(m: StoredMessage): Promise<void> {
    const line = encodeRecord(m)
    const time = m.time.getTime()
    if (this.count === 0) {
      this.hour = hourOf(m.time)
      this.firstTime = time
    }
    this.lastTime = time
    const prefix = subjectPrefixOf(m.subject)
    let group = this.groups.get(prefix)
    if (group === undefined) {
      const gzip = createGzip(this.zlibOptions)
      group = { prefix, gzip, chunks: [], lines: [], lineBytes: 0, count: 0, firstSeq: m.seq, lastSeq: m.seq }
      const chunks = group.chunks
      gzip.on('data', (chunk: Buffer) => chunks.push(chunk))
      this.groups.set(prefix, group)
    }
    group.count++
    group.lastSeq = m.seq
    this.count++
    this.bytes += line.length
    this.lastSeq = m.seq
    group.lines.push(line)
    group.lineBytes += line.length
    if (group.lineBytes >= WRITE_BYTES) await flushLines(group)
  }

  /** Finishes every object (in prefix order, for stable manifests). */
  async finish(): Promise<BuiltObject[]> {
    const out: BuiltObject[] = []
    for (const prefix of [...this.groups.keys()].sort()) {
      const g = this.groups.get(prefix) as Group
      await flushLines(g)
      const ended = once(g.gzip, 'end')
      g.gzip.end()
      await ended
      const body = Buffer.concat(g.chunks)
      out.push({
        key: objectKey(this.stream, this.hour, prefix, g.firstSeq, g.lastSeq),
        prefix,
        hour: new Date(this.hour).toISOString(),
        count: g.count,
        firstSeq: g.firstSeq,
        lastSeq: g.lastSeq,
        body,
        sha256: createHash('sha256').update(body).digest('hex'),
      })
    }
    return out
  }

  /** Releases the zlib streams of a batch that is abandoned (stop, conflict). */
  discard(): void {
    for (const g of this.groups.values()) g.gzip.destroy()
    this.groups.clear()
  }
}
