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

async function writeCells(
  trx: Transaction<Database>,
  all: readonly CellRow[],
  mode: WriteMode,
): Promise<void> {
  const cells = all.filter((r) => r.connectorId !== STATION_LEVEL)
  const totals = all.filter((r) => r.connectorId === STATION_LEVEL)
  const starts = (rs: readonly CellRow[]) => rs.map((r) => new Date(r.bucketStart).toISOString())
  const values = (rs: readonly CellRow[]) => rs.map((r) => String(r.value))
  if (cells.length > 0)
    await sql`
      insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
      select * from unnest(
        ${cells.map((r) => r.metric)}::text[], ${cells.map((r) => r.bucketing)}::text[],
        ${starts(cells)}::timestamptz[],
        ${cells.map((r) => r.stationId)}::text[], ${cells.map((r) => r.connectorId)}::integer[],
        ${cells.map((r) => r.dim)}::text[], ${cells.map((r) => r.subDim)}::text[],
        ${cells.map((r) => r.timeZone)}::text[], ${values(cells)}::bigint[])
      ${
        mode === 'add'
          ? sql`on conflict (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim)
      do update set value = aggregates.value + excluded.value`
          : sql``
      }`.execute(trx)
  if (totals.length > 0)
    await sql`
      insert into aggregate_totals (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim, value)
      select * from unnest(
        ${totals.map((r) => r.bucketing)}::text[], ${starts(totals)}::timestamptz[],
        ${totals.map((r) => r.timeZone)}::text[], ${totals.map((r) => r.stationId)}::text[],
        ${totals.map((r) => r.metric)}::text[], ${totals.map((r) => r.dim)}::text[],
        ${totals.map((r) => r.subDim)}::text[], ${values(totals)}::bigint[])
      ${
        mode === 'add'
          ? sql`on conflict (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim)
      do update set value = aggregate_totals.value + excluded.value`
          : sql``
      }`.execute(trx)
}
