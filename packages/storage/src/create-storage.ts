import { mkdir } from 'node:fs/promises'
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { InvalidStorageConfig } from './errors.ts'
import { LocalStorage } from './local-storage.ts'
import type { ObjectStorage } from './object-storage.ts'
import { S3Storage, type S3Tuning } from './s3-storage.ts'
import { parseStorageUrl } from './storage-url.ts'

/** How to reach S3; used only when the URL is `s3://`. */
export interface S3Options {
  /** An S3-compatible server (MinIO: `http://minio:9000`); unset: AWS S3. */
  readonly endpoint?: string
  /** Unset: the AWS SDK's chain (`AWS_REGION`, the profile), or `us-east-1` when an endpoint is given. */
  readonly region?: string
  /** Path-style addressing (`endpoint/bucket/key`). Unset: on when an endpoint is given, as MinIO needs. */
  readonly forcePathStyle?: boolean
  /** Unset: the AWS SDK's default credential chain (environment, profile, web identity, instance role). */
  readonly credentials?: S3ClientConfig['credentials']
  /** Bytes per multipart part; at least 5 MiB (S3's minimum). Default 8 MiB. */
  readonly partSize?: number
  /** Parts uploaded at once by one put. Default 2. */
  readonly queueSize?: number
  /** Keys per ListObjectsV2 request, 1 to 1000. Default 1000. */
  readonly listPageSize?: number
}

export interface StorageOptions {
  readonly s3?: S3Options
}

const MIB = 1024 * 1024
/** S3's smallest part (but the last). */
const MIN_PART_SIZE = 5 * MIB
const DEFAULT_TUNING: S3Tuning = { partSize: 8 * MIB, queueSize: 2, listPageSize: 1000 }

/**
 * Opens the storage a URL names: a path or `file://` URL is a local directory (created if missing),
 * `s3://bucket/prefix` a bucket reached with the AWS SDK. Invalid URLs and options, and an S3 region that
 * cannot be found, fail here with `InvalidStorageConfig`, at start-up rather than at the first put.
 *
 * ### Examples
 * ```ts
 * const local = await createStorage('.local/storage')
 * const minio = await createStorage('s3://chargebus/archive', { s3: { endpoint: 'http://127.0.0.1:9000' } })
 * ```
 */
export async function createStorage(url: string, opts: StorageOptions = {}): Promise<ObjectStorage> {
  const location = parseStorageUrl(url)
  if (location.kind === 'local') {
    await mkdir(location.directory, { recursive: true }).catch((err: unknown) => {
      throw new InvalidStorageConfig(`cannot create the storage directory ${location.directory}`, err)
    })
    return new LocalStorage(location.directory)
  }
  const s3 = opts.s3 ?? {}
  const tuning = tuningOf(s3)
  const client = new S3Client({
    region: s3.region ?? (s3.endpoint === undefined ? undefined : 'us-east-1'),
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle ?? s3.endpoint !== undefined,
    credentials: s3.credentials,
  })
  await client.config.region().catch((err: unknown) => {
    throw new InvalidStorageConfig(`${url}: no S3 region (set STORAGE_S3_REGION or AWS_REGION)`, err)
  })
  return new S3Storage(client, location, tuning)
}

function tuningOf(s3: S3Options): S3Tuning {
  const tuning = {
    partSize: s3.partSize ?? DEFAULT_TUNING.partSize,
    queueSize: s3.queueSize ?? DEFAULT_TUNING.queueSize,
    listPageSize: s3.listPageSize ?? DEFAULT_TUNING.listPageSize,
  }
  requireInteger('partSize', tuning.partSize, MIN_PART_SIZE, 5 * 1024 * MIB)
  requireInteger('queueSize', tuning.queueSize, 1, 64)
  requireInteger('listPageSize', tuning.listPageSize, 1, 1000)
  return tuning
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidStorageConfig(`s3.${name} must be an integer from ${min} to ${max}, not ${value}`)
  }
}
