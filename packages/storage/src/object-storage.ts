import type { Readable } from 'node:stream'

/**
 * What `put` stores: a stream, read once and never held whole in memory, or bytes already in memory (a
 * string is stored as UTF-8).
 */
export type PutBody = Readable | Buffer | string

export interface PutOptions {
  /** Refuse a body longer than this many bytes (`ObjectTooLarge`); nothing is stored. */
  readonly maxBytes?: number
  /**
   * Store only if no object has the key, else `ObjectAlreadyExists` and the object there is untouched: an
   * idempotent writer (the archiver) can run the same work twice. Without it a put replaces the object.
   */
  readonly createOnly?: boolean
}

/** What a put stored, measured while the body streamed through. */
export interface PutResult {
  readonly key: string
  readonly size: number
  /** Lowercase hex SHA-256 of the stored bytes. */
  readonly sha256: string
}

/** An object as a listing shows it. */
export interface ObjectSummary {
  readonly key: string
  readonly size: number
  readonly lastModified: Date
}

/** An object as `head` shows it. */
export interface ObjectInfo extends ObjectSummary {
  /** The SHA-256 `put` computed, where the backend keeps it (S3, for bodies given in memory); else unset. */
  readonly sha256?: string
}

/**
 * Object storage: a local directory or an S3 bucket (`createStorage`). Keys are `/`-separated relative
 * paths (`validateObjectKey`); a bad key is refused with `InvalidObjectKey` before storage is touched.
 *
 * A put is atomic: readers see the whole old object or the whole new one, never part of one, and a failed
 * put (body error, `maxBytes`, backend failure) leaves nothing behind. A put on failure destroys the body
 * stream it was given.
 *
 * ### Examples
 * ```ts
 * const storage = await createStorage(config.STORAGE_URL)
 * const { size, sha256 } = await storage.put('archive/2026-11-01/part-0001.jsonl.gz', gzipped, {
 *   createOnly: true,
 *   maxBytes: 2 * 1024 ** 3,
 * })
 * for await (const object of storage.list('archive/2026-11-01/')) console.log(object.key, object.size)
 * await pipeline(await storage.get('archive/2026-11-01/part-0001.jsonl.gz'), createGunzip(), restore)
 * ```
 */
export interface GetOptions {
  /** The first byte to read (0-based); at or past the end, the stream is empty. */
  start?: number
}

export interface ObjectStorage {
  /** Streams `body` to `key`; resolves once the object is durable and visible. */
  put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult>
  /**
   * The object's bytes as a stream, from byte `start` on (default 0: a resumed download); `ObjectNotFound` when
   * no object has the key.
   */
  get(key: string, opts?: GetOptions): Promise<Readable>
  /** Size and last modification of the object, `undefined` when no object has the key. */
  head(key: string): Promise<ObjectInfo | undefined>
  /** Every object whose key starts with `prefix`, in key order (UTF-8 bytes, as S3 lists). */
  list(prefix?: string): AsyncIterable<ObjectSummary>
  /** Removes the object; a key without one is fine (the delete is idempotent). */
  delete(key: string): Promise<void>
}
