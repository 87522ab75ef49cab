import { AppError } from '@chargebus/platform'

/** Every error code ingest raises. */
export const IngestErrorCodes = {
  INVALID_STATION_MESSAGE: 'INGEST_ERR_INVALID_STATION_MESSAGE',
} as const

export type IngestErrorCode = (typeof IngestErrorCodes)[keyof typeof IngestErrorCodes]

/**
 * A station message ingest cannot map (a payload that is not the 1.6 request of its action, a StartTransaction
 * without the transactionId the gateway answered). Retrying cannot fix it: the message is dead-lettered on its
 * own while the rest of its batch is written.
 */
export class InvalidStationMessage extends AppError {
  readonly stationId: string
  readonly messageId: string
  constructor(stationId: string, messageId: string, reason: string) {
    super(IngestErrorCodes.INVALID_STATION_MESSAGE, `station message ${stationId}/${messageId}: ${reason}`, {
      retryable: false,
      status: 422,
    })
    this.stationId = stationId
    this.messageId = messageId
  }
}
