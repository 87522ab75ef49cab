import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * Files received on the FTP edge (issue 16). One row per upload that was stored whole; the bytes are in object
 * storage under `object_key`. A station's second upload of the same bytes is recognised by its SHA-256: its row
 * points at the first (`duplicate_of`) and shares its object, so nothing is stored or parsed twice. The partial
 * unique index makes "first copy" a fact Postgres keeps under concurrent uploads.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ftp_files (
      id uuid primary key,
      station_id text not null check (length(station_id) between 1 and 255),
      name text not null check (length(name) between 1 and 255),
      object_key text not null,
      size bigint not null check (size >= 0),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      duplicate_of uuid references ftp_files (id),
      received_at timestamptz not null,
      remote_address text,
      check ((duplicate_of is null) or (duplicate_of <> id))
    )`.execute(db)
  await sql`create unique index ftp_files_first_copy_idx on ftp_files (station_id, sha256) where duplicate_of is null`.execute(
    db,
  )
  await sql`create index ftp_files_station_idx on ftp_files (station_id, received_at desc, id)`.execute(db)
  await sql`comment on table ftp_files is
    'Files stations uploaded over FTP (stored whole in object storage at object_key). duplicate_of: the station''s earlier upload with the same sha256, whose object this row shares.'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ftp_files`.execute(db)
}
