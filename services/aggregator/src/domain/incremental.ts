import { addTallies, type Tally } from './tally.ts'

/** The outcome of applying one event to one entity: its new facts and the change to add to the rollups. */
export interface Step<F> {
  readonly facts: F
  /** contribution(after) - contribution(before); empty when the event taught nothing new. */
  readonly delta: Tally
}

/**
 * The one incremental rule. A rollup is the sum, over entities (sessions, connectors), of a pure function of
 * each entity's facts; facts merge commutatively and idempotently. Applying an event therefore adds
 * `contribution(merge(facts, event)) - contribution(facts)`, and the sum of those deltas telescopes to the sum of
 * the final contributions: any order, any duplicates, late events included, give exactly what recomputing from
 * all raw inputs gives. A duplicate (merge returns the same facts) changes nothing and costs no recomputation.
 *
 * ### Examples
 * ```ts
 * const { facts, delta } = applyEvent(stored ?? NO_SESSION_FACTS, fact, mergeSessionFact, (f) =>
 *   sessionContribution(f, bucketings, [stationId, String(connectorId)]),
 * )
 * // persist facts, add delta to the rollup rows, in one transaction
 * ```
 */
export function applyEvent<F, E>(
  facts: F,
  event: E,
  merge: (facts: F, event: E) => F,
  contribution: (facts: F) => Tally,
): Step<F> {
  const next = merge(facts, event)
  if (next === facts) return { facts, delta: new Map() }
  return { facts: next, delta: contributionDelta(contribution)(facts, next) }
}

/** The rule's delta as a function of (before, after): `contribution(after) - contribution(before)`. */
export function contributionDelta<F>(contribution: (facts: F) => Tally): (before: F, after: F) => Tally {
  return (before, after) => addTallies(contribution(after), contribution(before), -1)
}
