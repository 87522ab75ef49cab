import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 * It takes `Kysely<any>` and imports nothing from the package, so later type changes cannot alter it.
 *
 * `bi.csv_text(text)`: a text value a spreadsheet will not run as a formula (CSV injection, OWASP). Station
 * identities, id tags, units and raw values are station-controlled text: one that starts like a formula
 * (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading apostrophe, unless it is a plain number. The
 * API's CSV exports use it on every such column; BI tools that write CSV themselves can too.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function bi.csv_text(value text) returns text
    language sql immutable parallel safe as $fn$
      select case
        when value ~ '^[=+@\t\r-]' and value !~ '^[+-]?[0-9]+([.][0-9]+)?$' then '''' || value
        else value
      end
    $fn$`.execute(db)
  await sql`
    comment on function bi.csv_text(text) is
      'The text with a leading apostrophe when a spreadsheet would read it as a formula (starts with = + - @ tab or CR and is not a number).'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function bi.csv_text(text)`.execute(db)
}
