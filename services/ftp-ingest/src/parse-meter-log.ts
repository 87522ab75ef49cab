import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import {
  type EventData,
  FTP_FILE_PARSED_MAX_ROWS,
  FtpFileParsed,
  type FtpFileReceived,
  FtpFileRejected,
} from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import { ObjectNotFound, type ObjectStorage } from '@chargebus/storage'
import type { Logger } from 'pino'
import { recordParseOutcome, uploadRecorded } from './data-access/parse-outcomes.ts'
import { MeterLogRejected } from './domain/errors.ts'
import { type MeterLogLimits, type MeterLogRow, readMeterLog } from './domain/meter-log.ts'
import { type MeterLogProfile, meterLogProfileFor } from './domain/meter-log-profile.ts'

export interface ParseMeterLogDeps {
  db: Kysely<Database>
  storage: ObjectStorage
  publisher: Pick<Bus, 'publish'>
  clock: Clock
  logger: Logger
  /** FTP_CSV_PROFILES, tried before the default profile. */
  profiles: readonly MeterLogProfile[]
  limits: MeterLogLimits
}

type ReceivedFile = EventData<typeof FtpFileReceived>

/** What became of a received file. */
export type ParseOutcome =
  | { readonly status: 'skipped'; readonly why: 'duplicate' | 'not-a-meter-log' | 'not-recorded' }
  | { readonly status: 'parsed'; readonly profile: string; readonly rows: number; readonly parts: number }
  | {
      readonly status: 'rejected'
      readonly profile: string
      readonly line: number
      readonly code: MeterLogRejected['rejection']
      readonly reason: string
    }

/**
 * Parses a received meter log, all or nothing:
 * 1. duplicates (their first copy was parsed) and files no profile claims are skipped;
 * 2. the object is read WHOLE through the parser first, keeping only a row count: the first bad line rejects the
 *    file (`ftp.file.rejected`) and nothing of it is published;
 * 3. a valid file is read again and published as `ftp.file.parsed` parts of at most 1,000 rows, msg id
 *    `ftp.file.parsed:<fileId>:<part>` (a redelivery republishes the same ids: JetStream stores them once);
 * 4. then the outcome goes on the `ftp_files` row (once: a redelivery changes nothing).
 * Memory per file is one part of rows and the parser's bounded buffers, whatever the file's size.
 */
export async function parseMeterLog(deps: ParseMeterLogDeps, file: ReceivedFile): Promise<ParseOutcome> {
  if (file.duplicateOf !== null) return { status: 'skipped', why: 'duplicate' }
  const profile = meterLogProfileFor(deps.profiles, file.stationId, file.name)
  if (profile === undefined) return { status: 'skipped', why: 'not-a-meter-log' }
  const rows = async function* (): AsyncGenerator<MeterLogRow> {
    yield* readMeterLog(await deps.storage.get(file.objectKey), profile, deps.limits)
  }

  let count = 0
  try {
    for await (const _ of rows()) count++
  } catch (err) {
    if (err instanceof MeterLogRejected) return reject(deps, file, profile.name, err)
    // A received event whose recording rolled back has no object and no row: nothing to parse.
    if (err instanceof ObjectNotFound && !(await uploadRecorded(deps.db, file.fileId)))
      return { status: 'skipped', why: 'not-recorded' }
    throw err
  }

  const parts = Math.ceil(count / FTP_FILE_PARSED_MAX_ROWS)
  let part = 0
  let batch: MeterLogRow[] = []
  const publish = async () => {
    part++
    await deps.publisher.publish(
      FtpFileParsed,
      {
        fileId: file.fileId,
        stationId: file.stationId,
        name: file.name,
        profile: profile.name,
        receivedAt: file.receivedAt,
        part,
        parts,
        rows: batch,
      },
      { msgId: `ftp.file.parsed:${file.fileId}:${part}` },
    )
    batch = []
  }
  for await (const row of rows()) {
    batch.push(row)
    if (batch.length === FTP_FILE_PARSED_MAX_ROWS) await publish()
  }
  if (batch.length > 0) await publish()
  // Objects are immutable (a put never replaces one): a different second read is a storage fault, retried.
  if (part !== parts) throw new Error(`${file.objectKey} read ${count} rows, then ${part} parts`)
  await recordParseOutcome(
    deps.db,
    file.fileId,
    { status: 'parsed', profile: profile.name, rows: count },
    deps.clock(),
  )
  return { status: 'parsed', profile: profile.name, rows: count, parts }
}

async function reject(
  deps: ParseMeterLogDeps,
  file: ReceivedFile,
  profile: string,
  err: MeterLogRejected,
): Promise<ParseOutcome> {
  const outcome = {
    status: 'rejected',
    profile,
    line: err.line,
    code: err.rejection,
    reason: err.reason,
  } as const
  await deps.publisher.publish(
    FtpFileRejected,
    {
      fileId: file.fileId,
      stationId: file.stationId,
      name: file.name,
      profile,
      line: err.line,
      code: err.rejection,
      reason: err.reason,
    },
    { msgId: `ftp.file.rejected:${file.fileId}` },
  )
  await recordParseOutcome(deps.db, file.fileId, outcome, deps.clock())
  deps.logger.info(
    { fileId: file.fileId, stationId: file.stationId, line: err.line, reason: err.reason },
    'meter log rejected',
  )
  return outcome
}
