import type { Database, Kysely } from '@chargebus/db'
import { type AggregateKind, GROUP_COLUMNS, KIND_METRICS } from '../domain/aggregates.ts'
import { type AggregateQuery, aggregateSelect, groupKey } from './aggregates.ts'

/** The CSV columns of each kind after the bucket and the group's dimensions: its metrics (and the ratios). */
const METRIC_COLUMNS: Record<AggregateKind, readonly string[]> = {
  energy: KIND_METRICS.energy,
  utilization: [
    ...KIND_METRICS.utilization,
    // The same ratios as availabilityOf (and bi.connector_availability), computed where COPY runs.
    `(charging_ms + idle_ms + free_ms)::double precision
       / nullif(charging_ms + idle_ms + free_ms + unavailable_ms + faulted_ms, 0) as availability`,
    'charging_ms::double precision / nullif(charging_ms + idle_ms + free_ms, 0) as utilization',
  ],
  faults: KIND_METRICS.faults,
}

/** A text value a spreadsheet will not run as a formula (`bi.csv_text`, CSV injection). */
const inert = (column: string, as = column) => `bi.csv_text(${column}) as ${as}`

/**
 * The `COPY ... TO STDOUT` statement of an aggregate export: the JSON listing's grouped select (one query
 * shape, one set of sums) without a limit, bounded by the same range rules, with text cells made inert.
 * COPY takes no bind parameters, so the compiled select's parameters (all strings: metric names, the
 * bucketing, from, to, the station) are inlined as escaped literals; the SQL text itself has no other `$n`.
 */
export function aggregateCopySql(
  db: Kysely<Database>,
  q: AggregateQuery,
  literal: (value: string) => string,
): string {
  const compiled = aggregateSelect(q).compile(db)
  const select = compiled.sql.replace(/\$(\d+)/g, (_, i: string) => {
    const value = compiled.parameters[Number(i) - 1]
    if (typeof value !== 'string') throw new Error(`aggregate export: parameter $${i} is not a string`)
    return literal(value)
  })
  const dims = GROUP_COLUMNS[q.groupBy] as readonly string[]
  const columns = [
    'bucket_exact as bucket_start',
    'local_start',
    inert('time_zone'),
    ...(dims.includes('station_id') ? [inert('station_id')] : []),
    ...(dims.includes('connector_id') ? ['connector_id'] : []),
    ...(q.kind === 'energy' && q.groupBy === 'idTag' ? [inert('dim', 'id_tag')] : []),
    ...(q.kind === 'faults' ? [inert('dim', 'error_code'), inert('sub_dim', 'vendor_error_code')] : []),
    ...METRIC_COLUMNS[q.kind],
  ]
  const order = groupKey(q)
    .map((c) => `t.${c}`)
    .join(', ')
  return `copy (select ${columns.join(', ')} from (${select}) t order by ${order}) to stdout with (format csv, header)`
}
