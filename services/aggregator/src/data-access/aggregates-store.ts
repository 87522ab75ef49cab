import {
  copyLinesInto,
  copyTextField,
  type Database,
  type Kysely,
  sql,
  type Transaction,
} from '@chargebus/db'
import type { CellRow } from '../domain/cell-rows.ts'
import type { CellSeries } from '../domain/cell-sums.ts'
import { STATION_LEVEL, withRollupLevels } from '../domain/rollup-levels.ts'
import { type Column, columnNames, unnestRows } from './columns.ts'

/**
 * Adds each connector cell's value to its cell (`value = value + delta`; a new cell starts at the delta), and the
 * same deltas to the station and network totals (`withRollupLevels`), in two statements of the caller's
 * transaction: `unnest` of one array per column, in the rows' key order (see `compareCellRows`).
 */
export async function addToCells(trx: Transaction<Database>, rows: readonly CellRow[]): Promise<void> {
  if (rows.length === 0) return
  const all = withRollupLevels(rows)
  await addToTable(
    trx,
    CELLS,
    all.filter((r) => r.connectorId !== STATION_LEVEL),
  )
  await addToTable(
    trx,
    TOTALS,
    all.filter((r) => r.connectorId === STATION_LEVEL),
  )
}

/**
 * Copies summed cell series into the empty `aggregates` (connector cells) or `aggregate_totals` (station and
 * network totals) of `schema` (a rebuild's shadow tables). What the rows of a series share is encoded once; sums
 * of 0 are absent cells, not written.
 */
export async function copyCellSeries(
  db: Kysely<Database>,
  schema: string,
  table: 'aggregates' | 'aggregate_totals',
  series: ReadonlyMap<string, CellSeries>,
): Promise<void> {
  if (series.size === 0) return
  const { name, columns } = table === CELLS.name ? CELLS : TOTALS
  await copyLinesInto(
    db,
    `${schema}.${name}`,
    columns.map(([column]) => column),
    seriesLines(columns, series.values()),
  )
}

/**
 * COPY text lines of the series' non-zero cells. A series' rows differ only in their bucket start and value, so
 * the text between those two fields is encoded once per series, and a line is five strings joined.
 */
function* seriesLines(columns: readonly Column<CellRow>[], series: Iterable<CellSeries>): Generator<string> {
  const perCell = columns.flatMap(([name]) =>
    name === 'bucket_start' ? ['bucket' as const] : name === 'value' ? ['value' as const] : [],
  )
  for (const s of series) {
    const shared = { ...s, bucketStart: 0, value: 0 }
    // the text before, between and after the per-cell fields
    const between: string[] = []
    let text = ''
    columns.forEach(([name, , value], i) => {
      if (i > 0) text += '\t'
      if (name === 'bucket_start' || name === 'value') {
        between.push(text)
        text = ''
      } else text += copyTextField(value(shared))
    })
    between.push(text)
    for (const [at, value] of s.values) {
      if (value === 0) continue
      let line = between[0] as string
      for (let i = 0; i < perCell.length; i++)
        line += (perCell[i] === 'value' ? String(value) : bucketText(at)) + (between[i + 1] as string)
      yield line
    }
  }
}

/**
 * A bucket start as timestamptz text. Cells share a few thousand bucket starts (hours, days, months), and
 * `toISOString` per row took 1.3 s of CPU in a 250,000-event bench (upserts and COPY): each is formatted once (the map is reset past
 * 100,000 entries, so a long-running service holds a bounded number).
 */
const bucketTexts = new Map<number, string>()
function bucketText(start: number): string {
  let text = bucketTexts.get(start)
  if (text === undefined) {
    if (bucketTexts.size >= 100_000) bucketTexts.clear()
    text = new Date(start).toISOString()
    bucketTexts.set(start, text)
  }
  return text
}

/** A cell table: its columns and its key (the columns an upsert conflicts on). */
interface CellTable {
  readonly name: 'aggregates' | 'aggregate_totals'
  readonly columns: readonly Column<CellRow>[]
  readonly key: readonly string[]
}

const C = {
  metric: ['metric', 'text', (r) => r.metric],
  bucketing: ['bucketing', 'text', (r) => r.bucketing],
  bucketStart: ['bucket_start', 'timestamptz', (r) => bucketText(r.bucketStart)],
  stationId: ['station_id', 'text', (r) => r.stationId],
  connectorId: ['connector_id', 'integer', (r) => r.connectorId],
  dim: ['dim', 'text', (r) => r.dim],
  subDim: ['sub_dim', 'text', (r) => r.subDim],
  timeZone: ['time_zone', 'text', (r) => r.timeZone],
  value: ['value', 'bigint', (r) => String(r.value)],
} satisfies Record<string, Column<CellRow>>

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

/**
 * One upsert for the rows. A cell whose sum reaches 0 is deleted in the same transaction (0 means absent, as in a
 * rebuild; re-booked connector time leaves many): the upsert returns only those keys, and a second statement
 * deletes them (our own locked rows, so no one else's change is lost: a concurrent writer of the key waits, then
 * inserts it anew).
 */
async function addToTable(
  trx: Transaction<Database>,
  table: CellTable,
  rows: readonly CellRow[],
): Promise<void> {
  if (rows.length === 0) return
  const key = sql.join(table.key.map((c) => sql.id(c)))
  const zeros = await sql<Record<string, unknown>>`
    with added as (
      insert into ${sql.table(table.name)} (${columnNames(table.columns)})
      select * from ${unnestRows(table.columns, rows)}
      on conflict (${key}) do update set value = ${sql.ref(`${table.name}.value`)} + excluded.value
      returning ${key}, value)
    select ${key} from added where value = 0`.execute(trx)
  if (zeros.rows.length === 0) return
  const keyColumns = table.key.map((name): Column<Record<string, unknown>> => {
    const type = table.columns.find(([n]) => n === name)?.[1] ?? 'text'
    return [name, type, (r) => r[name]]
  })
  await sql`
    delete from ${sql.table(table.name)} t
     using ${unnestRows(keyColumns, zeros.rows)} as z(${key})
     where ${sql.join(
       table.key.map((c) => sql`${sql.ref(`t.${c}`)} = ${sql.ref(`z.${c}`)}`),
       sql` and `,
     )} and t.value = 0`.execute(trx)
}
