import { type Database, type Kysely, sql } from '@chargebus/db'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { exactTime, iso, pageOf, timeRange } from './rows.ts'

/** A file a station uploaded over FTP (`ftp_files`), as the API shows it. */
export interface StationFileView {
  id: string
  stationId: string
  name: string
  size: number
  sha256: string
  receivedAt: string
  /** The station's earlier upload of the same bytes, whose stored object this one serves; null: the first copy. */
  duplicateOf: string | null
  remoteAddress: string | null
}

/** A file's view plus where its bytes are (the first copy's object for a duplicate). */
export interface StationFileContent extends StationFileView {
  objectKey: string
}

export interface StationFileFilter {
  stationId: string
  from?: string | undefined
  to?: string | undefined
  /** Only names starting with this (case-sensitive). */
  prefix?: string | undefined
  limit: number
  cursor?: string | undefined
}

/* A duplicate's own object_key already names the first copy's object (ftp-ingest writes it so); the join makes
 * the first copy the one source of truth all the same. */
function selectFiles(db: Kysely<Database>) {
  return db
    .selectFrom('ftp_files as f')
    .leftJoin('ftp_files as first', 'first.id', 'f.duplicate_of')
    .select([
      'f.id',
      'f.station_id',
      'f.name',
      'f.size',
      'f.sha256',
      'f.received_at',
      'f.duplicate_of',
      'f.remote_address',
      sql<string>`coalesce(first.object_key, f.object_key)`.as('content_key'),
      exactTime('f.received_at').as('at_exact'),
    ])
}

type FileRow = Awaited<ReturnType<ReturnType<typeof selectFiles>['executeTakeFirstOrThrow']>>

function fileView(r: FileRow): StationFileView {
  return {
    id: r.id,
    stationId: r.station_id,
    name: r.name,
    size: Number(r.size),
    sha256: r.sha256,
    receivedAt: iso(r.received_at),
    duplicateOf: r.duplicate_of,
    remoteAddress: r.remote_address,
  }
}

/** A station's files, newest first (received_at desc, id desc: the index ftp_files_station_idx). */
export async function listStationFiles(
  db: Kysely<Database>,
  f: StationFileFilter,
): Promise<{ items: StationFileView[]; nextCursor: string | null }> {
  let q = selectFiles(db).where('f.station_id', '=', f.stationId)
  for (const condition of timeRange('f.received_at', f)) q = q.where(condition)
  if (f.prefix !== undefined) {
    // starts_with, not LIKE: a name prefix with % or _ means itself.
    q = q.where(sql<boolean>`starts_with(f.name, ${f.prefix})`)
  }
  if (f.cursor !== undefined) {
    const [at, id] = decodeCursor('station-files', f.cursor, ['timestamp', 'uuid']) as [string, string]
    q = q.where(sql<boolean>`(f.received_at, f.id) < (${at}::timestamptz, ${id}::uuid)`)
  }
  const rows = await q
    .orderBy('f.received_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(f.limit + 1)
    .execute()
  return pageOf(rows, f.limit, fileView, (r) => encodeCursor('station-files', [r.at_exact, r.id]))
}

/** One file by id, with the key of the object that holds its bytes. */
export async function findStationFile(
  db: Kysely<Database>,
  id: string,
): Promise<StationFileContent | undefined> {
  const row = await selectFiles(db).where('f.id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : { ...fileView(row), objectKey: row.content_key }
}

/** Whether Postgres knows the station: a stations row, or a file (a station may upload before it boots). */
export async function stationKnown(db: Kysely<Database>, stationId: string): Promise<boolean> {
  const { rows } = await sql<{
    known: boolean
  }>`select exists (select 1 from stations where id = ${stationId})
    or exists (select 1 from ftp_files where station_id = ${stationId}) as known`.execute(db)
  return rows[0]?.known === true
}
