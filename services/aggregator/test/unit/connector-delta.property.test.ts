/**
 * The connector's local delta (only the ranges a change touches) against the rule it implements:
 * contribution(after) - contribution(before) over the whole window. Random histories on DST days, late and
 * duplicated records, records at one instant, timer advances and zone changes.
 */
import fc from 'fast-check'
import { createBucketingsOf } from '../../src/domain/bucketings.ts'
import type { StatusRecord } from '../../src/domain/connector-time.ts'
import {
  applyInputs,
  type ConnectorEntity,
  type ConnectorInput,
  connectorChangedRanges,
  connectorEntityContribution,
  connectorEntityDelta,
  mergeConnectorInput,
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
      records: fc.array(aStatusNear(day), { maxLength: 8 }),
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

const whole = contributionDelta((e: ConnectorEntity) => connectorEntityContribution(e, bucketingsOf))

function entries(tally: Tally): [string, number][] {
  return [...tally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

describe("a connector's local delta", () => {
  test('equals contribution(after) - contribution(before) over the whole window', () => {
    fc.assert(
      fc.property(
        aDay.chain((day) =>
          anEntity(day).chain((entity) =>
            fc.tuple(fc.constant(day), fc.constant(entity), aBatch(day, entity)),
          ),
        ),
        ([day, before, batch]) => {
          const inputs: ConnectorInput[] = batch.map((b) => ({
            record: b.record as StatusRecord | undefined,
            to: day + b.toHours * HOUR,
            timeZone: b.zone,
          }))
          const step = applyInputs(before, inputs, mergeConnectorInput, (b, a) =>
            connectorEntityDelta(b, a, bucketingsOf),
          )
          expect(entries(step.delta)).toEqual(entries(step.changed ? whole(before, step.entity) : new Map()))
        },
      ),
      { numRuns: 400 },
    )
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
