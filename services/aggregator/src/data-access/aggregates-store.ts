import { type Database, sql, type Transaction } from '@chargebus/db'
import type { CellRow } from '../domain/cell-rows.ts'
import { STATION_LEVEL, withRollupLevels } from '../domain/rollup-levels.ts'

/** How rows meet existing cells: added to them (the incremental rule), or inserted into an empty table. */
type WriteMode = 'add' | 'insert'

/**
 * Adds each connector cell's value to its cell (`value = value + delta`; a new cell starts at the delta), and the
 * same deltas to the station and network totals (`withRollupLevels`), in two statements of the caller's
 * transaction: `unnest` of one array per column, in the rows' key order (see `compareCellRows`).
 */
export async function addToCells(trx: Transaction<Database>, rows: readonly CellRow[]): Promise<void> {
  if (rows.length === 0) return
  await writeCells(trx, withRollupLevels(rows), 'add')
}

/**
 * Inserts cells that are already summed per key, connector cells and totals (`withRollupLevels`' output), into
 * tables that hold none of them: a rebuild's shadow tables.
 */
export async function insertCells(trx: Transaction<Database>, levelled: readonly CellRow[]): Promise<void> {
  await writeCells(trx, levelled, 'insert')
}

/** A cell table: its columns with each one's SQL type and value from a row, and its key (a prefix of them). */
interface CellTable {
  readonly name: 'aggregates' | 'aggregate_totals'
  readonly columns: readonly (readonly [name: string, type: string, value: (r: CellRow) => unknown])[]
  readonly key: readonly string[]
}

const CELL_COLUMNS = {
  metric: ['metric', 'text', (r) => r.metric],
  bucketing: ['bucketing', 'text', (r) => r.bucketing],
  bucketStart: ['bucket_start', 'timestamptz', (r) => new Date(r.bucketStart).toISOString()],
  stationId: ['station_id', 'text', (r) => r.stationId],
  connectorId: ['connector_id', 'integer', (r) => r.connectorId],
  dim: ['dim', 'text', (r) => r.dim],
  subDim: ['sub_dim', 'text', (r) => r.subDim],
  timeZone: ['time_zone', 'text', (r) => r.timeZone],
  value: ['value', 'bigint', (r) => String(r.value)],
} satisfies Record<string, CellTable['columns'][number]>

const C = CELL_COLUMNS
const CELLS: CellTable = {
  name: 'aggregates',
  columns: [
    C.metric,
    C.bucketing,
    C.bucketStart,
    C.stationId,
    C.connectorId,
    C.dim,
    C.subDim,
    C.timeZone,
    C.value,
  ],
  key: ['metric', 'bucketing', 'bucket_start', 'station_id', 'connector_id', 'dim', 'sub_dim'],
}
const TOTALS: CellTable = {
  name: 'aggregate_totals',
  columns: [C.bucketing, C.bucketStart, C.timeZone, C.stationId, C.metric, C.dim, C.subDim, C.value],
  key: ['bucketing', 'bucket_start', 'time_zone', 'station_id', 'metric', 'dim', 'sub_dim'],
}

async function writeCells(
  trx: Transaction<Database>,
  all: readonly CellRow[],
  mode: WriteMode,
): Promise<void> {
  await writeTable(
    trx,
    CELLS,
    all.filter((r) => r.connectorId !== STATION_LEVEL),
    mode,
  )
  await writeTable(
    trx,
    TOTALS,
    all.filter((r) => r.connectorId === STATION_LEVEL),
    mode,
  )
}

/**
 * One statement for the rows (`unnest` of one array per column). Adding, a cell whose sum reaches 0 is deleted in
 * the same transaction (0 means absent, as in a rebuild; re-booked connector time leaves many): the upsert
 * returns only those keys, and a second statement deletes them (our own locked rows, so no one else's change is
 * lost: a concurrent writer of the key waits, then inserts it anew).
 */
async function writeTable(
  trx: Transaction<Database>,
  table: CellTable,
  rows: readonly CellRow[],
  mode: WriteMode,
): Promise<void> {
  if (rows.length === 0) return
  const names = sql.join(table.columns.map(([name]) => sql.id(name)))
  const arrays = sql.join(table.columns.map(([, type, value]) => sql`${rows.map(value)}::${sql.raw(type)}[]`))
  const insert = sql`insert into ${sql.table(table.name)} (${names}) select * from unnest(${arrays})`
  if (mode === 'insert') {
    await insert.execute(trx)
    return
  }
  const key = sql.join(table.key.map((c) => sql.id(c)))
  const zeros = await sql<Record<string, unknown>>`
    with added as (
      ${insert}
      on conflict (${key}) do update set value = ${sql.ref(`${table.name}.value`)} + excluded.value
      returning ${key}, value)
    select ${key} from added where value = 0`.execute(trx)
  if (zeros.rows.length === 0) return
  const types = new Map(table.columns.map(([name, type]) => [name, type]))
  const keyArrays = sql.join(
    table.key.map((c) => sql`${zeros.rows.map((r) => r[c])}::${sql.raw(types.get(c) ?? 'text')}[]`),
  )
  await sql`
    delete from ${sql.table(table.name)} t
     using unnest(${keyArrays}) as z(${key})
     where ${sql.join(
       table.key.map((c) => sql`${sql.ref(`t.${c}`)} = ${sql.ref(`z.${c}`)}`),
       sql` and `,
     )} and t.value = 0`.execute(trx)
}
