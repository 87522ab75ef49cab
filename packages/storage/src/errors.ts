import { AppError, defineErrorCodes } from '@chargebus/errors'

/**
 * Every error code this package throws, with what it means. The README table and the unit test
 * `errors.test.ts` are checked against this map.
 */
export const StorageErrorCodes = defineErrorCodes({
  STORAGE_ERR_INVALID_KEY: {
    meaning: 'an object key or list prefix breaks the key rules; refused before storage is touched',
    status: 400,
  },
  STORAGE_ERR_NOT_FOUND: { meaning: 'get: no object has that key', status: 404 },
  STORAGE_ERR_EXISTS: {
    meaning: 'a create-only put found an object under its key; the object there is left as it was',
    status: 409,
  },
  STORAGE_ERR_TOO_LARGE: {
    meaning: 'the body grew past maxBytes; the put stopped and left nothing behind',
    status: 413,
  },
  STORAGE_ERR_BODY_FAILED: {
    meaning: 'the body stream failed before its end; the put left nothing behind',
    status: 400,
  },
  STORAGE_ERR_KEY_CONFLICT: {
    meaning:
      'local directory only: the key names a directory of other objects, or one of its leading segments is an object',
    status: 409,
  },
  STORAGE_ERR_BACKEND: {
    meaning: 'the disk or S3 failed (the cause says how); a failed put left nothing behind',
    status: 503,
  },
  STORAGE_ERR_INVALID_CONFIG: { meaning: 'the storage URL or its options are invalid' },
})

export type StorageErrorCode = keyof typeof StorageErrorCodes

/** A key or prefix that could escape the storage root or would not survive a move between backends. */
export class InvalidObjectKey extends AppError {
  readonly key: string
  /** Which rule the key breaks, in words. */
  readonly reason: string

  constructor(key: string, reason: string) {
    super('STORAGE_ERR_INVALID_KEY', `invalid object key ${JSON.stringify(key)}: ${reason}`, { status: 400 })
    this.key = key
    this.reason = reason
  }
}

/** `get` of a key no object has. */
export class ObjectNotFound extends AppError {
  readonly key: string

  constructor(key: string) {
    super('STORAGE_ERR_NOT_FOUND', `no object ${key}`, { status: 404 })
    this.key = key
  }
}

/** A create-only put whose key is taken: for an idempotent writer, the work was done before. */
export class ObjectAlreadyExists extends AppError {
  readonly key: string

  constructor(key: string, cause?: unknown) {
    super('STORAGE_ERR_EXISTS', `object ${key} exists already`, { status: 409, cause })
    this.key = key
  }
}

/** The body passed `maxBytes`. */
export class ObjectTooLarge extends AppError {
  readonly key: string
  readonly maxBytes: number

  constructor(key: string, maxBytes: number) {
    super('STORAGE_ERR_TOO_LARGE', `object ${key} exceeds ${maxBytes} bytes`, { status: 413 })
    this.key = key
    this.maxBytes = maxBytes
  }
}

/** The caller's body stream errored (an FTP client went away mid-upload); the cause is its error. */
export class BodyStreamFailed extends AppError {
  readonly key: string

  constructor(key: string, cause: unknown) {
    super('STORAGE_ERR_BODY_FAILED', `the body of ${key} failed before its end`, { status: 400, cause })
    this.key = key
  }
}

/**
 * A local directory holds an object as a file, so `a/b` cannot be an object while `a/b/c` is one (S3 has no
 * such limit). Not retryable: the other key has to go first.
 */
export class ObjectKeyConflict extends AppError {
  readonly key: string

  constructor(key: string, cause: unknown) {
    super('STORAGE_ERR_KEY_CONFLICT', `object ${key} clashes with a directory or an object on its path`, {
      status: 409,
      cause,
    })
    this.key = key
  }
}

/** The disk or S3 failed. Retryable unless the backend said the request itself was wrong (denied, bad bucket). */
export class StorageBackendFailed extends AppError {
  readonly operation: string
  readonly key: string

  constructor(operation: string, key: string, cause: unknown, retryable: boolean) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super('STORAGE_ERR_BACKEND', `${operation} ${key}: ${reason}`, { status: 503, cause, retryable })
    this.operation = operation
    this.key = key
  }
}

/** A storage URL or option the factory cannot use; a deployment mistake, found at start-up. */
export class InvalidStorageConfig extends AppError {
  constructor(message: string, cause?: unknown) {
    super('STORAGE_ERR_INVALID_CONFIG', message, { cause })
  }
}
