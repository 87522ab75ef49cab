import { type Database, type Kysely, sql, type Transaction } from '@chargebus/db'
import { type ListedFile, pulledFileKey } from '../domain/pull-files.ts'

/** A pulled file, remembered with its `ftp_files` row. */
export interface PulledFileRow extends ListedFile {
  readonly source: string
  readonly sha256: string
  readonly fileId: string
  readonly pulledAt: Date
}

/**
 * The keys (`pulledFileKey`) of the listed names' files that were already pulled from the source. Only the
 * listed names are read, so a source's long history costs nothing.
 */
export async function pulledFileKeys(
  db: Kysely<Database>,
  source: string,
  names: readonly string[],
): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const rows = await db
    .selectFrom('ftp_pull_files')
    .select(['name', 'size', 'mtime'])
    .where('source', '=', source)
    // One array parameter, however many names a directory lists (an IN list has a parameter per name).
    .where(sql<boolean>`name = any(${[...names]}::text[])`)
    .execute()
  return new Set(rows.map((r) => pulledFileKey({ name: r.name, size: Number(r.size), mtime: r.mtime })))
}

/**
 * Remembers a pulled file inside the transaction that records its `ftp_files` row: both or neither. A second
 * replica pulling the same file meets the primary key and its transaction rolls back.
 */
export async function rememberPulledFile(trx: Transaction<Database>, row: PulledFileRow): Promise<void> {
  await trx
    .insertInto('ftp_pull_files')
    .values({
      source: row.source,
      name: row.name,
      size: row.size,
      mtime: row.mtime,
      sha256: row.sha256,
      file_id: row.fileId,
      pulled_at: row.pulledAt,
    })
    .execute()
}

/**
 * Takes or renews the source's lease until `until`: it is granted when nobody holds it, the holder is us, or
 * the holder's lease ended before `now`. One statement, so two replicas cannot both win.
 */
export async function claimPullLease(
  db: Kysely<Database>,
  lease: { source: string; holder: string; now: Date; until: Date },
): Promise<boolean> {
  const row = await db
    .insertInto('ftp_pull_leases')
    .values({ source: lease.source, holder: lease.holder, expires_at: lease.until })
    .onConflict((oc) =>
      oc
        .column('source')
        .doUpdateSet({ holder: lease.holder, expires_at: lease.until })
        .where((eb) =>
          eb.or([
            eb('ftp_pull_leases.holder', '=', lease.holder),
            eb('ftp_pull_leases.expires_at', '<=', lease.now),
          ]),
        ),
    )
    .returning('holder')
    .executeTakeFirst()
  return row !== undefined
}

/** Gives the lease up (after a poll), so another replica need not wait for it to run out. */
export async function releasePullLease(db: Kysely<Database>, source: string, holder: string): Promise<void> {
  await db.deleteFrom('ftp_pull_leases').where('source', '=', source).where('holder', '=', holder).execute()
}
