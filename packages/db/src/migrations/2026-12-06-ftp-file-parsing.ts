import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * What ftp-ingest's meter-log parser made of an upload (issue 16). Null until a file is parsed; files that are not
 * meter logs (diagnostics) and duplicates stay null. A rejected file keeps its row and its object: the line and
 * the reason say what to fix.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table ftp_files
      add column parse_status text check (parse_status in ('parsed', 'rejected')),
      add column parse_profile text,
      add column parsed_rows integer check (parsed_rows >= 0),
      add column rejected_line integer check (rejected_line >= 1),
      add column rejected_code text,
      add column rejected_reason text,
      add column parsed_at timestamptz,
      add check ((parse_status = 'parsed') = (parsed_rows is not null)),
      add check ((parse_status = 'rejected') = (rejected_line is not null and rejected_reason is not null))`.execute(
    db,
  )
  await sql`comment on column ftp_files.parse_status is
    'Meter logs only: parsed (every row published as ftp.file.parsed) or rejected (nothing published but ftp.file.rejected: rejected_line, rejected_reason). Null: not a meter log, a duplicate, or not parsed yet.'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table ftp_files
      drop column parse_status, drop column parse_profile, drop column parsed_rows, drop column rejected_line,
      drop column rejected_code, drop column rejected_reason, drop column parsed_at`.execute(db)
}
