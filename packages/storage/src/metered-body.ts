import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { AppError } from '@chargebus/errors'
import { BodyStreamFailed, ObjectTooLarge } from './errors.ts'
import type { PutBody, PutResult } from './object-storage.ts'

/**
 * A put's body on its way to a backend: counted, hashed and held to `maxBytes` chunk by chunk, so that the
 * size and digest are known at the end without holding the body. When the stream fails because of the body
 * (its own error, or too many bytes), `failure` says so with a typed error, whatever the backend made of it.
 */
export class MeteredBody {
  /** What the backend reads. */
  readonly stream: Readable
  readonly #key: string
  readonly #source: PutBody
  readonly #hash = createHash('sha256')
  #size = 0
  #failure: AppError | undefined

  constructor(key: string, body: PutBody, maxBytes = Number.POSITIVE_INFINITY) {
    this.#key = key
    this.#source = body
    this.stream = Readable.from(this.#meter(chunksOf(body), maxBytes), { objectMode: false })
  }

  /** `BodyStreamFailed` or `ObjectTooLarge` once the body broke the put; `undefined` while it has not. */
  get failure(): AppError | undefined {
    return this.#failure
  }

  /** Size and digest of everything that streamed through; call once, after the body ended. */
  result(): PutResult {
    return { key: this.#key, size: this.#size, sha256: this.#hash.digest('hex') }
  }

  /** Stops reading the caller's stream: a failed put must not leave it open (an FTP data socket). */
  discard(): void {
    this.stream.destroy()
    if (this.#source instanceof Readable) this.#source.destroy()
  }

  async *#meter(chunks: AsyncIterable<Buffer | string> | Iterable<Buffer>, maxBytes: number) {
    try {
      for await (const chunk of chunks) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        this.#size += bytes.length
        if (this.#size > maxBytes) throw new ObjectTooLarge(this.#key, maxBytes)
        this.#hash.update(bytes)
        yield bytes
      }
    } catch (err) {
      this.#failure = err instanceof ObjectTooLarge ? err : new BodyStreamFailed(this.#key, err)
      throw this.#failure
    }
  }
}

function chunksOf(body: PutBody): AsyncIterable<Buffer | string> | Iterable<Buffer> {
  if (typeof body === 'string') return [Buffer.from(body)]
  if (Buffer.isBuffer(body)) return [body]
  return body
}
