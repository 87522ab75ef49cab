import { createHash } from 'node:crypto'
import { finished, Readable, Transform, type TransformCallback } from 'node:stream'
import type { AppError } from '@chargebus/errors'
import { BodyStreamFailed, ObjectTooLarge } from './errors.ts'
import type { PutBody, PutResult } from './object-storage.ts'

/**
 * A put's body on its way to a backend: counted, hashed and held to `maxBytes` chunk by chunk, so that the
 * size and digest are known at the end without holding the body. When the stream fails because of the body
 * (its own error, an early close, or too many bytes), `failure` says so with a typed error, whatever the
 * backend made of it; a backend failure never counts as the body's.
 *
 * It is a Transform the caller's stream is piped into (not an async generator): each chunk is the Buffer the
 * source produced, hashed in place and passed on without a copy or a promise per chunk (bench/README.md
 * "FTP uploads").
 */
export class MeteredBody {
  /** What the backend reads. */
  readonly stream: Transform
  readonly #key: string
  readonly #source: PutBody
  readonly #hash = createHash('sha256')
  readonly #maxBytes: number
  #size = 0
  #failure: AppError | undefined
  #discarded = false

  constructor(key: string, body: PutBody, maxBytes = Number.POSITIVE_INFINITY) {
    this.#key = key
    this.#source = body
    this.#maxBytes = maxBytes
    this.stream = new Transform({ transform: (chunk, _encoding, done) => this.#meter(chunk, done) })
    // The body may fail before the backend reads (while the put checks its key): `failure` keeps the error and
    // the backend's pipeline gets it from the destroyed stream; it must not be an unhandled 'error' meanwhile.
    this.stream.on('error', () => {})
    if (body instanceof Readable) this.#follow(body)
    else this.stream.end(typeof body === 'string' ? Buffer.from(body) : body)
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
    this.#discarded = true
    this.stream.destroy()
    if (this.#source instanceof Readable) this.#source.destroy()
  }

  #meter(chunk: Buffer, done: TransformCallback): void {
    this.#size += chunk.length
    if (this.#size > this.#maxBytes) {
      this.#failure = new ObjectTooLarge(this.#key, this.#maxBytes)
      done(this.#failure)
      return
    }
    this.#hash.update(chunk)
    done(null, chunk)
  }

  /**
   * `pipe`, not `pipeline`: a backend failure destroys `stream` and must not travel back into the source as if
   * the source had failed. Only the source's own error or early close is the body's failure.
   */
  #follow(source: Readable): void {
    source.pipe(this.stream)
    finished(source, { writable: false }, (err) => {
      if (err === undefined || err === null || this.#discarded || this.#failure !== undefined) return
      this.#failure = new BodyStreamFailed(this.#key, err)
      this.stream.destroy(this.#failure)
    })
  }
}
