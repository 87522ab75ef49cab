import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { AppError } from '@chargebus/errors'
import { InvalidObjectKey, ObjectAlreadyExists, ObjectNotFound, StorageBackendFailed } from './errors.ts'
import { MeteredBody } from './metered-body.ts'
import { MAX_KEY_BYTES, validateKeyPrefix, validateObjectKey } from './object-key.ts'
import type {
  GetOptions,
  ObjectInfo,
  ObjectStorage,
  ObjectSummary,
  PutBody,
  PutOptions,
  PutResult,
} from './object-storage.ts'

/** Where the objects live: keys are stored as `prefix + key`. */
export interface S3Location {
  readonly bucket: string
  /** Empty, or ending with `/`. */
  readonly prefix: string
}

/** How a put streams and a listing pages; memory per put is about `partSize * (queueSize + 1)`. */
export interface S3Tuning {
  readonly partSize: number
  readonly queueSize: number
  readonly listPageSize: number
}

/** The user metadata entry (`x-amz-meta-sha256`) that carries the digest of a body given in memory. */
const SHA256_METADATA = 'sha256'

/**
 * Objects in an S3 bucket under a prefix. A put goes through `@aws-sdk/lib-storage`: a body that fits in one
 * part is one PutObject, a longer one a multipart upload of `partSize` parts that is aborted when the put
 * fails; either way the object appears whole or not at all. Create-only puts send `If-None-Match: *`, so S3
 * refuses a taken key atomically when the upload completes; a HEAD first spares uploading a body only to have
 * it refused.
 */
export class S3Storage implements ObjectStorage {
  readonly #client: S3Client
  readonly #location: S3Location
  readonly #tuning: S3Tuning

  constructor(client: S3Client, location: S3Location, tuning: S3Tuning) {
    this.#client = client
    this.#location = location
    this.#tuning = tuning
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    const metered = new MeteredBody(key, body, opts.maxBytes)
    try {
      const objectKey = this.#objectKey(key)
      if (opts.createOnly && (await this.head(key)) !== undefined) throw new ObjectAlreadyExists(key)
      const sha256 = digestOfInMemory(body)
      const upload = new Upload({
        client: this.#client,
        partSize: this.#tuning.partSize,
        queueSize: this.#tuning.queueSize,
        leavePartsOnError: false,
        params: {
          Bucket: this.#location.bucket,
          Key: objectKey,
          Body: metered.stream,
          IfNoneMatch: opts.createOnly ? '*' : undefined,
          Metadata: sha256 === undefined ? undefined : { [SHA256_METADATA]: sha256 },
        },
      })
      await upload.done()
      return metered.result()
    } catch (err) {
      metered.discard()
      // the body's own failure wins over what the upload made of it (an abort that failed, say)
      throw metered.failure ?? s3Error('put', key, err)
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const start = opts.start ?? 0
    const { Body } = await this.#client
      .send(
        new GetObjectCommand({
          Bucket: this.#location.bucket,
          Key: this.#objectKey(key),
          ...(start > 0 && { Range: `bytes=${start}-` }),
        }),
      )
      .catch((err: unknown) => {
        // A range starting at or past the end (416): nothing left to read.
        if (
          start > 0 &&
          (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416
        )
          return { Body: Readable.from([]) }
        throw s3Error('get', key, err)
      })
    if (!(Body instanceof Readable)) {
      throw new StorageBackendFailed('get', key, new Error('the S3 client returned no Node.js stream'), false)
    }
    return Body
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const object = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#location.bucket, Key: this.#objectKey(key) }),
      )
      const sha256 = object.Metadata?.[SHA256_METADATA]
      return {
        key,
        size: object.ContentLength ?? 0,
        lastModified: object.LastModified ?? new Date(0),
        ...(sha256 === undefined ? {} : { sha256 }),
      }
    } catch (err) {
      if (httpStatus(err) === 404) return undefined
      throw s3Error('head', key, err)
    }
  }

  async *list(prefix = ''): AsyncIterable<ObjectSummary> {
    validateKeyPrefix(prefix)
    const { bucket, prefix: root } = this.#location
    const pages = paginateListObjectsV2(
      { client: this.#client, pageSize: this.#tuning.listPageSize },
      { Bucket: bucket, Prefix: `${root}${prefix}` },
    )
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue
          yield {
            key: object.Key.slice(root.length),
            size: object.Size ?? 0,
            lastModified: object.LastModified ?? new Date(0),
          }
        }
      }
    } catch (err) {
      throw s3Error('list', prefix, err)
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client
      .send(new DeleteObjectCommand({ Bucket: this.#location.bucket, Key: this.#objectKey(key) }))
      .catch((err: unknown) => {
        throw s3Error('delete', key, err)
      })
  }

  /** Validates the key, and its length with the prefix: S3 counts both. */
  #objectKey(key: string): string {
    validateObjectKey(key)
    const objectKey = `${this.#location.prefix}${key}`
    if (Buffer.byteLength(objectKey) > MAX_KEY_BYTES) {
      throw new InvalidObjectKey(key, `with the prefix it is longer than ${MAX_KEY_BYTES} bytes`)
    }
    return objectKey
  }
}

/** A body in memory can be hashed before the upload starts, in time to go into the object's metadata. */
function digestOfInMemory(body: PutBody): string | undefined {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return undefined
  return createHash('sha256').update(body).digest('hex')
}

function s3Error(operation: string, key: string, err: unknown): AppError {
  if (err instanceof AppError) return err
  const status = httpStatus(err)
  if (operation === 'put' && status === 412) return new ObjectAlreadyExists(key, err)
  if (operation === 'get' && status === 404 && errorName(err) === 'NoSuchKey') return new ObjectNotFound(key)
  // no status: no answer came (network, timeout); 409: a conditional write raced another, a retry settles it
  const retryable = status === undefined || status >= 500 || status === 429 || status === 409
  return new StorageBackendFailed(operation, key, err, retryable)
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined
}
