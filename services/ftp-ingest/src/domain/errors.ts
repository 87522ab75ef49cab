import { AppError, defineErrorCodes } from '@chargebus/errors'
import type { METER_LOG_REJECTIONS } from '@chargebus/events'

/** Every error code the FTP edge raises; the README's table is checked against this map. */
export const FtpIngestErrorCodes = defineErrorCodes({
  FTP_INGEST_ERR_QUOTA_EXCEEDED: {
    meaning:
      "the station's stored uploads reached FTP_QUOTA_BYTES: the upload is refused (552), nothing stored",
  },
  FTP_INGEST_ERR_CONTROL_LOST: {
    meaning:
      'the control connection closed before the upload was recorded (the station could not hear 226): nothing is kept, the station uploads again',
  },
  FTP_INGEST_ERR_TRANSFER_ABORTED: {
    meaning:
      'the station sent ABOR during an upload: the transfer is cut (426, then 226 for the ABOR), nothing stored',
  },
  FTP_INGEST_ERR_METER_LOG_REJECTED: {
    meaning:
      'a meter log (CSV) has a bad line: the file is refused whole (ftp.file.rejected with the line and the reason), nothing imported, the file stays stored',
  },
  FTP_INGEST_ERR_TRANSFER_TIMEOUT: {
    meaning:
      'the data connection brought no byte for FTP_TRANSFER_TIMEOUT_MS: the upload is aborted (426), nothing stored',
  },
  FTP_INGEST_ERR_GRANT_SPENT: {
    meaning:
      "a command's one-time credentials already made their one upload (another transfer with them finished first): the upload is refused (550), nothing stored",
  },
  FTP_INGEST_ERR_PULL_INCOMPLETE: {
    meaning:
      'a pulled file did not arrive whole (fewer or more bytes than the listing said: cut off, or still being written): nothing is stored, the next poll downloads it again',
  },
})

export type FtpIngestErrorCode = keyof typeof FtpIngestErrorCodes

/** The station has no room left for another upload. */
export class QuotaExceeded extends AppError {
  constructor(stationId: string, quotaBytes: number) {
    super('FTP_INGEST_ERR_QUOTA_EXCEEDED', `${stationId} has used its ${quotaBytes} bytes of storage`, {
      retryable: false,
    })
  }
}

/** The control connection went away while the upload was being stored: it is not counted as received. */
export class ControlConnectionLost extends AppError {
  constructor() {
    super('FTP_INGEST_ERR_CONTROL_LOST', 'the control connection closed before the upload was recorded', {
      retryable: true,
    })
  }
}

/** The data connection stalled. */
export class TransferTimedOut extends AppError {
  constructor(timeoutMs: number) {
    super('FTP_INGEST_ERR_TRANSFER_TIMEOUT', `no data for ${timeoutMs} ms`, { retryable: true })
  }
}

/** The station aborted its upload (ABOR). */
export class TransferAborted extends AppError {
  constructor() {
    super('FTP_INGEST_ERR_TRANSFER_ABORTED', 'the station aborted the transfer', { retryable: false })
  }
}

/** A one-time credential's upload was already recorded (by a transfer that finished first). */
export class GrantSpent extends AppError {
  constructor(commandId: string) {
    super(
      'FTP_INGEST_ERR_GRANT_SPENT',
      `the one-time credentials of command ${commandId} were already used`,
      {
        retryable: false,
      },
    )
  }
}

/** A pulled file's download ended with another size than the server listed. */
export class PullIncomplete extends AppError {
  constructor(name: string, listed: number, received: number) {
    super('FTP_INGEST_ERR_PULL_INCOMPLETE', `${name}: listed ${listed} bytes, received ${received}`, {
      retryable: true,
    })
  }
}

/** What is wrong with a meter log, as a code (`ftp.file.rejected` carries it). */
export type MeterLogRejection = (typeof METER_LOG_REJECTIONS)[number]

/** A meter log's first bad line: the whole file is refused. */
export class MeterLogRejected extends AppError {
  readonly line: number
  readonly rejection: MeterLogRejection
  readonly reason: string
  constructor(line: number, rejection: MeterLogRejection, reason: string) {
    super('FTP_INGEST_ERR_METER_LOG_REJECTED', `line ${line}: ${reason}`, { retryable: false })
    this.line = line
    this.rejection = rejection
    this.reason = reason
  }
}
