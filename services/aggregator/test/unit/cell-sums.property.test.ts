/**
 * A rebuild's cell sums (typed series, totals added in place) against the tally path they replace for it: the
 * entities' contributions summed as tallies, parsed into rows and levelled by `withRollupLevels`. The same rows,
 * whatever the entities (sessions open or not, with or without a known connector and id tag; connectors with
 * faults, connector 0, zones with DST days) and however the stations are split into groups sharing the network.
 */
import fc from 'fast-check'
import { createBucketingsOf } from '../../src/domain/bucketings.ts'
import { type CellRow, cellRows, compareCellRows } from '../../src/domain/cell-rows.ts'
import { type CellSums, cellSumsSink, createCellSums, type SeriesByKey } from '../../src/domain/cell-sums.ts'
import {
  addConnectorEntityContribution,
  addSessionEntityContribution,
  addToSessionDraft,
  type ConnectorEntity,
  connectorEntityContribution,
  connectorEntityOf,
  createSessionDraft,
  type SessionEntity,
  sessionEntityContribution,
  sessionEntityOf,
  sumTallies,
} from '../../src/domain/entities.ts'
import { withRollupLevels } from '../../src/domain/rollup-levels.ts'
import { aDay, anInstantNear, aStatusNear } from './arbitraries.ts'
import { HOUR, MINUTE } from './builders.ts'

const bucketingsOf = createBucketingsOf()
const STATIONS = ['S1', 'S2', 'S3']
const ZONE_OF: Record<string, string> = { S1: 'Europe/Berlin', S2: 'America/New_York', S3: 'UTC' }

const aSession = (day: number) =>
  fc
    .record({
      stationId: fc.constantFrom(...STATIONS),
      transactionId: fc.nat({ max: 20 }),
      connectorId: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      idTag: fc.option(fc.constantFrom('T1', 'T2'), { nil: undefined }),
      startedAt: anInstantNear(day),
      minutes: fc.integer({ min: 0, max: 30 * 60 }),
      open: fc.boolean(),
      startOnly: fc.boolean(),
      samples: fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.nat({ max: 50_000 })), { maxLength: 6 }),
    })
    .map((s): SessionEntity => {
      const stoppedAt = s.startedAt + s.minutes * MINUTE
      const facts = [
        ...(s.open && s.startOnly
          ? []
          : [{ kind: 'start' as const, startedAt: s.startedAt, meterStartWh: 100 }]),
        ...(s.open ? [] : [{ kind: 'stop' as const, stoppedAt, meterStopWh: 100 + 40_000 }]),
        ...s.samples.map(([k, wh]) => ({
          kind: 'sample' as const,
          at: s.startedAt + Math.round((k * s.minutes) / 8) * MINUTE,
          registerWh: 100 + wh,
        })),
      ]
      const draft = createSessionDraft()
      addToSessionDraft(draft, { facts, connectorId: s.connectorId, idTag: s.idTag })
      return sessionEntityOf(
        { stationId: s.stationId, transactionId: s.transactionId },
        draft,
        ZONE_OF[s.stationId] as string,
      )
    })

const aConnector = (day: number) =>
  fc
    .record({
      stationId: fc.constantFrom(...STATIONS),
      connectorId: fc.integer({ min: 0, max: 2 }),
      records: fc.array(aStatusNear(day), { maxLength: 8 }),
      bookedHours: fc.integer({ min: -30, max: 40 }),
    })
    .map(
      (c): ConnectorEntity =>
        connectorEntityOf(
          { stationId: c.stationId, connectorId: c.connectorId },
          c.records,
          day + c.bookedHours * HOUR,
          ZONE_OF[c.stationId] as string,
        ),
    )

const entitiesNear = aDay.chain((day) =>
  fc.tuple(
    fc.array(aSession(day), { maxLength: 12 }),
    fc.array(aConnector(day), { maxLength: 6 }),
    // which stations are summed (and written) together: the rebuild's groups
    fc.subarray(STATIONS),
  ),
)

/** The rows of series, as the shadow tables get them: non-zero sums only. */
function rowsOf(series: SeriesByKey): CellRow[] {
  const rows: CellRow[] = []
  for (const { values, ...fields } of series.values())
    for (const [bucketStart, value] of values) if (value !== 0) rows.push({ ...fields, bucketStart, value })
  return rows
}

test('the same rows as the tallies levelled by withRollupLevels, whatever the grouping of stations', () => {
  fc.assert(
    fc.property(entitiesNear, ([sessions, connectors, firstGroup]) => {
      const expected = withRollupLevels(
        cellRows(
          sumTallies([
            ...sessions.map((s) => sessionEntityContribution(s, bucketingsOf)),
            ...connectors.map((c) => connectorEntityContribution(c, bucketingsOf)),
          ]),
        ),
      )

      const network: SeriesByKey = new Map()
      const groups: CellSums[] = []
      for (const inGroup of [true, false]) {
        const sums = createCellSums(network)
        const sinkFor = (dims: readonly string[]) => cellSumsSink(sums, dims)
        const mine = (e: { stationId: string }) => firstGroup.includes(e.stationId) === inGroup
        for (const s of sessions.filter(mine)) addSessionEntityContribution(s, bucketingsOf, sinkFor)
        for (const c of connectors.filter(mine)) addConnectorEntityContribution(c, bucketingsOf, sinkFor)
        groups.push(sums)
      }
      const actual = [
        ...groups.flatMap((g) => [...rowsOf(g.cells), ...rowsOf(g.stations)]),
        ...rowsOf(network),
      ].sort(compareCellRows)
      expect(actual).toEqual(expected)
    }),
    { numRuns: 150 },
  )
})

test('a level cell is not an entity: refused as a bug', () => {
  const sums = createCellSums()
  expect(() => cellSumsSink(sums, ['S1', '-1']).series('energyWh', 'utc:hour')).toThrow(/level cell/)
  expect(() => cellSumsSink(sums, ['', '1']).series('energyWh', 'utc:hour')).toThrow(/level cell/)
})
