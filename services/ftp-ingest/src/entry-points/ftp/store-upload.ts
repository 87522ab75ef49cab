import type { Socket } from 'node:net'
import type { Database, Kysely } from '@chargebus/db'
import type { FtpGrant } from '@chargebus/station-registry'
import type { Logger } from 'pino'
import { storedBytes } from '../../data-access/ftp-files.ts'
import { ControlConnectionLost, QuotaExceeded, TransferTimedOut } from '../../domain/errors.ts'
import { uploadName } from '../../domain/upload-names.ts'
import type { FtpIngestMetrics } from '../../metrics.ts'
import type { ReceivedUpload, Upload } from '../../receive-upload.ts'
import { settleTransferSpan } from '../../transfer-span.ts'
import type { FtpConnectionInternals } from './ftp-srv-internals.ts'
import { uploadFailureReply } from './upload-replies.ts'

export interface StoreUploadOptions {
  db: Kysely<Database>
  receive: (upload: Upload) => Promise<ReceivedUpload>
  metrics: FtpIngestMetrics
  logger: Logger
  maxFileBytes: number
  quotaBytes: number
  transferTimeoutMs: number
  idleTimeoutMs: number
}

/** Who is uploading: the station, and the one-time credentials it logged in with, if any. */
export interface Uploader {
  readonly stationId: string
  readonly grant?: FtpGrant
}

/** How long STOR waits for the data connection PASV/EPSV announced. */
const DATA_CONNECTION_WAIT_MS = 10_000

/**
 * STOR, the edge's own (ftp-srv's writes through a file system and answers 226 when the write stream finishes;
 * this one answers only once the upload is stored, recorded and announced, with the right code when it is not):
 * 1. the name is checked (553) and the station's quota (552) before anything is read;
 * 2. 150, then the data connection streams into `receiveUpload`, capped at the file limit or the quota left;
 *    a stall (FTP_TRANSFER_TIMEOUT_MS) or a reset aborts it (426) and nothing is kept;
 * 3. while it streams, the control connection is watched: if it closes, the data connection is cut (its end may
 *    look like the end of the file, but the station can no longer hear 226) and nothing is kept;
 * 4. 226 with the stored size and SHA-256.
 * The control connection's idle timeout does not run during the transfer.
 */
export async function storeUpload(
  connection: FtpConnectionInternals,
  uploader: Uploader,
  path: string | null,
  opts: StoreUploadOptions,
  /** Called with the data connection once the transfer starts (ABOR cuts it: see `ftp-edge.ts`). */
  onTransfer: (data: Socket) => void = () => {},
): Promise<void> {
  const started = performance.now()
  const outcome = (name: string, failure?: unknown, bytes?: number) => {
    settleTransferSpan(name, failure, bytes)
    opts.metrics.uploads.inc({ outcome: name })
    opts.metrics.uploadSeconds.observe({ outcome: name }, (performance.now() - started) / 1000)
  }
  const { stationId, grant } = uploader
  const checked = uploadName(stationId, path)
  if (!checked.ok) {
    connection.connector.end()
    outcome('bad-name')
    await connection.reply(553, `File name not allowed: ${checked.reason}`)
    return
  }
  let data: Socket
  try {
    data = await connection.connector.waitForConnection({ timeout: DATA_CONNECTION_WAIT_MS })
  } catch {
    connection.connector.end()
    outcome('no-data-connection')
    await connection.reply(425, 'No data connection: send PASV or EPSV first')
    return
  }
  const control = connection.commandSocket
  try {
    const left = opts.quotaBytes - (await storedBytes(opts.db, stationId))
    if (left <= 0) throw new QuotaExceeded(stationId, opts.quotaBytes)
    control.setTimeout(0)
    data.setTimeout(opts.transferTimeoutMs, () => data.destroy(new TransferTimedOut(opts.transferTimeoutMs)))
    const controlGone = () => data.destroy(new ControlConnectionLost())
    control.once('close', controlGone)
    control.once('end', controlGone)
    try {
      await connection.reply(150, `Storing ${checked.name}`)
      onTransfer(data)
      const received = await opts.receive({
        stationId,
        name: checked.name,
        body: data,
        maxBytes: Math.min(opts.maxFileBytes, left),
        remoteAddress: connection.ip ?? null,
        stillWanted: () => !control.destroyed && !control.readableEnded,
        ...(grant && { grant }),
      })
      opts.metrics.bytes.inc(received.size)
      outcome(received.duplicateOf === null ? 'stored' : 'duplicate', undefined, received.size)
      await connection.reply(
        226,
        `Stored ${received.size} bytes, sha256 ${received.sha256}${received.duplicateOf === null ? '' : ' (already received: kept once)'}`,
      )
    } finally {
      control.off('close', controlGone)
      control.off('end', controlGone)
    }
  } catch (err) {
    const reply = uploadFailureReply(err, { maxFileBytes: opts.maxFileBytes })
    // Only 451 is ours to fix; a refusal or an abort is the station's doing, not an error of the service.
    if (reply.code === 451) outcome('failed', err)
    else outcome(reply.code === 552 ? 'too-large' : 'aborted')
    if (reply.code === 451) opts.logger.error({ err, stationId }, 'upload not stored')
    else opts.logger.info({ err, stationId, code: reply.code }, 'upload refused')
    data.destroy()
    if (!control.destroyed) await connection.reply(reply.code, reply.message)
  } finally {
    connection.connector.end()
    if (!control.destroyed) control.setTimeout(opts.idleTimeoutMs)
  }
}
