import { type Database, type Kysely, sql, type Transaction } from '@chargebus/db'

/** The schema the rebuild writes into: the same tables, same DDL (`like ... including all`), other rows. */
export const SHADOW_SCHEMA = 'aggregates_rebuild'

/**
 * The tables a rebuild recomputes and swaps: the cells and the facts they were computed from (a swap of one
 * without the other would leave the next delta subtracting what was never booked). A new table the apply path
 * writes belongs here.
 */
export const REBUILT_TABLES = [
  'aggregates',
  'aggregate_totals',
  'aggregator_sessions',
  'aggregator_connectors',
] as const

/** The key of `aggregate_totals` but its `station_id` (a station's row and the network's share it). */
const TOTALS_KEY = sql`bucketing, bucket_start, time_zone, metric, dim, sub_dim`

/** Drops what an earlier (interrupted) rebuild left and creates empty shadow tables like the live ones. */
export async function createShadow(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`drop schema if exists ${sql.id(SHADOW_SCHEMA)} cascade`.execute(trx)
    await sql`create schema ${sql.id(SHADOW_SCHEMA)}`.execute(trx)
    for (const table of REBUILT_TABLES) {
      await sql`create table ${sql.table(`${SHADOW_SCHEMA}.${table}`)} (like ${sql.table(`public.${table}`)} including all)`.execute(
        trx,
      )
    }
  })
}

export async function dropShadow(db: Kysely<Database>): Promise<void> {
  await sql`drop schema if exists ${sql.id(SHADOW_SCHEMA)} cascade`.execute(db)
}

/**
 * Points the transaction's unqualified table names at the shadow tables (`stations` still resolves to public):
 * the service's own apply code then writes the shadow, with no second copy of it. `set local` ends with the
 * transaction, so it is safe through pgbouncer.
 */
export async function useShadow(trx: Transaction<Database>): Promise<void> {
  await sql`set local search_path to ${sql.id(SHADOW_SCHEMA)}, public`.execute(trx)
}

export async function useLive(trx: Transaction<Database>): Promise<void> {
  await sql`set local search_path to public`.execute(trx)
}

/**
 * Locks the live facts tables against the aggregator's writers (its batches and timer insert and lock facts rows
 * first, so they wait here), while readers of `aggregates` keep reading (EXCLUSIVE lets plain SELECTs through).
 */
export async function lockLiveWriters(trx: Transaction<Database>): Promise<void> {
  await sql`lock table public.aggregator_sessions, public.aggregator_connectors in exclusive mode`.execute(
    trx,
  )
}

/**
 * Replaces the live rows of the scope (all, or one station's) with the shadow's, table by table, inside the
 * caller's transaction: readers see the old rows until it commits, then the new ones (MVCC), never a half-built
 * table. Cells that are 0 are not copied.
 */
export async function swapRows(
  trx: Transaction<Database>,
  stationId: string | undefined,
): Promise<Record<(typeof REBUILT_TABLES)[number], number>> {
  const counts = { aggregates: 0, aggregate_totals: 0, aggregator_sessions: 0, aggregator_connectors: 0 }
  for (const table of REBUILT_TABLES) {
    const live = sql.table(`public.${table}`)
    const shadow = sql.table(`${SHADOW_SCHEMA}.${table}`)
    const scope = stationId === undefined ? sql`true` : sql`station_id = ${stationId}`
    const nonZero = table === 'aggregates' || table === 'aggregate_totals' ? sql`value <> 0` : sql`true`
    // One station's rebuild: the network's totals (station_id '') lose the station's old totals and gain its new ones.
    if (table === 'aggregate_totals' && stationId !== undefined) await moveNetworkShare(trx, stationId)
    await sql`delete from ${live} where ${scope}`.execute(trx)
    const inserted =
      await sql`insert into ${live} select * from ${shadow} where ${scope} and ${nonZero}`.execute(trx)
    counts[table] = Number(inserted.numAffectedRows ?? 0)
  }
  return counts
}

/**
 * For a one-station swap: subtracts the station's live totals from the network's rows and adds the shadow's
 * (the shadow's network rows hold only this station's share, so they are not copied).
 */
async function moveNetworkShare(trx: Transaction<Database>, stationId: string): Promise<void> {
  for (const [source, sign] of [
    [sql.table('public.aggregate_totals'), -1],
    [sql.table(`${SHADOW_SCHEMA}.aggregate_totals`), 1],
  ] as const) {
    await sql`
      insert into public.aggregate_totals (${TOTALS_KEY}, station_id, value)
      select ${TOTALS_KEY}, '', ${sign} * value from ${source} where station_id = ${stationId}
      on conflict (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim)
      do update set value = aggregate_totals.value + excluded.value`.execute(trx)
  }
}
