import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidStorageConfig } from './errors.ts'
import { validateKeyPrefix } from './object-key.ts'

/** Where `STORAGE_URL` points. */
export type StorageLocation =
  | { readonly kind: 'local'; readonly directory: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }

const S3_URL = /^s3:\/\/([^/]*)(?:\/(.*))?$/
/** S3's bucket naming rules, less the legacy forms new buckets cannot have. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * Reads a storage URL: `s3://bucket/prefix` is a bucket (the prefix optional; it is kept as written, with
 * a `/` added), a `file://` URL or any path is a local directory (a relative path from the working
 * directory). Any other scheme is refused with `InvalidStorageConfig`.
 *
 * ### Examples
 * ```ts
 * parseStorageUrl('s3://chargebus-archive/prod') // { kind: 's3', bucket: 'chargebus-archive', prefix: 'prod/' }
 * parseStorageUrl('.local/storage') // { kind: 'local', directory: '/srv/chargebus/.local/storage' }
 * ```
 */
export function parseStorageUrl(url: string): StorageLocation {
  if (url.trim() === '') throw new InvalidStorageConfig('the storage URL is empty')
  const s3 = S3_URL.exec(url)
  if (s3 !== null) return s3Location(url, s3[1] ?? '', s3[2] ?? '')
  if (url.startsWith('file:')) {
    try {
      return { kind: 'local', directory: fileURLToPath(url) }
    } catch (err) {
      throw new InvalidStorageConfig(`${url} is not a file URL of this machine`, err)
    }
  }
  if (URL_SCHEME.test(url)) {
    throw new InvalidStorageConfig(`${url}: a storage URL is s3://bucket/prefix, a file:// URL or a path`)
  }
  return { kind: 'local', directory: resolve(url) }
}

function s3Location(url: string, bucket: string, path: string): StorageLocation {
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidStorageConfig(`${url}: "${bucket}" is not an S3 bucket name`)
  }
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`
  try {
    validateKeyPrefix(prefix)
  } catch (err) {
    throw new InvalidStorageConfig(`${url}: the prefix "${path}" is not a valid key prefix`, err)
  }
  return { kind: 's3', bucket, prefix }
}
