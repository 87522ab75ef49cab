import { parseCellKey, type Tally } from './tally.ts'

/** A rollup cell as the `aggregates` table keys it, with the value to add. */
export interface CellRow {
  readonly metric: string
  /** utc:hour, utc:day, utc:month, local:day, local:month. */
  readonly bucketing: string
  readonly bucketStart: number
  readonly stationId: string
  readonly connectorId: number
  readonly dim: string
  readonly subDim: string
  readonly timeZone: string
  readonly value: number
}

/** Domain metric -> table metric. */
const METRICS: Readonly<Record<string, string>> = {
  energyWh: 'energy_wh',
  sessionsStarted: 'sessions_started',
  sessionsCompleted: 'sessions_completed',
  'ms.charging': 'charging_ms',
  'ms.pluggedIdle': 'idle_ms',
  'ms.free': 'free_ms',
  'ms.unavailable': 'unavailable_ms',
  'ms.faulted': 'faulted_ms',
  'ms.unknown': 'unknown_ms',
  faults: 'faults',
}

/** The table's metric of a domain metric (`energyWh` is `energy_wh`). */
export function tableMetric(metric: string): string {
  const name = METRICS[metric]
  if (name === undefined) throw new Error(`no table metric for ${metric}`)
  return name
}

/** `utc:hour` stays; `Europe/Berlin:day` is `local:day` in zone Europe/Berlin. */
export function tableBucketing(id: string): { bucketing: string; timeZone: string } {
  if (id.startsWith('utc:')) return { bucketing: id, timeZone: 'UTC' }
  const cut = id.lastIndexOf(':')
  return { bucketing: `local:${id.slice(cut + 1)}`, timeZone: id.slice(0, cut) }
}

/**
 * A tally (dims: station, connector, then id tag for sessions or error code and vendor error code for faults)
 * as table rows, sorted by the table's key so concurrent writers lock cells in one order.
 */
export function cellRows(tally: Tally): CellRow[] {
  const rows: CellRow[] = []
  for (const [key, value] of tally) {
    const cell = parseCellKey(key)
    const metric = tableMetric(cell.metric)
    const [stationId = '', connector = '0', dim = '', subDim = ''] = cell.dims
    rows.push({
      metric,
      ...tableBucketing(cell.bucketing),
      bucketStart: cell.bucketStart,
      stationId,
      connectorId: Number(connector),
      dim,
      subDim,
      value,
    })
  }
  return rows.sort(compareCellRows)
}

/** The `aggregates` table's key order (the zone last): the order writers lock cells in. */
export function compareCellRows(a: CellRow, b: CellRow): number {
  return (
    cmp(a.metric, b.metric) ||
    cmp(a.bucketing, b.bucketing) ||
    a.bucketStart - b.bucketStart ||
    cmp(a.stationId, b.stationId) ||
    a.connectorId - b.connectorId ||
    cmp(a.dim, b.dim) ||
    cmp(a.subDim, b.subDim) ||
    cmp(a.timeZone, b.timeZone)
  )
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
