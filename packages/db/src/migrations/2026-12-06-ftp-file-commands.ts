import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * An upload made with a command's one-time FTP credentials (GetDiagnostics without a location) names the
 * command, so the command's view can show the file. No foreign key: a command row may be pruned before its file.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ftp_files add column command_id uuid`.execute(db)
  await sql`create index ftp_files_command_idx on ftp_files (command_id) where command_id is not null`.execute(
    db,
  )
  await sql`comment on column ftp_files.command_id is
    'The command whose one-time FTP credentials made this upload (GetDiagnostics), else null.'`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ftp_files drop column command_id`.execute(db)
}
