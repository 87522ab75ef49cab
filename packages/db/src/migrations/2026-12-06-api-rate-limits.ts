import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * The API's rate-limit counters, shared by every replica (they were per process): one row per key (an API key
 * or a client address) with the start of its window and the requests counted in it. UNLOGGED: a counter is
 * worth no WAL, and after a crash Postgres empties the table, which only restarts the windows.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create unlogged table api_rate_limits (
      key text primary key,
      window_started_at timestamptz not null,
      hits integer not null check (hits > 0)
    )`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table api_rate_limits`.execute(db)
}
