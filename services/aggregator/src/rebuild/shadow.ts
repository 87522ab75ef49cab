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
  'aggregator_connector_records',
] as const

/** The key of `aggregate_totals` but its `station_id` (a station's row and the network's share it). */
const TOTALS_KEY = sql`bucketing, bucket_start, time_zone, metric, dim, sub_dim`

/**
 * Drops what an earlier (interrupted) rebuild left and creates empty shadow tables like the live ones, WITHOUT
 * their indexes: the fold's rows go in with COPY, and no one looks a row up by key in the shadow (the swap joins
 * whole tables; what arrives meanwhile is applied to the live tables after it), so none are built.
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

/** Statistics on the loaded shadow tables, so the swap's joins are planned for their real sizes. */
export async function analyzeShadow(db: Kysely<Database>): Promise<void> {
  for (const table of REBUILT_TABLES) await sql`analyze ${sql.table(`${SHADOW_SCHEMA}.${table}`)}`.execute(db)
}

export async function dropShadow(db: Kysely<Database>): Promise<void> {
  await sql`drop schema if exists ${sql.id(SHADOW_SCHEMA)} cascade`.execute(db)
}

/**
 * Locks the live facts tables against the aggregator's writers (its batches and timer insert and lock facts rows
 * first, so they wait here), while readers of `aggregates` keep reading (EXCLUSIVE lets plain SELECTs through).
 */
export async function lockLiveWriters(trx: Transaction<Database>): Promise<void> {
  await sql`lock table public.aggregator_sessions, public.aggregator_connectors, public.aggregator_connector_records
    in exclusive mode`.execute(trx)
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
  // The diffs join whole tables: with the default 4 MB per hash they spill to disk in batches (a third of a
  // rebuild's time in the 1,000,000-event bench). This transaction only.
  await sql`set local work_mem = '256MB'`.execute(trx)
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
  const sameKey = (a: string, b: string) =>
    sql.join(
      key.map((c) => sql`${sql.ref(`${a}.${c}`)} = ${sql.ref(`${b}.${c}`)}`),
      sql` and `,
    )
  const inScope = stationId === undefined ? sql`true` : sql`station_id = ${stationId}`
  const held = other.includes('value') ? sql`value <> 0` : sql`true`
  // updated_at says when a row was written, not what it holds: a rebuild does not rewrite a row for it
  const compared = other.filter((c) => c !== 'updated_at')
  // a table that is all key (status records) has rows to insert and delete, never one to update
  const differs =
    compared.length === 0 ? sql`` : sql`or (${refs('l', compared)}) is distinct from (${refs('s', compared)})`
  const first = sql.ref(`l.${key[0]}`)
  const firstShadow = sql.ref(`s.${key[0]}`)
  // ONE join of the two tables (a hash full join: each read once) finds the difference; the three statements
  // after it touch only the differing rows, by key. Joining the whole tables once per statement (a delete, an
  // update, an insert) took 3/4 of the swap.
  await sql`
    create temp table swap_diff on commit drop as
    select case when ${first} is null then 'insert' when ${firstShadow} is null then 'delete' else 'update' end
             as change,
           ${sql.join([
             ...key.map((c) => sql`coalesce(${sql.ref(`s.${c}`)}, ${sql.ref(`l.${c}`)}) as ${sql.id(c)}`),
             ...other.map((c) => sql.ref(`s.${c}`)),
           ])}
      from (select * from ${live} where ${inScope}) l
      full join (select * from ${shadow} where ${inScope} and ${held}) s on ${sameKey('s', 'l')}
     where ${first} is null or ${firstShadow} is null ${differs}`.execute(trx)
  await sql`analyze swap_diff`.execute(trx)
  const deleted = await sql`
    delete from ${live} l using swap_diff d where d.change = 'delete' and ${sameKey('d', 'l')}`.execute(trx)
  const updated =
    other.length === 0
      ? { numAffectedRows: 0n }
      : await sql`
          update ${live} l set ${sql.join(other.map((c) => sql`${sql.id(c)} = ${sql.ref(`d.${c}`)}`))}
            from swap_diff d where d.change = 'update' and ${sameKey('d', 'l')}`.execute(trx)
  const all = [...key, ...other]
  const inserted = await sql`
    insert into ${live} (${sql.join(all.map((c) => sql.id(c)))})
    select ${refs('d', all)} from swap_diff d where d.change = 'insert'`.execute(trx)
  await sql`drop table swap_diff`.execute(trx)
  // the live scope now holds the shadow's rows: count those (a fresh table, not the live one's dead versions)
  const rows = await sql<{
    n: string
  }>`select count(*) as n from ${shadow} where ${inScope} and ${held}`.execute(trx)
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
