import type { Bucketing } from './buckets.ts'
import { type SessionMeter, spreadSessionEnergy } from './energy-spread.ts'
import type { Instant } from './instant.ts'
import { type CellSink, type Tally, tallyOf } from './tally.ts'

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
 * Facts gathered in place, one at a time, as a rebuild reads its log: the start and stop merged so far, and each
 * instant's highest reading, without keeping the facts themselves or copying the samples per reading.
 */
export interface SessionFactsDraft {
  /** The start and stop merged so far (its samples are not used). */
  ends: SessionFacts
  readonly samples: Map<Instant, number>
}

export function createSessionFactsDraft(): SessionFactsDraft {
  return { ends: NO_SESSION_FACTS, samples: new Map() }
}

/** Merges one fact into a draft in place: the draft's facts are then what {@link mergeSessionFact} gives. */
export function addSessionFact(draft: SessionFactsDraft, fact: SessionFact): void {
  if (fact.kind !== 'sample') draft.ends = mergeSessionFact(draft.ends, fact)
  else if (!keepsKnownReading(draft.samples.get(fact.at), fact.registerWh))
    draft.samples.set(fact.at, fact.registerWh)
}

export function factsOfDraft(draft: SessionFactsDraft): SessionFacts {
  return { ...draft.ends, samples: draft.samples }
}

/**
 * Many facts at once: what merging them one by one into {@link NO_SESSION_FACTS} gives (a property test checks),
 * without copying the samples for every reading.
 */
export function sessionFactsOf(facts: Iterable<SessionFact>): SessionFacts {
  const draft = createSessionFactsDraft()
  for (const fact of facts) addSessionFact(draft, fact)
  return factsOfDraft(draft)
}

/**
 * The readings by instant, earliest first: the facts' canonical form. A map keeps the order readings were merged
 * in (live: the order batches commit; a rebuild: stream order), so the same facts stored in that order would be
 * different jsonb, and a rebuild's swap would rewrite rows that did not change. One reading per instant, so the
 * order is total.
 */
export function samplesInOrder(facts: SessionFacts): [Instant, number][] {
  return [...facts.samples].sort(([a], [b]) => a - b)
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
  return tallyOf(dims, (sink) => addSessionContribution(sink, facts, bucketings))
}

/** {@link sessionContribution} written to a sink (a rebuild sums it without keying every cell). */
export function addSessionContribution(
  sink: CellSink,
  facts: SessionFacts,
  bucketings: readonly Bucketing[],
): void {
  const meter = sessionMeter(facts)
  if (!meter) return
  for (const b of bucketings) {
    sink.series('sessionsStarted', b.id)(b.bucketOf(meter.startedAt).start, 1)
    if (meter.stop) sink.series('sessionsCompleted', b.id)(b.bucketOf(meter.stop.stoppedAt).start, 1)
    const energy = sink.series('energyWh', b.id)
    for (const part of spreadSessionEnergy(meter, b).parts) energy(part.bucketStart, part.wh)
  }
}
