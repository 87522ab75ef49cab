import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * The firmware catalogue (issue 16): images operators upload through the API or CLI, stored whole in object
 * storage under `object_key`, served to stations by UpdateFirmware (over FTP). `name` is what a station
 * downloads, so it is a safe file name: letters, digits, `.`, `_`, `-`, 1 to 128 characters, no leading dot.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table firmware_images (
      id uuid primary key,
      name text not null unique check (name ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$'),
      version text not null check (length(version) between 1 and 64),
      size bigint not null check (size >= 0),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      object_key text not null,
      created_at timestamptz not null,
      description text check (length(description) <= 1000)
    )`.execute(db)
  await sql`comment on table firmware_images is
    'Firmware images for UpdateFirmware, stored whole in object storage at object_key; name is the file name stations download.'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table firmware_images`.execute(db)
}
