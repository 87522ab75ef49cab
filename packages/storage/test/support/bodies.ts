import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'

const CHUNK_BYTES = 64 * 1024

export interface RandomBody {
  /** Random bytes, made as they are read: the test holds none of them. */
  readonly stream: Readable
  /** SHA-256 of the bytes the stream gave out so far (all of them once it ended). */
  sha256(): string
}

export interface RandomBodyOptions {
  /** The stream errors once it gave out this many bytes. */
  readonly failAt?: number
  /** Runs before each chunk with the bytes given out so far, and holds the stream until it settles. */
  readonly beforeChunk?: (given: number) => Promise<void>
}

/**
 * A body of `size` random bytes in 64 KiB chunks, for puts too large to keep in the test.
 *
 * ### Examples
 * ```ts
 * const body = randomBody(20 * MIB)
 * expect((await storage.put('k', body.stream)).sha256).toBe(body.sha256())
 * ```
 */
export function randomBody(size: number, opts: RandomBodyOptions = {}): RandomBody {
  const hash = createHash('sha256')
  async function* chunks() {
    let given = 0
    while (given < size) {
      if (opts.failAt !== undefined && given >= opts.failAt) throw new Error('the source broke')
      await opts.beforeChunk?.(given)
      const chunk = randomBytes(Math.min(CHUNK_BYTES, size - given))
      hash.update(chunk)
      given += chunk.length
      yield chunk
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), sha256: () => hash.copy().digest('hex') }
}

/** Reads a whole stream: only for small objects. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Size and SHA-256 of a stream, read through without keeping it. */
export async function measure(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { size, sha256: hash.digest('hex') }
}
