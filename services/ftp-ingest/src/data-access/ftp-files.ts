import type { Database, Kysely, Transaction } from '@chargebus/db'

/** One stored upload, as `recordUpload` writes it. */
export interface UploadRow {
  readonly id: string
  readonly stationId: string
  readonly name: string
  readonly objectKey: string
  readonly size: number
  readonly sha256: string
  readonly receivedAt: Date
  readonly remoteAddress: string | null
  /** The command whose one-time credentials made the upload. */
  readonly commandId: string | null
}

/** Where a recorded upload's bytes are, and which earlier upload it repeats (null: it is the first copy). */
export interface RecordedUpload {
  readonly duplicateOf: string | null
  readonly objectKey: string
}

/**
 * Records an upload inside the caller's transaction. The first copy of the station's bytes (by SHA-256) is kept
 * as is; a later one points at it and shares its object. Two concurrent first copies meet on the partial unique
 * index `ftp_files_first_copy_idx`: the second waits for the first to commit and becomes its duplicate.
 */
export async function recordUpload(trx: Transaction<Database>, row: UploadRow): Promise<RecordedUpload> {
  const values = {
    id: row.id,
    station_id: row.stationId,
    name: row.name,
    object_key: row.objectKey,
    size: row.size,
    sha256: row.sha256,
    received_at: row.receivedAt,
    remote_address: row.remoteAddress,
    command_id: row.commandId,
  }
  const first = await trx
    .insertInto('ftp_files')
    .values(values)
    .onConflict((oc) => oc.columns(['station_id', 'sha256']).where('duplicate_of', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (first !== undefined) return { duplicateOf: null, objectKey: row.objectKey }
  const original = await trx
    .selectFrom('ftp_files')
    .select(['id', 'object_key'])
    .where('station_id', '=', row.stationId)
    .where('sha256', '=', row.sha256)
    .where('duplicate_of', 'is', null)
    .executeTakeFirstOrThrow()
  await trx
    .insertInto('ftp_files')
    .values({ ...values, object_key: original.object_key, duplicate_of: original.id })
    .execute()
  return { duplicateOf: original.id, objectKey: original.object_key }
}

/** Bytes the station's first copies hold (what counts against its quota). */
export async function storedBytes(db: Kysely<Database>, stationId: string): Promise<number> {
  const row = await db
    .selectFrom('ftp_files')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('size'), eb.lit(0)).as('bytes'))
    .where('station_id', '=', stationId)
    .where('duplicate_of', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.bytes)
}

/** A station's uploads as its FTP listing shows them, newest first. */
export interface ListedUpload {
  readonly name: string
  readonly size: number
  readonly receivedAt: Date
}

/** With `name`, only the uploads of that name (SIZE or LIST of one file). */
export async function listUploads(
  db: Kysely<Database>,
  stationId: string,
  limit: number,
  name?: string,
): Promise<ListedUpload[]> {
  const rows = await db
    .selectFrom('ftp_files')
    .select(['name', 'size', 'received_at'])
    .where('station_id', '=', stationId)
    .$if(name !== undefined, (q) => q.where('name', '=', name as string))
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ name: r.name, size: Number(r.size), receivedAt: r.received_at }))
}
