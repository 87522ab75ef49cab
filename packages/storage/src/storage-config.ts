import { type Static, Type } from 'typebox'
import { createStorage } from './create-storage.ts'
import type { ObjectStorage } from './object-storage.ts'

/**
 * The environment of a service that stores objects, as TypeBox properties to spread into its config schema
 * (like `commonConfig` in `@chargebus/platform`, which this package does not import: it sits beside it).
 *
 * ### Examples
 * ```ts
 * export const ArchiverConfig = Type.Object({ ...commonConfig.logging, ...storageConfig })
 * const storage = await createStorageFromConfig(loadConfig(ArchiverConfig))
 * ```
 */
export const storageConfig = {
  STORAGE_URL: Type.String({
    minLength: 1,
    pattern: '^(s3://|file:|(?![A-Za-z][A-Za-z0-9+.-]*://))',
    default: '.local/storage',
    expected: 'a directory, a file:// URL or s3://bucket/prefix',
    description:
      'Where objects are stored: a local directory (relative to the working directory; created if missing), or s3://bucket/prefix.',
  }),
  STORAGE_S3_ENDPOINT: Type.Optional(
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http:// or https:// URL',
      description:
        'An S3-compatible server such as MinIO (http://minio:9000). Unset: AWS S3. Credentials come from the AWS SDK chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, a role).',
    }),
  ),
  STORAGE_S3_REGION: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'S3 region. Unset: AWS_REGION or the profile, and us-east-1 with STORAGE_S3_ENDPOINT.',
    }),
  ),
  STORAGE_S3_FORCE_PATH_STYLE: Type.Optional(
    Type.Boolean({
      description:
        'Path-style requests (endpoint/bucket/key) instead of bucket.endpoint/key. Unset: on with STORAGE_S3_ENDPOINT (MinIO needs it), else off.',
    }),
  ),
}

const StorageConfig = Type.Object(storageConfig)
export type StorageConfig = Static<typeof StorageConfig>

/**
 * Opens the storage a service's config names (`storageConfig` spread into its schema).
 *
 * ### Examples
 * ```ts
 * const storage = await createStorageFromConfig(config)
 * ```
 */
export function createStorageFromConfig(config: StorageConfig): Promise<ObjectStorage> {
  return createStorage(config.STORAGE_URL, {
    s3: {
      endpoint: config.STORAGE_S3_ENDPOINT,
      region: config.STORAGE_S3_REGION,
      forcePathStyle: config.STORAGE_S3_FORCE_PATH_STYLE,
    },
  })
}
