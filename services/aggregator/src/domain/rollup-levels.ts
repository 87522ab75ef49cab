import { type CellRow, compareCellRows } from './cell-rows.ts'

/*
 * Station and network cells, written beside the connector cells so a network-wide or station-wide series is a
 * read of a few hundred cells, not a sum over every connector's (measured by hand: the network's month of hours
 * over 1,000 connectors took 389 ms summed at read time).
 *
 * The levels are part of the aggregates read contract (migration 2026-12-06T11:00:00Z_aggregate_totals):
 * - a connector cell: station_id = the station, connector_id >= 0 (0 = the station as a whole);
 * - a station cell: station_id = the station, connector_id = -1 (STATION_LEVEL);
 * - a network cell: station_id = '' (NETWORK_STATION), connector_id = -1.
 *
 * The incremental rule stays one rule: the same delta is added at each level, so every level is a sum of
 * deltas and stays equal to the sum of the level below whatever the order of the batches.
 */

/** `connector_id` of station and network cells. */
export const STATION_LEVEL = -1
/** `station_id` of network cells. */
export const NETWORK_STATION = ''

/** Connector time of connector 0 (the station as a whole) is its own series, not added to its connectors'. */
const TIME_METRICS: ReadonlySet<string> = new Set([
  'charging_ms',
  'idle_ms',
  'free_ms',
  'unavailable_ms',
  'faulted_ms',
  'unknown_ms',
])

/**
 * What a connector cell adds to the coarser levels: session metrics without the id tag (the levels sum over id
 * tags), faults keeping error code and vendor error code, connector time of connectors > 0 only.
 */
export function levelDims(
  row: Pick<CellRow, 'metric' | 'connectorId' | 'dim' | 'subDim'>,
): { dim: string; subDim: string } | null {
  if (row.metric === 'faults') return { dim: row.dim, subDim: row.subDim }
  if (TIME_METRICS.has(row.metric)) return row.connectorId > 0 ? { dim: '', subDim: '' } : null
  return { dim: '', subDim: '' }
}

/**
 * Connector cell deltas plus the station and network deltas they make, each level's rows summed per key and
 * zero sums dropped, sorted by the table key (metric, bucketing, bucket start, station, connector, dims, zone)
 * so concurrent writers lock cells in one order. Rows that are already level rows are refused (a bug).
 *
 * ### Examples
 * ```ts
 * withRollupLevels([{ metric: 'energy_wh', stationId: 'S1', connectorId: 1, dim: 'TAG', value: 5, ... }])
 * // the connector row, { stationId: 'S1', connectorId: -1, dim: '' , value: 5 } and { stationId: '', connectorId: -1, value: 5 }
 * ```
 */
export function withRollupLevels(rows: readonly CellRow[]): CellRow[] {
  const all: CellRow[] = []
  for (const row of rows) {
    if (row.connectorId < 0 || row.stationId === NETWORK_STATION)
      throw new Error(`withRollupLevels: ${row.stationId}/${row.connectorId} is already a level cell`)
    all.push(row)
    const dims = levelDims(row)
    if (dims === null) continue
    all.push({ ...row, ...dims, connectorId: STATION_LEVEL })
    all.push({ ...row, ...dims, stationId: NETWORK_STATION, connectorId: STATION_LEVEL })
  }
  return sumCellRows(all).sort(compareCellRows)
}

/** Rows summed per cell key, zero sums dropped, in no particular order. */
function sumCellRows(rows: Iterable<CellRow>): CellRow[] {
  const out = new Map<string, CellRow>()
  for (const row of rows) {
    // a cheap unique key: NUL separates fields that cannot hold it (Postgres text refuses NUL, XML too)
    const key = `${row.metric}\0${row.bucketing}\0${row.bucketStart}\0${row.stationId}\0${row.connectorId}\0${row.dim}\0${row.subDim}\0${row.timeZone}`
    const had = out.get(key)
    out.set(key, had === undefined ? row : { ...row, value: had.value + row.value })
  }
  return [...out.values()].filter((r) => r.value !== 0)
}
