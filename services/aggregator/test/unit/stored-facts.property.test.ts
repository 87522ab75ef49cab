/**
 * The facts rows a session or a connector is stored as are the same bytes whatever order its inputs were merged in,
 * live (one by one, in the order batches commit) or by a rebuild's fold (stream order): a rebuild's swap compares
 * the stored rows, so an order-dependent form would rewrite facts that did not change.
 */
import fc from 'fast-check'
import type { Column } from '../../src/data-access/columns.ts'
import { CONNECTOR_COLUMNS, RECORD_COLUMNS, SESSION_COLUMNS } from '../../src/data-access/entities-store.ts'
import { NO_CONNECTOR_FACTS } from '../../src/domain/connector-rollup.ts'
import {
  addToSessionDraft,
  type ConnectorEntity,
  connectorEntityOf,
  createSessionDraft,
  mergeConnectorInput,
  mergeSessionInput,
  type SessionEntity,
  type SessionInput,
  sessionEntityOf,
} from '../../src/domain/entities.ts'
import type { SessionFact } from '../../src/domain/session-rollup.ts'
import { aDay, anInstantNear, aStatusNear } from './arbitraries.ts'

/** The values a row is written with, as the stores write them (jsonb columns as their JSON text). */
const stored = <R>(columns: readonly Column<R>[], row: R) => columns.map(([, , value]) => value(row))

/** Two orders of the same items, the second with some of them repeated. */
const twoOrders = <T>(items: fc.Arbitrary<T[]>) =>
  items.chain((xs) =>
    fc.tuple(
      fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }),
      fc.shuffledSubarray([...xs, ...xs.slice(0, 3)], { minLength: xs.length + Math.min(3, xs.length) }),
    ),
  )

const SESSION_KEY = { stationId: 'S', transactionId: 7 }
const NEW_SESSION: SessionEntity = {
  ...SESSION_KEY,
  connectorId: null,
  idTag: null,
  facts: { samples: new Map() },
  timeZone: 'UTC',
}

/** Session inputs around a day; readings on a coarse grid, so two readings at one instant are common. */
const sessionInputs = aDay.chain((day) =>
  fc.array(
    fc.record({
      facts: fc.array(
        fc.oneof(
          anInstantNear(day).map((at): SessionFact => ({ kind: 'start', startedAt: at, meterStartWh: 5 })),
          anInstantNear(day).map((at): SessionFact => ({ kind: 'stop', stoppedAt: at, meterStopWh: 9 })),
          fc
            .tuple(fc.integer({ min: 0, max: 12 }), fc.nat({ max: 3 }))
            .map(([k, wh]): SessionFact => ({ kind: 'sample', at: day + k * 600_000, registerWh: wh })),
        ),
        { maxLength: 3 },
      ),
      connectorId: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      idTag: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }),
    }),
    { maxLength: 12 },
  ),
)

const mergedLive = (inputs: readonly Omit<SessionInput, 'timeZone'>[]) =>
  inputs.reduce((e, input) => mergeSessionInput(e, { ...input, timeZone: 'UTC' }), NEW_SESSION)

function foldedByRebuild(inputs: readonly Omit<SessionInput, 'timeZone'>[]): SessionEntity {
  const draft = createSessionDraft()
  for (const input of inputs) addToSessionDraft(draft, input)
  return sessionEntityOf(SESSION_KEY, draft, 'UTC')
}

test('a session is stored alike for any order of its inputs, merged live or folded by a rebuild', () => {
  fc.assert(
    fc.property(twoOrders(sessionInputs), ([one, other]) => {
      const expected = stored(SESSION_COLUMNS, mergedLive(one))
      expect(stored(SESSION_COLUMNS, mergedLive(other))).toEqual(expected)
      expect(stored(SESSION_COLUMNS, foldedByRebuild(other))).toEqual(expected)
    }),
    { numRuns: 200 },
  )
})

const BOOKED_TO = Date.parse('2027-01-02T00:00:00Z')
const CONNECTOR_KEY = { stationId: 'S', connectorId: 1 }

/** A connector's facts row and its record rows (a set: sorted here), as the stores write them. */
const storedConnector = (entity: ConnectorEntity) => ({
  row: stored(CONNECTOR_COLUMNS, entity),
  records: [...entity.records.values()]
    .map((record) => JSON.stringify(stored(RECORD_COLUMNS, { key: entity, record })))
    .sort(),
})

test('a connector is stored alike for any order of its records, merged live or folded by a rebuild', () => {
  fc.assert(
    fc.property(
      twoOrders(aDay.chain((day) => fc.array(aStatusNear(day), { maxLength: 12 }))),
      ([one, other]) => {
        const live = (records: typeof one) =>
          records.reduce<ConnectorEntity>(
            (e, record) => mergeConnectorInput(e, { record, to: BOOKED_TO, timeZone: 'UTC' }),
            {
              ...CONNECTOR_KEY,
              records: NO_CONNECTOR_FACTS,
              firstAt: null,
              bookedTo: BOOKED_TO,
              timeZone: 'UTC',
            },
          )
        const expected = storedConnector(live(one))
        expect(storedConnector(live(other))).toEqual(expected)
        expect(storedConnector(connectorEntityOf(CONNECTOR_KEY, other, BOOKED_TO, 'UTC'))).toEqual(expected)
      },
    ),
    { numRuns: 200 },
  )
})
