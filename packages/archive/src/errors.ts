import { AppError, defineErrorCodes } from '@chargebus/errors'

/** Every error code this package throws; the README table and `errors.test.ts` are checked against it. */
export const ArchiveErrorCodes = defineErrorCodes({
  ARCHIVE_ERR_NOT_ARCHIVED: { meaning: 'the stream is not one the archiver copies (or not in the catalog)' },
  ARCHIVE_ERR_BAD_MANIFEST: { meaning: 'a manifest in storage is not valid JSON of the manifest schema' },
  ARCHIVE_ERR_BAD_RECORD: { meaning: 'an archived object holds a line that is not an archived message' },
  ARCHIVE_ERR_BAD_RESTORE_TARGET: {
    meaning: 'restore --into names another catalog stream, or is not a valid stream name',
  },
  ARCHIVE_ERR_BAD_RANGE: { meaning: 'a time range whose end is not after its start' },
})

export type ArchiveErrorCode = keyof typeof ArchiveErrorCodes

/** `stream` is not archived: AGGREGATES is recomputable, restore and replay streams are copies. */
export class NotArchivedStream extends AppError {
  constructor(stream: string) {
    super('ARCHIVE_ERR_NOT_ARCHIVED', `stream ${stream} is not archived`, { status: 400 })
  }
}

/** A manifest cannot be read: storage was edited by hand or by another program. */
export class BadManifest extends AppError {
  constructor(key: string, reason: string, cause?: unknown) {
    super('ARCHIVE_ERR_BAD_MANIFEST', `manifest ${key}: ${reason}`, { cause })
  }
}

/** An archived line cannot be read back. */
export class BadArchiveRecord extends AppError {
  constructor(key: string, reason: string) {
    super('ARCHIVE_ERR_BAD_RECORD', `object ${key}: ${reason}`)
  }
}

/** Restoring into another catalog stream would mix histories. */
export class BadRestoreTarget extends AppError {
  constructor(into: string, reason: string) {
    super('ARCHIVE_ERR_BAD_RESTORE_TARGET', `cannot restore into ${into}: ${reason}`, { status: 400 })
  }
}

/** `to` must be after `from`. */
export class BadTimeRange extends AppError {
  constructor(from: Date, to: Date) {
    super('ARCHIVE_ERR_BAD_RANGE', `empty time range ${from.toISOString()} .. ${to.toISOString()}`, {
      status: 400,
    })
  }
}
