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

/**
 * Drops what an earlier (interrupted) rebuild left and creates empty shadow tables like the live ones, WITHOUT
 * their indexes: the fold's rows go in as plain inserts, and {@link indexShadow} builds the indexes once after.
 */
export async function createShadow(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`drop schema if exists ${sql.id(SHADOW_SCHEMA)} cascade`.execute(trx)
    await sql`create schema ${sql.id(SHADOW_SCHEMA)}`.execute(trx)
    for (const table of REBUILT_TABLES) {
      await sql`create table ${sql.table(`${SHADOW_SCHEMA}.${table}`)} (like ${sql.table(`public.${table}`)} including all excluding indexes)`.execute(
        trx,
      )
    }
  })
}

/**
 * Builds the live tables' UNIQUE indexes on the loaded shadow tables (each index's own definition, pointed at the
 * shadow), then ANALYZEs them for the swap's joins. The unique ones are what the swap's catch-up needs (its
 * upserts name their conflict target); the others serve readers of the live tables, never of the shadow.
 */
export async function indexShadow(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // sorts for the index builds in memory rather than on disk (this transaction only)
    await sql`set local maintenance_work_mem = '256MB'`.execute(trx)
    for (const table of REBUILT_TABLES) {
      const defs = await sql<{ indexdef: string }>`
        select pg_get_indexdef(i.indexrelid) as indexdef from pg_index i
        where i.indrelid = ${`public.${table}`}::regclass and i.indisunique`.execute(trx)
      for (const { indexdef } of defs.rows) {
        const live = ` ON public.${table} `
        if (!indexdef.includes(live)) throw new Error(`unexpected index definition: ${indexdef}`)
        await sql.raw(indexdef.replace(live, ` ON ${SHADOW_SCHEMA}.${table} `)).execute(trx)
      }
      await sql`analyze ${sql.table(`${SHADOW_SCHEMA}.${table}`)}`.execute(trx)
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

/** What a swap changed in one live table. */
export interface SwapCounts {
  /** Rows of the scope the live table now holds (the shadow's). */
  rows: number
  inserted: number
  updated: number
  deleted: number
}

/**
 * Makes the live rows of the scope (all, or one station's) equal to the shadow's, table by table, inside the
 * caller's transaction, writing only the difference: live rows the shadow lacks are deleted, rows whose values
 * differ are updated, new rows inserted (cells that are 0 count as absent). Readers see the old rows until it
 * commits, then the new ones (MVCC), never a half-built table; a rebuild of correct rollups writes almost nothing.
 */
export async function swapRows(
  trx: Transaction<Database>,
  stationId: string | undefined,
): Promise<Record<(typeof REBUILT_TABLES)[number], SwapCounts>> {
  const counts = {} as Record<(typeof REBUILT_TABLES)[number], SwapCounts>
  for (const table of REBUILT_TABLES) {
    // One station's rebuild: the network's totals (station_id '') lose the station's old totals and gain its new ones.
    if (table === 'aggregate_totals' && stationId !== undefined) await moveNetworkShare(trx, stationId)
    counts[table] = await swapTable(trx, table, stationId)
  }
  return counts
}

async function swapTable(
  trx: Transaction<Database>,
  table: string,
  stationId: string | undefined,
): Promise<SwapCounts> {
  const { key, other } = await tableColumns(trx, table)
  const live = sql.table(`public.${table}`)
  const shadow = sql.table(`${SHADOW_SCHEMA}.${table}`)
  const refs = (alias: string, columns: readonly string[]) =>
    sql.join(columns.map((c) => sql.ref(`${alias}.${c}`)))
  const sameKey = sql.join(
    key.map((c) => sql`${sql.ref(`s.${c}`)} = ${sql.ref(`l.${c}`)}`),
    sql` and `,
  )
  const inScope = (alias: string) =>
    stationId === undefined ? sql`true` : sql`${sql.ref(`${alias}.station_id`)} = ${stationId}`
  const held = other.includes('value') ? sql`s.value <> 0` : sql`true`
  // updated_at says when a row was written, not what it holds: a rebuild does not rewrite a row for it
  const compared = other.filter((c) => c !== 'updated_at')
  const deleted = await sql`
    delete from ${live} l where ${inScope('l')}
      and not exists (select 1 from ${shadow} s where ${sameKey} and ${held})`.execute(trx)
  const updated = await sql`
    update ${live} l set ${sql.join(other.map((c) => sql`${sql.id(c)} = ${sql.ref(`s.${c}`)}`))}
    from ${shadow} s
    where ${sameKey} and ${inScope('l')} and ${held}
      and (${refs('l', compared)}) is distinct from (${refs('s', compared)})`.execute(trx)
  const all = [...key, ...other]
  const inserted = await sql`
    insert into ${live} (${sql.join(all.map((c) => sql.id(c)))})
    select ${refs('s', all)} from ${shadow} s
    where ${inScope('s')} and ${held}
      and not exists (select 1 from ${live} l where ${sameKey})`.execute(trx)
  const rows = await sql<{ n: string }>`select count(*) as n from ${live} l where ${inScope('l')}`.execute(
    trx,
  )
  return {
    rows: Number(rows.rows[0]?.n ?? 0),
    inserted: Number(inserted.numAffectedRows ?? 0),
    updated: Number(updated.numAffectedRows ?? 0),
    deleted: Number(deleted.numAffectedRows ?? 0),
  }
}

/** A live table's primary key columns, in key order, and its other columns. */
async function tableColumns(
  trx: Transaction<Database>,
  table: string,
): Promise<{ key: string[]; other: string[] }> {
  const columns = await sql<{ name: string; key_position: number | null }>`
    select a.attname as name, array_position(i.indkey::int2[], a.attnum) as key_position
    from pg_attribute a
    left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
    where a.attrelid = ${`public.${table}`}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(trx)
  const key = columns.rows
    .filter((c) => c.key_position !== null)
    .sort((a, b) => (a.key_position ?? 0) - (b.key_position ?? 0))
    .map((c) => c.name)
  if (key.length === 0) throw new Error(`${table} has no primary key to swap rows by`)
  return { key, other: columns.rows.filter((c) => c.key_position === null).map((c) => c.name) }
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
