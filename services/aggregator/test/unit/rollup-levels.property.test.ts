import fc from 'fast-check'
import type { CellRow } from '../../src/domain/cell-rows.ts'
import { NETWORK_STATION, STATION_LEVEL, withRollupLevels } from '../../src/domain/rollup-levels.ts'

/*
 * Station and network totals: the same delta at three levels. Checked against an independent statement of the
 * rule (sum the connector cells per station, then per network; id tags summed, faults kept by error code,
 * connector 0's connector time left out), and for linearity: applying batches one by one adds up to applying
 * them at once, whatever the split, so the totals are as incremental as the cells.
 */

const METRICS = ['energy_wh', 'sessions_started', 'charging_ms', 'free_ms', 'faults'] as const
const arbRow: fc.Arbitrary<CellRow> = fc.record({
  metric: fc.constantFrom(...METRICS),
  bucketing: fc.constantFrom('utc:hour', 'local:day'),
  bucketStart: fc.constantFrom(0, 3_600_000),
  stationId: fc.constantFrom('S1', 'S2', 'S3'),
  connectorId: fc.integer({ min: 0, max: 2 }),
  dim: fc.constantFrom('', 'T1', 'GroundFailure'),
  subDim: fc.constantFrom('', 'E1'),
  // Two zones whose local days start at the same instant stay apart.
  timeZone: fc.constantFrom('Europe/Berlin', 'Europe/Paris'),
  value: fc.integer({ min: -1000, max: 1000 }),
})

type Sums = Map<string, number>
const keyOf = (r: CellRow) =>
  JSON.stringify([
    r.metric,
    r.bucketing,
    r.bucketStart,
    r.timeZone,
    r.stationId,
    r.connectorId,
    r.dim,
    r.subDim,
  ])
function sums(rows: readonly CellRow[]): Sums {
  const out: Sums = new Map()
  for (const r of rows) out.set(keyOf(r), (out.get(keyOf(r)) ?? 0) + r.value)
  for (const [k, v] of out) if (v === 0) out.delete(k)
  return out
}
const isTime = (metric: string) => metric.endsWith('_ms')

/** The rule written out: what a station (or the network, `station` = '') total of these connector cells is. */
function expectedTotals(cells: readonly CellRow[], level: 'station' | 'network'): Sums {
  return sums(
    cells
      .filter((r) => !(isTime(r.metric) && r.connectorId === 0))
      .map((r) => ({
        ...r,
        stationId: level === 'network' ? NETWORK_STATION : r.stationId,
        connectorId: STATION_LEVEL,
        dim: r.metric === 'faults' ? r.dim : '',
        subDim: r.metric === 'faults' ? r.subDim : '',
      })),
  )
}

test('connector cells == their input, station totals == sum of connector cells, network == sum of stations', () => {
  fc.assert(
    fc.property(fc.array(arbRow, { maxLength: 60 }), (rows) => {
      const out = withRollupLevels(rows)
      const cells = out.filter((r) => r.connectorId !== STATION_LEVEL)
      const stations = out.filter((r) => r.connectorId === STATION_LEVEL && r.stationId !== NETWORK_STATION)
      const network = out.filter((r) => r.stationId === NETWORK_STATION)
      expect(sums(cells)).toEqual(sums(rows))
      expect(sums(stations)).toEqual(expectedTotals(rows, 'station'))
      expect(sums(network)).toEqual(expectedTotals(rows, 'network'))
      // The network share of every station adds up to the network cell.
      expect(sums(network)).toEqual(sums(stations.map((r) => ({ ...r, stationId: NETWORK_STATION }))))
      expect(out.every((r) => r.value !== 0)).toBe(true)
      expect(new Set(out.map(keyOf)).size).toBe(out.length)
    }),
  )
})

test('linear: batches applied one by one sum to the batches applied at once (any split)', () => {
  fc.assert(
    fc.property(fc.array(arbRow, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (rows, size) => {
      const batches: CellRow[] = []
      for (let i = 0; i < rows.length; i += size) batches.push(...withRollupLevels(rows.slice(i, i + size)))
      expect(sums(batches)).toEqual(sums(withRollupLevels(rows)))
    }),
  )
})

test('rows that are already totals are a bug, not input', () => {
  const row: CellRow = {
    metric: 'energy_wh',
    bucketing: 'utc:hour',
    bucketStart: 0,
    stationId: 'S1',
    connectorId: STATION_LEVEL,
    dim: '',
    subDim: '',
    timeZone: 'UTC',
    value: 1,
  }
  expect(() => withRollupLevels([row])).toThrow(/already a level cell/)
  expect(() => withRollupLevels([{ ...row, stationId: NETWORK_STATION, connectorId: 1 }])).toThrow()
})
