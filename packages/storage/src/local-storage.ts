import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '@chargebus/errors'
import { ObjectAlreadyExists, ObjectKeyConflict, ObjectNotFound, StorageBackendFailed } from './errors.ts'
import { MeteredBody } from './metered-body.ts'
import { PARTIAL_WRITE_NAME, validateKeyPrefix, validateObjectKey } from './object-key.ts'
import type {
  GetOptions,
  ObjectStorage,
  ObjectSummary,
  PutBody,
  PutOptions,
  PutResult,
} from './object-storage.ts'

/** The key names no file (yet), or a file on its path is not a directory. */
const ABSENT = new Set(['ENOENT', 'ENOTDIR'])
/** The key names a directory, or runs through a file. */
const CONFLICT = new Set(['EISDIR', 'ENOTEMPTY', 'ENOTDIR', 'EEXIST'])
/** The request can never work as it is: retrying changes nothing until an operator does. */
const PERMANENT = new Set(['EACCES', 'EPERM', 'EROFS'])

/**
 * Objects as files under one directory, a key's segments as its subdirectories. A put writes a temporary
 * file (`.partial-<16 hex>`) in the object's own directory, fsyncs it, renames it into place (or, create-only,
 * hard-links it, which fails when the name is taken) and fsyncs the directory: a reader sees the old file or
 * the new one, and a put resolves only once both survive a power cut. Directories emptied by deletes stay.
 */
export class LocalStorage implements ObjectStorage {
  readonly #root: string

  constructor(root: string) {
    this.#root = root
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    const metered = new MeteredBody(key, body, opts.maxBytes)
    let partial: string | undefined
    try {
      validateObjectKey(key)
      const path = this.#pathOf(key)
      if (opts.createOnly && (await this.head(key)) !== undefined) throw new ObjectAlreadyExists(key)
      const directory = dirname(path)
      await mkdir(directory, { recursive: true })
      partial = join(directory, `.partial-${randomBytes(8).toString('hex')}`)
      // flush: fsync before close, so the rename never publishes a file whose bytes are still in the page cache
      await pipeline(metered.stream, createWriteStream(partial, { flags: 'wx', flush: true }))
      await publish(partial, path, key, opts.createOnly === true)
      await syncDirectory(directory)
      return metered.result()
    } catch (err) {
      metered.discard()
      if (partial !== undefined) await rm(partial, { force: true })
      throw metered.failure ?? storageError('put', key, err)
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    validateObjectKey(key)
    const file = await open(this.#pathOf(key), 'r').catch((err: unknown) => {
      throw isAbsent(err) ? new ObjectNotFound(key) : storageError('get', key, err)
    })
    try {
      if (!(await file.stat()).isFile()) throw new ObjectNotFound(key)
    } catch (err) {
      await file.close()
      throw storageError('get', key, err)
    }
    // the open file keeps reading the object it opened, even if a put replaces it meanwhile
    return file.createReadStream({ start: opts.start ?? 0 })
  }

  /** A file keeps no digest: the summary is all there is. */
  async head(key: string): Promise<ObjectSummary | undefined> {
    validateObjectKey(key)
    return this.#summary(key)
  }

  async *list(prefix = ''): AsyncIterable<ObjectSummary> {
    validateKeyPrefix(prefix)
    // start in the deepest directory the prefix names in full
    yield* this.#listDirectory(prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix)
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key)
    try {
      await unlink(this.#pathOf(key))
    } catch (err) {
      if (isAbsent(err) || errorCode(err) === 'EISDIR') return
      throw storageError('delete', key, err)
    }
  }

  /** Entries sorted as their keys sort (a directory `a` as `a/`), so the walk yields keys in S3's order. */
  async *#listDirectory(directoryKey: string, prefix: string): AsyncIterable<ObjectSummary> {
    const entries = await readdir(this.#pathOf(directoryKey), { withFileTypes: true }).catch(
      (err: unknown) => {
        if (isAbsent(err)) return []
        throw storageError('list', directoryKey, err)
      },
    )
    const candidates = entries
      .filter((e) => e.isDirectory() || (e.isFile() && !PARTIAL_WRITE_NAME.test(e.name)))
      .map((e) => ({
        key: `${directoryKey}${e.name}${e.isDirectory() ? '/' : ''}`,
        isDirectory: e.isDirectory(),
      }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
    for (const { key, isDirectory } of candidates) {
      if (isDirectory) {
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* this.#listDirectory(key, prefix)
      } else if (key.startsWith(prefix)) {
        // a file deleted since readdir is no longer an object
        const object = await this.#summary(key)
        if (object !== undefined) yield object
      }
    }
  }

  async #summary(key: string): Promise<ObjectSummary | undefined> {
    try {
      const stats = await stat(this.#pathOf(key))
      return stats.isFile() ? { key, size: stats.size, lastModified: stats.mtime } : undefined
    } catch (err) {
      if (isAbsent(err)) return undefined
      throw storageError('head', key, err)
    }
  }

  #pathOf(key: string): string {
    return join(this.#root, ...key.split('/'))
  }
}

/** Moves the finished file to its key: rename replaces, a hard link refuses a taken name (atomically). */
async function publish(partial: string, path: string, key: string, createOnly: boolean): Promise<void> {
  if (!createOnly) {
    await rename(partial, path)
    return
  }
  try {
    await link(partial, path)
  } catch (err) {
    if (errorCode(err) === 'EEXIST') throw new ObjectAlreadyExists(key, err)
    throw err
  }
  await unlink(partial)
}

/** A rename is durable once the directory that holds the new name is on disk. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function storageError(operation: string, key: string, err: unknown): AppError {
  if (err instanceof AppError) return err
  const code = errorCode(err)
  if (operation === 'put' && code !== undefined && CONFLICT.has(code)) return new ObjectKeyConflict(key, err)
  return new StorageBackendFailed(operation, key, err, code === undefined || !PERMANENT.has(code))
}

function isAbsent(err: unknown): boolean {
  const code = errorCode(err)
  return code !== undefined && ABSENT.has(code)
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
