import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * The aggregator's tables are counters: every batch updates `value` (and the facts rows) in place. With free room
 * on each page, such an update is HOT (heap-only: no new entry in any index), so the upserts skip the index
 * maintenance that dominated the aggregator's Postgres time. New pages keep 30% free; existing pages get it when
 * the table is rewritten (VACUUM FULL, or a rebuild's rows filling new pages).
 */

const TABLES = ['aggregates', 'aggregate_totals', 'aggregator_sessions', 'aggregator_connectors']

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) await sql`alter table ${sql.table(table)} set (fillfactor = 70)`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) await sql`alter table ${sql.table(table)} reset (fillfactor)`.execute(db)
}
