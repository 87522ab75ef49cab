/**
 * Property-based tests (fast-check) over random session, status and meter histories that include duplicates,
 * reordering, registers going backwards and DST days:
 * (a) a session's energy parts add up to its energy exactly, in every bucketing;
 * (b) applying events incrementally, in any order and with duplicates, equals a naive recomputation from all the
 *     raw inputs at once;
 * (c) a connector's time per bucket adds up to the window, bucket by bucket;
 * (d) a rebuild's fold (all of an entity's facts at once) equals merging them one by one.
 */
import fc from 'fast-check'
import { type Bucketing, sliceByBuckets, utcBuckets, zonedBuckets } from '../../src/domain/buckets.ts'
import {
  addConnectorTime,
  type ConnectorFacts,
  connectorContribution,
  connectorFactsOf,
  mergeStatusRecord,
  NO_CONNECTOR_FACTS,
} from '../../src/domain/connector-rollup.ts'
import { CONNECTOR_STATES, connectorTime, type StatusRecord } from '../../src/domain/connector-time.ts'
import { type SessionMeter, spreadSessionEnergy } from '../../src/domain/energy-spread.ts'
import {
  addToSessionDraft,
  createSessionDraft,
  mergeSessionInput,
  type SessionEntity,
  sessionEntityOf,
} from '../../src/domain/entities.ts'
import { applyEvent } from '../../src/domain/incremental.ts'
import type { Instant } from '../../src/domain/instant.ts'
import {
  mergeSessionFact,
  NO_SESSION_FACTS,
  type SessionFact,
  type SessionFacts,
  sessionContribution,
  sessionFactsOf,
} from '../../src/domain/session-rollup.ts'
import { addTallies, addToTally, type Tally, tallySink } from '../../src/domain/tally.ts'
import { aDay, anInstantNear, aStatusNear } from './arbitraries.ts'
import { MINUTE } from './builders.ts'

const BUCKETINGS: readonly Bucketing[] = [
  utcBuckets.hour,
  utcBuckets.day,
  utcBuckets.month,
  zonedBuckets('Europe/Berlin', 'day'),
  zonedBuckets('Europe/Berlin', 'month'),
  zonedBuckets('America/New_York', 'day'),
]

const aSessionNear = (day: Instant): fc.Arbitrary<SessionMeter> =>
  fc
    .record({
      startedAt: anInstantNear(day),
      durationMin: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 * 60 })),
      meterStartWh: fc.integer({ min: 0, max: 1_000_000 }),
      // Mostly positive, sometimes negative (meterStop below meterStart: a reset or a swapped meter).
      energyWh: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 80_000 }), weight: 4 },
        { arbitrary: fc.integer({ min: -5_000, max: 0 }), weight: 1 },
      ),
      open: fc.boolean(),
      // Readings on a coarse grid (eighths of the session, plus one before and one after it), so two different
      // readings at one instant are common; in tenths of Wh, from below the start to above the stop.
      samples: fc.array(
        fc.record({ k: fc.integer({ min: -1, max: 9 }), permille: fc.integer({ min: -200, max: 1_200 }) }),
        { maxLength: 12 },
      ),
    })
    .map(({ startedAt, durationMin, meterStartWh, energyWh, open, samples }) => ({
      startedAt,
      meterStartWh,
      stop: open
        ? undefined
        : { stoppedAt: startedAt + durationMin * MINUTE, meterStopWh: meterStartWh + energyWh },
      samples: samples.flatMap(({ k, permille }) => {
        const sample = {
          at: startedAt + Math.round((k * durationMin * 60) / 8) * 1000,
          registerWh: meterStartWh + Math.round(permille * Math.max(energyWh, 1_000)) / 1_000,
        }
        return [sample, sample]
      }),
    }))

const aSessionMeter = aDay.chain(aSessionNear)

const aWindowNear = (day: Instant) =>
  fc
    .tuple(anInstantNear(day), fc.integer({ min: 0, max: 3 * 24 * 60 }))
    .map(([from, minutes]) => ({ from, to: from + minutes * MINUTE }))

