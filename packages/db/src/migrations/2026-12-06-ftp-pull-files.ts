import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * Pull mode of the FTP edge (issue 16): files ftp-ingest fetched from remote FTP servers ("pull sources",
 * FTP_PULL_SOURCES). `ftp_pull_files` remembers each file pulled by what the server listed (source, name, size,
 * modification time), written in the same transaction as its `ftp_files` row, so a file is downloaded once across
 * restarts and replicas, and again only when it changes. `ftp_pull_leases` lets one replica at a time poll a source
 * (a lease row, not an advisory lock: pgbouncer's transaction pooling keeps no session).
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ftp_pull_files (
      source text not null check (length(source) between 1 and 64),
      name text not null check (length(name) between 1 and 255),
      size bigint not null check (size >= 0),
      mtime text not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      file_id uuid not null references ftp_files (id),
      pulled_at timestamptz not null,
      primary key (source, name, size, mtime)
    )`.execute(db)
  await sql`create index ftp_pull_files_file_idx on ftp_pull_files (file_id)`.execute(db)
  await sql`comment on table ftp_pull_files is
    'Files pulled from a remote FTP server (a pull source), keyed by what its listing said: a listed file with this source, name, size and mtime is not downloaded again. file_id: its ftp_files row.'`.execute(
    db,
  )
  await sql`
    create table ftp_pull_leases (
      source text primary key check (length(source) between 1 and 64),
      holder text not null,
      expires_at timestamptz not null
    )`.execute(db)
  await sql`comment on table ftp_pull_leases is
    'Which ftp-ingest replica polls a pull source (holder) until expires_at; another may take it over after that.'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ftp_pull_leases`.execute(db)
  await sql`drop table ftp_pull_files`.execute(db)
}
