import { BodyStreamFailed, ObjectTooLarge } from '@chargebus/storage'
import {
  ControlConnectionLost,
  GrantSpent,
  QuotaExceeded,
  TransferAborted,
  TransferTimedOut,
} from '../../domain/errors.ts'

/** An FTP reply: code and text (RFC 959 section 4.2). */
export interface FtpReply {
  readonly code: number
  readonly message: string
}

/**
 * The reply to a STOR that failed. Pure: the error decides, nothing else.
 * - 552 (exceeded storage allocation): over FTP_MAX_FILE_BYTES or the station's quota;
 * - 550 (not available): the one-time credentials already made their upload;
 * - 426 (connection closed, transfer aborted): the data connection failed, stalled, or the control connection
 *   went away;
 * - 451 (local error in processing): storage, Postgres or NATS failed; the station may try again.
 * The text never carries an internal error message (it goes to the log).
 */
export function uploadFailureReply(err: unknown, limits: { maxFileBytes: number }): FtpReply {
  if (err instanceof ObjectTooLarge)
    return {
      code: 552,
      message: `Upload is larger than the ${limits.maxFileBytes}-byte limit or the quota left; nothing stored`,
    }
  if (err instanceof QuotaExceeded) return { code: 552, message: 'Storage quota used up; nothing stored' }
  if (err instanceof GrantSpent)
    return { code: 550, message: 'These one-time credentials were already used; nothing stored' }
  // The data socket is destroyed with the reason (a stall, the control connection gone): storage wraps it.
  const reason = err instanceof BodyStreamFailed ? err.cause : err
  if (reason instanceof TransferTimedOut)
    return { code: 426, message: 'Data connection stalled; transfer aborted, nothing stored' }
  if (reason instanceof TransferAborted) return { code: 426, message: 'Transfer aborted; nothing stored' }
  if (err instanceof BodyStreamFailed || reason instanceof ControlConnectionLost)
    return { code: 426, message: 'Connection closed; transfer aborted, nothing stored' }
  return { code: 451, message: 'Local error in processing; nothing stored, try again' }
}
