import { type CellRow, tableBucketing, tableMetric } from './cell-rows.ts'
import type { Instant } from './instant.ts'
import { levelDims, NETWORK_STATION, STATION_LEVEL } from './rollup-levels.ts'
import type { CellSink, SeriesAdder } from './tally.ts'

/*
 * A rebuild's cells, summed as they are computed: typed series (a table row but its bucket start and value) with
 * their values by bucket start, each connector cell's station and network totals added in place by the same call.
 * The tally path keys every cell by a string, parses it back into a row, then keys each row again per level to sum
 * the totals: most of a rebuild's write phase (bench/README.md). Here a string key is built once per entity and
 * once per new series, and the values are numbers in maps keyed by bucket start. The rows are the same as
 * `withRollupLevels(cellRows(tally))` of the summed tallies (a property test checks).
 */

/** The cells of one series: every field of their rows but the bucket start and the value. */
export interface CellSeries extends Omit<CellRow, 'bucketStart' | 'value'> {
  /** Sums by bucket start; a sum of 0 is a cell that is absent. */
  readonly values: Map<Instant, number>
}

/** Series by their row key (every field but the bucket start). */
export type SeriesByKey = Map<string, CellSeries>

export interface CellSums {
  /** Connector cells (the `aggregates` table). */
  readonly cells: SeriesByKey
  /** Station totals (`aggregate_totals` with the station's id). */
  readonly stations: SeriesByKey
  /** Network totals (`aggregate_totals`, station_id ''): may be shared by the sums of several groups of stations. */
  readonly network: SeriesByKey
  /**
   * What adding to a connector series adds (to it and its totals), by the entity dims, the bucketing and the
   * metric: nested maps of strings that exist already, so finding a series builds no key (one per entity).
   */
  readonly adders: Map<string, Map<string, Map<string, SeriesAdder>>>
}

/**
 * Empty sums. A rebuild sums a group of stations at a time and writes them; passing one `network` to every group
 * sums the network's totals over all of them.
 */
export function createCellSums(network: SeriesByKey = new Map()): CellSums {
  return { cells: new Map(), stations: new Map(), network, adders: new Map() }
}

/**
 * A sink adding an entity's cells to `sums`; `dims` as the tallies key them: station, connector, then the
 * entity's further dims (an id tag), to which a series may append more (a fault's error code and vendor code).
 */
export function cellSumsSink(sums: CellSums, dims: readonly string[]): CellSink {
  const [stationId = '', connector = '0', ...own] = dims
  const context = dims.join('\0')
  let byBucketing = sums.adders.get(context)
  if (byBucketing === undefined) {
    byBucketing = new Map()
    sums.adders.set(context, byBucketing)
  }
  const known = byBucketing
  return {
    series(metric, bucketing, moreDims) {
      let byMetric = known.get(bucketing)
      if (byMetric === undefined) {
        byMetric = new Map()
        known.set(bucketing, byMetric)
      }
      const key = moreDims === undefined ? metric : [metric, ...moreDims].join('\0')
      let add = byMetric.get(key)
      if (add === undefined) {
        const rest = moreDims === undefined ? own : [...own, ...moreDims]
        add = seriesAdder(sums, metric, bucketing, stationId, Number(connector), rest[0] ?? '', rest[1] ?? '')
        byMetric.set(key, add)
      }
      return add
    },
  }
}

function seriesAdder(
  sums: CellSums,
  domainMetric: string,
  bucketingId: string,
  stationId: string,
  connectorId: number,
  dim: string,
  subDim: string,
): SeriesAdder {
  if (connectorId < 0 || stationId === NETWORK_STATION)
    throw new Error(`cellSumsSink: ${stationId}/${connectorId} is a level cell, not an entity's`)
  const metric = tableMetric(domainMetric)
  const { bucketing, timeZone } = tableBucketing(bucketingId)
  const cell = seriesOf(sums.cells, { metric, bucketing, timeZone, stationId, connectorId, dim, subDim })
  const level = levelDims({ metric, connectorId, dim, subDim })
  if (level === null) return (at, value) => addValue(cell.values, at, value)
  const total = { metric, bucketing, timeZone, connectorId: STATION_LEVEL, ...level }
  const station = seriesOf(sums.stations, { ...total, stationId })
  const network = seriesOf(sums.network, { ...total, stationId: NETWORK_STATION })
  return (at, value) => {
    addValue(cell.values, at, value)
    addValue(station.values, at, value)
    addValue(network.values, at, value)
  }
}

function seriesOf(series: SeriesByKey, fields: Omit<CellSeries, 'values'>): CellSeries {
  const key = `${fields.metric}\0${fields.bucketing}\0${fields.timeZone}\0${fields.stationId}\0${fields.connectorId}\0${fields.dim}\0${fields.subDim}`
  let found = series.get(key)
  if (found === undefined) {
    found = { ...fields, values: new Map() }
    series.set(key, found)
  }
  return found
}

function addValue(values: Map<Instant, number>, at: Instant, value: number): void {
  if (value !== 0) values.set(at, (values.get(at) ?? 0) + value)
}
