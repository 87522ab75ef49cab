import type { Bucketing } from './buckets.ts'
import { type SessionMeter, spreadSessionEnergy } from './energy-spread.ts'
import type { Instant } from './instant.ts'
import { addToTally, type Tally } from './tally.ts'

/** One thing learnt about a session, from `session.started`, `session.completed` or a sampled meter value. */
export type SessionFact =
  | { readonly kind: 'start'; readonly startedAt: Instant; readonly meterStartWh: number }
  | { readonly kind: 'stop'; readonly stoppedAt: Instant; readonly meterStopWh: number }
  | { readonly kind: 'sample'; readonly at: Instant; readonly registerWh: number }

/**
 * Everything known about one session. Facts merge as a join (a semilattice): merging is commutative,
 * associative and idempotent, so the facts after any order of events, with any duplicates, are the same.
 */
export interface SessionFacts {
  readonly start?: { readonly startedAt: Instant; readonly meterStartWh: number } | undefined
  readonly stop?: { readonly stoppedAt: Instant; readonly meterStopWh: number } | undefined
  /** Register readings by instant; two readings at one instant keep the higher. */
  readonly samples: ReadonlyMap<Instant, number>
}

export const NO_SESSION_FACTS: SessionFacts = { samples: new Map() }

/** The smaller of two (instant, Wh) pairs, instant first: a fixed pick that does not depend on arrival order. */
function earlier<T>(a: T | undefined, b: T, at: (x: T) => Instant, wh: (x: T) => number): T {
  if (a === undefined) return b
  return at(b) < at(a) || (at(b) === at(a) && wh(b) < wh(a)) ? b : a
}

/**
 * Adds one fact. Returns `facts` itself when the fact adds nothing (a duplicate), so callers can skip work.
 * Ingest gives each transaction one start and one stop; should two ever disagree, the earlier (then lower) one
 * wins, whatever order they came in.
 */
export function mergeSessionFact(facts: SessionFacts, fact: SessionFact): SessionFacts {
  switch (fact.kind) {
    case 'start': {
      const start = earlier(
        facts.start,
        { startedAt: fact.startedAt, meterStartWh: fact.meterStartWh },
        (s) => s.startedAt,
        (s) => s.meterStartWh,
      )
      return start === facts.start ? facts : { ...facts, start }
    }
    case 'stop': {
      const stop = earlier(
        facts.stop,
        { stoppedAt: fact.stoppedAt, meterStopWh: fact.meterStopWh },
        (s) => s.stoppedAt,
        (s) => s.meterStopWh,
      )
      return stop === facts.stop ? facts : { ...facts, stop }
    }
    case 'sample': {
      if (keepsKnownReading(facts.samples.get(fact.at), fact.registerWh)) return facts
      return { ...facts, samples: new Map(facts.samples).set(fact.at, fact.registerWh) }
    }
  }
}

/** Two readings at one instant: the higher one stays, so a known reading at least as high wins. */
function keepsKnownReading(known: number | undefined, registerWh: number): boolean {
  return known !== undefined && known >= registerWh
}

/**
 * Many facts at once (a rebuild's fold): what merging them one by one into {@link NO_SESSION_FACTS} gives (a
 * property test checks), without copying the samples for every reading.
 */
export function sessionFactsOf(facts: Iterable<SessionFact>): SessionFacts {
  let merged: SessionFacts = NO_SESSION_FACTS
  const samples = new Map<Instant, number>()
  for (const fact of facts) {
    if (fact.kind !== 'sample') merged = mergeSessionFact(merged, fact)
    else if (!keepsKnownReading(samples.get(fact.at), fact.registerWh)) samples.set(fact.at, fact.registerWh)
  }
  return { ...merged, samples }
}

/** The session's meter for {@link spreadSessionEnergy}, once its start is known. */
export function sessionMeter(facts: SessionFacts): SessionMeter | undefined {
  if (!facts.start) return undefined
  return {
    startedAt: facts.start.startedAt,
    meterStartWh: facts.start.meterStartWh,
    stop: facts.stop,
    samples: [...facts.samples].map(([at, registerWh]) => ({ at, registerWh })),
  }
}

/**
 * What one session adds to the rollups, for each bucketing: `energyWh` spread over buckets from its meter,
 * `sessionsStarted` (1 in the bucket of its start) and `sessionsCompleted` (1 in the bucket of its stop).
 * `dims` says whose cells they are (e.g. station, connector). A session whose start is not known yet
 * contributes nothing: its energy has no baseline.
 */
export function sessionContribution(
  facts: SessionFacts,
  bucketings: readonly Bucketing[],
  dims: readonly string[],
): Tally {
  const tally = new Map<string, number>()
  const meter = sessionMeter(facts)
  if (!meter) return tally
  for (const b of bucketings) {
    const cell = (metric: string, bucketStart: Instant) => ({ metric, bucketing: b.id, bucketStart, dims })
    addToTally(tally, cell('sessionsStarted', b.bucketOf(meter.startedAt).start), 1)
    if (meter.stop) addToTally(tally, cell('sessionsCompleted', b.bucketOf(meter.stop.stoppedAt).start), 1)
    for (const part of spreadSessionEnergy(meter, b).parts)
      addToTally(tally, cell('energyWh', part.bucketStart), part.wh)
  }
  return tally
}
