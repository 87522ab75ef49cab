export { createStorage, type S3Options, type StorageOptions } from './create-storage.ts'
export {
  BodyStreamFailed,
  InvalidObjectKey,
  InvalidStorageConfig,
  ObjectAlreadyExists,
  ObjectKeyConflict,
  ObjectNotFound,
  ObjectTooLarge,
  StorageBackendFailed,
  type StorageErrorCode,
  StorageErrorCodes,
} from './errors.ts'
export { MAX_KEY_BYTES, MAX_SEGMENT_BYTES, validateKeyPrefix, validateObjectKey } from './object-key.ts'
export type * from './object-storage.ts'
export { createStorageFromConfig, type StorageConfig, storageConfig } from './storage-config.ts'
export { parseStorageUrl, type StorageLocation } from './storage-url.ts'