describe('(a) energy parts add up to the session energy exactly', () => {
  test('in every bucketing, with non-negative parts, whatever the samples', () => {
    fc.assert(
      fc.property(aSessionMeter, fc.constantFrom(...BUCKETINGS), (session, bucketing) => {
        const spread = spreadSessionEnergy(session, bucketing)
        expect(spread.parts.reduce((a, p) => a + p.wh, 0)).toBe(spread.energyWh)
        expect(spread.parts.every((p) => Number.isInteger(p.wh) && p.wh > 0)).toBe(true)
        if (session.stop)
          expect(spread.energyWh).toBe(Math.max(0, session.stop.meterStopWh - session.meterStartWh))
        // Every part lies in a bucket the session touches.
        const end = session.stop
          ? Math.max(session.startedAt, session.stop.stoppedAt)
          : Number.POSITIVE_INFINITY
        for (const p of spread.parts) {
          expect(p.bucketStart).toBe(bucketing.bucketOf(Math.max(p.bucketStart, session.startedAt)).start)
          expect(p.bucketStart <= end).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })

  test('the same parts whatever the order and duplication of samples', () => {
    fc.assert(
      fc.property(aSessionMeter, fc.constantFrom(...BUCKETINGS), fc.integer(), (session, bucketing, seed) => {
        const reordered = { ...session, samples: shuffle(session.samples, seed) }
        expect(spreadSessionEnergy(reordered, bucketing)).toEqual(spreadSessionEnergy(session, bucketing))
      }),
      { numRuns: 100 },
    )
  })
})

/** One event the aggregator would consume, for one entity. */
type RollupEvent =
  | { readonly kind: 'session'; readonly entity: string; readonly fact: SessionFact }
  | { readonly kind: 'status'; readonly entity: string; readonly record: StatusRecord }

function eventsOf(
  sessions: readonly SessionMeter[],
  connectors: readonly (readonly StatusRecord[])[],
): RollupEvent[] {
  const out: RollupEvent[] = []
  sessions.forEach((s, i) => {
    const entity = `session-${i}`
    out.push({
      kind: 'session',
      entity,
      fact: { kind: 'start', startedAt: s.startedAt, meterStartWh: s.meterStartWh },
    })
    if (s.stop) out.push({ kind: 'session', entity, fact: { kind: 'stop', ...s.stop } })
    for (const x of s.samples) out.push({ kind: 'session', entity, fact: { kind: 'sample', ...x } })
  })
  connectors.forEach((records, i) => {
    for (const record of records) out.push({ kind: 'status', entity: `connector-${i}`, record })
  })
  return out
}

/** Recomputes every rollup cell straight from the raw histories, without facts, merges or deltas. */
function naiveRollup(
  sessions: readonly SessionMeter[],
  connectors: readonly (readonly StatusRecord[])[],
  window: { from: Instant; to: Instant },
): Tally {
  const tally = new Map<string, number>()
  sessions.forEach((s, i) => {
    const dims = [`session-${i}`]
    for (const b of BUCKETINGS) {
      addToTally(
        tally,
        { metric: 'sessionsStarted', bucketing: b.id, bucketStart: b.bucketOf(s.startedAt).start, dims },
        1,
      )
      if (s.stop) {
        const bucketStart = b.bucketOf(s.stop.stoppedAt).start
        addToTally(tally, { metric: 'sessionsCompleted', bucketing: b.id, bucketStart, dims }, 1)
      }
      for (const p of spreadSessionEnergy(s, b).parts) {
        addToTally(tally, { metric: 'energyWh', bucketing: b.id, bucketStart: p.bucketStart, dims }, p.wh)
      }
    }
  })
  connectors.forEach((records, i) => {
    const dims = [`connector-${i}`]
    if (records.length === 0) return // a connector is known from its first status
    for (const b of BUCKETINGS) addConnectorTime(tallySink(tally, dims), connectorTime(records, window, b), b)
  })
  return tally
}

/** Folds events one by one, as the consumer will: per-entity facts, and a running total of the deltas. */
function incrementalRollup(events: readonly RollupEvent[], window: { from: Instant; to: Instant }): Tally {
  const sessions = new Map<string, SessionFacts>()
  const connectors = new Map<string, ConnectorFacts>()
  let total: Tally = new Map()
  for (const e of events) {
    if (e.kind === 'session') {
      const step = applyEvent(sessions.get(e.entity) ?? NO_SESSION_FACTS, e.fact, mergeSessionFact, (f) =>
        sessionContribution(f, BUCKETINGS, [e.entity]),
      )
      sessions.set(e.entity, step.facts)
      total = addTallies(total, step.delta)
    } else {
      const step = applyEvent(
        connectors.get(e.entity) ?? NO_CONNECTOR_FACTS,
        e.record,
        mergeStatusRecord,
        (f) => connectorContribution(f, window, BUCKETINGS, [e.entity]),
      )
      connectors.set(e.entity, step.facts)
      total = addTallies(total, step.delta)
    }
  }
  return total
}

/** A deterministic Fisher-Yates shuffle from a seed, so a failing case replays. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let s = seed >>> 0 || 1
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0
    const j = s % (i + 1)
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  return out
}

/** Random sessions and connector histories around one day, and a window over them. */
const aHistory = aDay.chain((day) =>
  fc.tuple(
    fc.array(aSessionNear(day), { maxLength: 3 }),
    fc.array(fc.array(aStatusNear(day), { maxLength: 10 }), { maxLength: 2 }),
    aWindowNear(day),
  ),
)

/** The events as delivered: some repeated (picked by `duplicates`), all shuffled by `seed`. */
function deliveredOf(
  events: readonly RollupEvent[],
  duplicates: readonly number[],
  seed: number,
): RollupEvent[] {
  const repeated = events.length === 0 ? [] : duplicates.map((d) => events[d % events.length] as RollupEvent)
  return shuffle([...events, ...repeated], seed)
}

describe('(b) incremental == naive recomputation', () => {
  test('any order, any duplicates, late events included', () => {
    fc.assert(
      fc.property(
        aHistory,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer(),
        ([sessions, connectors, window], duplicates, seed) => {
          const delivered = deliveredOf(eventsOf(sessions, connectors), duplicates, seed)
          expect(sortedEntries(incrementalRollup(delivered, window))).toEqual(
            sortedEntries(naiveRollup(sessions, connectors, window)),
          )
        },
      ),
      { numRuns: 60 },
    )
  })

  test('a duplicated event changes nothing', () => {
    fc.assert(
      fc.property(aSessionMeter, (session) => {
        const [first] = eventsOf([session], [])
        if (first?.kind !== 'session') return
        const once = applyEvent(NO_SESSION_FACTS, first.fact, mergeSessionFact, (f) =>
          sessionContribution(f, BUCKETINGS, []),
        )
        const twice = applyEvent(once.facts, first.fact, mergeSessionFact, (f) =>
          sessionContribution(f, BUCKETINGS, []),
        )
        expect(twice.facts).toBe(once.facts)
        expect(twice.delta.size).toBe(0)
      }),
      { numRuns: 50 },
    )
  })
})

describe("(d) a rebuild's fold == merging one by one", () => {
  test('the same session and connector facts, any order, any duplicates', () => {
    fc.assert(
      fc.property(
        aHistory,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer(),
        ([sessions, connectors], duplicates, seed) => {
          const delivered = deliveredOf(eventsOf(sessions, connectors), duplicates, seed)
          for (const entity of new Set(delivered.map((e) => e.entity))) {
            const mine = delivered.filter((e) => e.entity === entity)
            const facts = mine.flatMap((e) => (e.kind === 'session' ? [e.fact] : []))
            const records = mine.flatMap((e) => (e.kind === 'status' ? [e.record] : []))
            expect(sessionFactsOf(facts)).toEqual(facts.reduce(mergeSessionFact, NO_SESSION_FACTS))
            expect(connectorFactsOf(records)).toEqual(records.reduce(mergeStatusRecord, NO_CONNECTOR_FACTS))
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe("(d') a rebuild's session draft == merging its inputs one by one", () => {
  test('the same entity, any order, any duplicates', () => {
    const anInput = aDay.chain((day) =>
      fc.record({
        facts: fc.array(
          fc.oneof(
            anInstantNear(day).map((at): SessionFact => ({ kind: 'start', startedAt: at, meterStartWh: 5 })),
            anInstantNear(day).map((at): SessionFact => ({ kind: 'stop', stoppedAt: at, meterStopWh: 9 })),
            fc
              .tuple(anInstantNear(day), fc.nat({ max: 3 }))
              .map(([at, wh]): SessionFact => ({ kind: 'sample', at, registerWh: wh })),
          ),
          { maxLength: 3 },
        ),
        connectorId: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        idTag: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }),
      }),
    )
    fc.assert(
      fc.property(fc.array(anInput, { maxLength: 8 }), fc.integer(), (inputs, seed) => {
        const delivered = shuffle([...inputs, ...inputs.slice(0, 2)], seed)
        const key = { stationId: 'S', transactionId: 7 }
        const draft = createSessionDraft()
        for (const input of delivered) addToSessionDraft(draft, input)
        const merged = delivered.reduce<SessionEntity>(
          (e, input) => mergeSessionInput(e, { ...input, timeZone: 'UTC' }),
          { ...key, connectorId: null, idTag: null, facts: NO_SESSION_FACTS, timeZone: 'UTC' },
        )
        expect(sessionEntityOf(key, draft, 'UTC')).toEqual(merged)
      }),
      { numRuns: 100 },
    )
  })
})

function sortedEntries(tally: Tally): [string, number][] {
  return [...tally.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

describe('(c) connector time adds up to the window', () => {
  test('per bucket, the states add up to the bucket overlap with the window; in all, to its length', () => {
    fc.assert(
      fc.property(
        aDay.chain((day) => fc.tuple(fc.array(aStatusNear(day), { maxLength: 12 }), aWindowNear(day))),
        fc.constantFrom(...BUCKETINGS),
        ([records, window], bucketing) => {
          const { buckets } = connectorTime(records, window, bucketing)
          const overlaps = sliceByBuckets(bucketing, window.from, window.to).map((s) => [
            s.bucket.start,
            s.to - s.from,
          ])
          const sums = buckets.map((b) => [
            b.bucketStart,
            CONNECTOR_STATES.reduce((a, st) => a + b.ms[st], 0),
          ])
          expect(sums).toEqual(overlaps)
          expect(sums.reduce((a, [, ms]) => a + (ms ?? 0), 0)).toBe(window.to - window.from)
        },
      ),
      { numRuns: 200 },
    )
  })
})
