import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Bus } from '@chargebus/bus'
import type { Database, Kysely, Transaction } from '@chargebus/db'
import { FtpFileReceived } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import { type FtpGrant, restoreFtpGrant, spendFtpGrant } from '@chargebus/station-registry'
import type { ObjectStorage } from '@chargebus/storage'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { recordUpload } from './data-access/ftp-files.ts'
import { uploadObjectKey } from './data-access/upload-objects.ts'
import { ControlConnectionLost, GrantSpent } from './domain/errors.ts'

export interface ReceiveUploadDeps {
  db: Kysely<Database>
  storage: ObjectStorage
  publisher: Pick<Bus, 'publish'>
  clock: Clock
  logger: Logger
  /** One-time credentials (spent by the upload they allow). */
  grants: Pick<KV, 'delete' | 'create'>
}

export interface Upload {
  readonly stationId: string
  /** Checked by `uploadName`. */
  readonly name: string
  /** The bytes, streamed: never held whole in memory. */
  readonly body: Readable
  readonly maxBytes: number
  readonly remoteAddress: string | null
  /** False once the uploader can no longer hear the answer (its control connection closed). */
  readonly stillWanted: () => boolean
  /** The command's one-time credentials the station logged in with, if any: spent by this upload. */
  readonly grant?: FtpGrant
  /** The pull source's name when ftp-ingest fetched the file itself (pull mode); unset for uploads. */
  readonly pulledFrom?: string
  /** More to write in the transaction that records the file (pull mode remembers the file there). */
  readonly onRecorded?: (
    trx: Transaction<Database>,
    file: { fileId: string; size: number; sha256: string },
  ) => Promise<void>
}

/** What an accepted upload became. */
export interface ReceivedUpload {
  readonly fileId: string
  readonly objectKey: string
  readonly size: number
  readonly sha256: string
  readonly duplicateOf: string | null
}

/**
 * Stores an upload whole, then records it and announces it, in that order, before the caller answers:
 * 1. the bytes stream into object storage under a key of their own (a put is atomic: a failed or cut-off body
 *    leaves nothing, and `maxBytes` cuts it off);
 * 2. ONE transaction inserts the `ftp_files` row (and whatever `onRecorded` adds: pull mode's `ftp_pull_files`
 *    row) and publishes `ftp.file.received` (msg id = file id) before it
 *    commits: a failed publish rolls the row back, a failed commit leaves an event whose file the station sends
 *    again (consumers go by content, so the repeat changes nothing);
 * 3. a duplicate (the station's bytes already stored) points at the first copy, and its own object is removed;
 * 4. with one-time credentials, the row names their command and the transaction spends them (compare-and-
 *    delete) before it publishes: of two transfers racing on one grant the second is refused and keeps nothing;
 *    if the record fails after the spend, the grant is restored.
 * Anything that fails after the put removes the object: nothing is half-stored.
 */
export async function receiveUpload(deps: ReceiveUploadDeps, upload: Upload): Promise<ReceivedUpload> {
  const fileId = randomUUID()
  const receivedAt = deps.clock()
  const key = uploadObjectKey(upload.stationId, receivedAt, fileId)
  const stored = await deps.storage.put(key, upload.body, { maxBytes: upload.maxBytes, createOnly: true })
  const removeObject = () =>
    deps.storage
      .delete(key)
      .catch((err) => deps.logger.warn({ err, key }, 'orphan upload object not removed'))
  let recorded: { duplicateOf: string | null; objectKey: string }
  const grant = upload.grant
  /** Spent by this upload, so restored if it is not recorded after all (the station may try again). */
  let spent: FtpGrant | undefined
  try {
    if (!upload.stillWanted()) throw new ControlConnectionLost()
    recorded = await deps.db.transaction().execute(async (trx) => {
      const row = {
        id: fileId,
        stationId: upload.stationId,
        name: upload.name,
        objectKey: key,
        size: stored.size,
        sha256: stored.sha256,
        receivedAt,
        remoteAddress: upload.remoteAddress,
        commandId: upload.grant?.commandId ?? null,
      }
      const result = await recordUpload(trx, row)
      if (grant !== undefined) {
        if (!(await spendFtpGrant(deps.grants, grant))) throw new GrantSpent(grant.commandId)
        spent = grant
      }
      await upload.onRecorded?.(trx, { fileId, size: stored.size, sha256: stored.sha256 })
      await deps.publisher.publish(
        FtpFileReceived,
        {
          fileId,
          stationId: upload.stationId,
          name: upload.name,
          size: stored.size,
          sha256: stored.sha256,
          objectKey: result.objectKey,
          duplicateOf: result.duplicateOf,
          receivedAt: receivedAt.toISOString(),
          ...(grant && { commandId: grant.commandId }),
          ...(upload.pulledFrom === undefined ? {} : { pulledFrom: upload.pulledFrom }),
        },
        { msgId: `ftp.file.received:${fileId}` },
      )
      return result
    })
  } catch (err) {
    if (spent !== undefined)
      await restoreFtpGrant(deps.grants, spent).catch((e: unknown) =>
        deps.logger.warn({ err: e, commandId: spent?.commandId }, 'one-time credentials not restored'),
      )
    await removeObject()
    throw err
  }
  if (recorded.duplicateOf !== null) await removeObject()
  return {
    fileId,
    objectKey: recorded.objectKey,
    size: stored.size,
    sha256: stored.sha256,
    duplicateOf: recorded.duplicateOf,
  }
}
