/**
 * The connector's local delta (only the ranges a change touches) against the rule it implements:
 * contribution(after) - contribution(before) over the whole window. Random histories on DST days, late and
 * duplicated records, records at one instant, timer advances and zone changes.
 */
import fc from 'fast-check'
import { createBucketingsOf } from '../../src/domain/bucketings.ts'
import { connectorFactsOf } from '../../src/domain/connector-rollup.ts'
import type { StatusRecord } from '../../src/domain/connector-time.ts'
import {
  ALL_RECORDS,
  applyInputs,
  type ConnectorEntity,
  type ConnectorInput,
  connectorChangedRanges,
  connectorEntityContribution,
  connectorEntityDelta,
  connectorRecordWindows,
  mergeConnectorInput,
  recordsInWindows,
} from '../../src/domain/entities.ts'
import { contributionDelta } from '../../src/domain/incremental.ts'
import { addInto, type Tally } from '../../src/domain/tally.ts'
import { aDay, aStatusNear } from './arbitraries.ts'
import { HOUR } from './builders.ts'

const bucketingsOf = createBucketingsOf()
const ZONES = ['Europe/Berlin', 'America/New_York']

const anEntity = (day: number) =>
  fc
    .record({
      records: fc.array(aStatusNear(day), { maxLength: 16 }),
      bookedHours: fc.option(fc.integer({ min: -30, max: 30 }), { nil: null }),
      timeZone: fc.constantFrom(...ZONES),
    })
    .map(({ records, bookedHours, timeZone }) =>
      records.reduce<ConnectorEntity>(
        (e, record) => mergeConnectorInput(e, { record, to: e.bookedTo ?? day, timeZone }),
        {
          stationId: 'S',
          connectorId: 1,
          records: new Map(),
          firstAt: null,
          bookedTo: bookedHours === null ? null : day + bookedHours * HOUR,
          timeZone,
        },
      ),
    )

/** A batch: new (often late, sometimes repeated) records, the clock moving on, now and then another zone. */
const aBatch = (day: number, entity: ConnectorEntity) =>
  fc.array(
    fc.record({
      record: fc.option(
        entity.records.size === 0
          ? aStatusNear(day)
          : fc.oneof(aStatusNear(day), fc.constantFrom(...entity.records.values())),
        {
          nil: undefined,
        },
      ),
      toHours: fc.integer({ min: -30, max: 40 }),
      zone: fc.oneof({ arbitrary: fc.constant(entity.timeZone), weight: 5 }, fc.constantFrom(...ZONES)),
    }),
    { maxLength: 4 },
  )

/** An entity and a batch of inputs for it. */
const aStep = aDay.chain((day) =>
  anEntity(day).chain((entity) =>
    aBatch(day, entity).map((batch) => ({
      entity,
      inputs: batch.map(
        (b): ConnectorInput => ({
          record: b.record as StatusRecord | undefined,
          to: day + b.toHours * HOUR,
          timeZone: b.zone,
        }),
      ),
    })),
  ),
)

const whole = contributionDelta((e: ConnectorEntity) => connectorEntityContribution(e, bucketingsOf))

function entries(tally: Tally): [string, number][] {
  return [...tally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

describe("a connector's local delta", () => {
  test('equals contribution(after) - contribution(before) over the whole window', () => {
    fc.assert(
      fc.property(aStep, ({ entity: before, inputs }) => {
        const step = applyInputs(before, inputs, mergeConnectorInput, (b, a) =>
          connectorEntityDelta(b, a, bucketingsOf),
        )
        expect(entries(step.delta)).toEqual(entries(step.changed ? whole(before, step.entity) : new Map()))
      }),
      { numRuns: 400 },
    )
  })

  test('is the same from only the records its windows select as from all of them', () => {
    fc.assert(
      fc.property(aStep, ({ entity: full, inputs }) => {
        const windows = connectorRecordWindows(full, inputs)
        const partial: ConnectorEntity = {
          ...full,
          records: connectorFactsOf(recordsInWindows([...full.records.values()], windows)),
        }
        const delta = (before: ConnectorEntity) =>
          applyInputs(before, inputs, mergeConnectorInput, (b, a) => connectorEntityDelta(b, a, bucketingsOf))
        const fromAll = delta(full)
        const fromWindows = delta(partial)
        expect(entries(fromWindows.delta)).toEqual(entries(fromAll.delta))
        // the same facts row is saved, and the same records are new
        const { records: _all, ...rowFromAll } = fromAll.entity
        const { records: _partial, ...rowFromWindows } = fromWindows.entity
        expect(rowFromWindows).toEqual(rowFromAll)
        const added = (before: ConnectorEntity, after: ConnectorEntity) =>
          [...after.records.keys()].filter((k) => !before.records.has(k)).sort()
        expect(added(partial, fromWindows.entity)).toEqual(added(full, fromAll.entity))
      }),
      { numRuns: 400 },
    )
  })

  test('a live status reads its neighbours, not the history', () => {
    const day = Date.parse('2026-03-29T00:00:00Z')
    const history = Array.from({ length: 1000 }, (_, i) => ({
      at: day - (1000 - i) * HOUR,
      status: i % 2 === 0 ? 'Charging' : 'Available',
      errorCode: 'NoError',
    }))
    const windows = connectorRecordWindows({ bookedTo: day, timeZone: 'UTC' }, [
      {
        record: { at: day + HOUR, status: 'Faulted', errorCode: 'GroundFailure' },
        to: day + HOUR,
        timeZone: 'UTC',
      },
    ])
    // the state it interrupts (the last record), and the booked window's old end up to the new one
    expect(recordsInWindows(history, windows)).toEqual([history.at(-1)])
  })

  test('a first booking or another zone reads every record', () => {
    const input = { to: 10, timeZone: 'UTC' }
    expect(connectorRecordWindows({ bookedTo: null, timeZone: 'UTC' }, [input])).toBe(ALL_RECORDS)
    expect(connectorRecordWindows({ bookedTo: 5, timeZone: 'Europe/Berlin' }, [input])).toBe(ALL_RECORDS)
    expect(connectorRecordWindows({ bookedTo: 5, timeZone: 'UTC' }, [input])).toEqual([{ from: 5, to: 10 }])
  })

  test('a timer tick costs only the new stretch of time', () => {
    const day = Date.parse('2026-03-29T00:00:00Z')
    const records = new Map<string, StatusRecord>([
      ['a', { at: day - 300 * 24 * HOUR, status: 'Available', errorCode: 'NoError' }],
    ])
    const before: ConnectorEntity = {
      stationId: 'S',
      connectorId: 1,
      records,
      firstAt: day - 300 * 24 * HOUR,
      bookedTo: day,
      timeZone: 'Europe/Berlin',
    }
    const after = mergeConnectorInput(before, { to: day + HOUR, timeZone: 'Europe/Berlin' })

    expect(connectorChangedRanges(before, after)).toEqual([{ from: day, to: day + HOUR }])
    const delta = addInto(new Map(), connectorEntityDelta(before, after, bucketingsOf))
    // one hour of free time, in the local day and month (free time is not kept per hour)
    expect([...delta.values()]).toEqual([HOUR, HOUR])
  })
})
