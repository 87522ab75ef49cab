import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * The station list filtered by a connector status (`GET /v1/stations?connectorStatus=Faulted`) walked the stations in
 * id order and probed each one's connectors: cheap when the status is common, a walk of the whole network when it
 * is rare, which is when an operator asks for it (a page with no match read every station). With connectors
 * indexed by (status, station_id), Postgres merges the two id-ordered walks and reads only the matching
 * connectors: measured on bench/api's year (10,000 stations, 2026-12-07), `Faulted` (none) 231 -> 2 buffers and
 * `Charging` (half) 6 buffers per page. Status changes update the index (they were HOT before); the table holds a
 * row per connector, so the index stays small.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index connectors_status_station_idx on connectors (status, station_id)`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index connectors_status_station_idx`.execute(db)
}
