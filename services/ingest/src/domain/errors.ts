import { AppError, defineErrorCodes } from '@chargebus/errors'

/** Every error code ingest raises. */
export const IngestErrorCodes = defineErrorCodes({
  INGEST_ERR_INVALID_STATION_MESSAGE: {
    meaning:
      'a station message ingest cannot map (not the OCPP 1.6 request of its action, a StartTransaction without the answered transactionId): dead-lettered, not retried',
  },
})

export type IngestErrorCode = keyof typeof IngestErrorCodes

/**
 * A station message ingest cannot map (a payload that is not the 1.6 request of its action, a StartTransaction
 * without the transactionId the gateway answered). Retrying cannot fix it: the message is dead-lettered on its
 * own while the rest of its batch is written.
 */
export class InvalidStationMessage extends AppError {
  readonly stationId: string
  readonly messageId: string
  constructor(stationId: string, messageId: string, reason: string) {
    super('INGEST_ERR_INVALID_STATION_MESSAGE', `station message ${stationId}/${messageId}: ${reason}`, {
      retryable: false,
      status: 422,
    })
    this.stationId = stationId
    this.messageId = messageId
  }
}
