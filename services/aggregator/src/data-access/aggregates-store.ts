import { type Database, sql, type Transaction } from '@chargebus/db'
import type { CellRow } from '../domain/cell-rows.ts'

/**
 * Adds each row's value to its cell (`value = value + delta`; a new cell starts at the delta), in one
 * statement: `unnest` of one array per column, in the rows' order (sorted by key, see `cellRows`).
 */
export async function addToCells(trx: Transaction<Database>, rows: readonly CellRow[]): Promise<void> {
  if (rows.length === 0) return
  await sql`
    insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
    select * from unnest(
      ${rows.map((r) => r.metric)}::text[], ${rows.map((r) => r.bucketing)}::text[],
      ${rows.map((r) => new Date(r.bucketStart).toISOString())}::timestamptz[],
      ${rows.map((r) => r.stationId)}::text[], ${rows.map((r) => r.connectorId)}::integer[],
      ${rows.map((r) => r.dim)}::text[], ${rows.map((r) => r.subDim)}::text[],
      ${rows.map((r) => r.timeZone)}::text[], ${rows.map((r) => String(r.value))}::bigint[])
    on conflict (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim)
    do update set value = aggregates.value + excluded.value`.execute(trx)
}
