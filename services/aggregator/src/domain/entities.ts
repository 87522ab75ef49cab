import type { Bucketing } from './buckets.ts'
import { type ConnectorFacts, connectorContribution, mergeStatusRecord } from './connector-rollup.ts'
import type { StatusRecord } from './connector-time.ts'
import { applyEvent } from './incremental.ts'
import type { Instant } from './instant.ts'
import {
  mergeSessionFact,
  type SessionFact,
  type SessionFacts,
  sessionContribution,
} from './session-rollup.ts'
import { addTallies, type Tally } from './tally.ts'

/*
 * The entities the aggregator stores, each its domain facts plus what its booked contribution depends on:
 * the dims its cells are keyed by and the time zone of its local buckets (and, for a connector, the end of
 * the booked window). Each also merges as a join, so the whole entity obeys `applyEvent`'s rule: the delta of
 * a change is contribution(after) - contribution(before), whatever changed (a fact, the zone, the window).
 */

/** Chooses the smaller of two optional values: a fixed pick, the same in any arrival order. */
function minOf<T extends string | number>(a: T | null, b: T | null | undefined): T | null {
  if (b === undefined || b === null) return a
  return a === null || b < a ? b : a
}

export interface SessionEntity {
  readonly stationId: string
  readonly transactionId: number
  /** The smallest connector id any event named (they agree in practice). */
  readonly connectorId: number | null
  /** The smallest id tag any start or completion named. */
  readonly idTag: string | null
  readonly facts: SessionFacts
  /** Zone of the local buckets its booked cells are in. */
  readonly timeZone: string
}

/** What one event teaches about a session, with the zone its station's local buckets use now. */
export interface SessionInput {
  readonly facts: readonly SessionFact[]
  readonly connectorId?: number | undefined
  readonly idTag?: string | undefined
  readonly timeZone: string
}

/** Merges one input; returns `entity` itself when nothing changed (a duplicate). */
export function mergeSessionInput(entity: SessionEntity, input: SessionInput): SessionEntity {
  let facts = entity.facts
  for (const fact of input.facts) facts = mergeSessionFact(facts, fact)
  const connectorId = minOf(entity.connectorId, input.connectorId)
  const idTag = minOf(entity.idTag, input.idTag)
  if (
    facts === entity.facts &&
    connectorId === entity.connectorId &&
    idTag === entity.idTag &&
    input.timeZone === entity.timeZone
  ) {
    return entity
  }
  return { ...entity, facts, connectorId, idTag, timeZone: input.timeZone }
}

/** A session's cells: dims station, connector, id tag ('' while unknown). */
export function sessionEntityContribution(
  entity: SessionEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
): Tally {
  return sessionContribution(entity.facts, bucketingsOf(entity.timeZone), [
    entity.stationId,
    String(entity.connectorId ?? 0),
    entity.idTag ?? '',
  ])
}

export interface ConnectorEntity {
  readonly stationId: string
  readonly connectorId: number
  readonly records: ConnectorFacts
  /** End of the window its booked time covers (null: nothing booked yet). */
  readonly bookedTo: Instant | null
  readonly timeZone: string
}

/** A status record and/or "time has advanced to `to`", with the zone its station's local buckets use now. */
export interface ConnectorInput {
  readonly record?: StatusRecord | undefined
  readonly to: Instant
  readonly timeZone: string
}

/** Merges one input; the booked window only grows. Returns `entity` itself when nothing changed. */
export function mergeConnectorInput(entity: ConnectorEntity, input: ConnectorInput): ConnectorEntity {
  const records = input.record ? mergeStatusRecord(entity.records, input.record) : entity.records
  const bookedTo = entity.bookedTo === null ? input.to : Math.max(entity.bookedTo, input.to)
  if (records === entity.records && bookedTo === entity.bookedTo && input.timeZone === entity.timeZone) {
    return entity
  }
  return { ...entity, records, bookedTo, timeZone: input.timeZone }
}

/**
 * A connector's cells over [its first record, bookedTo): time starts at the first status anyone reported (no
 * window of unknown time before a connector was heard of), and the last status holds until `bookedTo`.
 */
export function connectorEntityContribution(
  entity: ConnectorEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
): Tally {
  if (entity.records.size === 0 || entity.bookedTo === null) return new Map()
  let from = Number.POSITIVE_INFINITY
  for (const r of entity.records.values()) from = Math.min(from, r.at)
  const window = { from, to: Math.max(from, entity.bookedTo) }
  return connectorContribution(entity.records, window, bucketingsOf(entity.timeZone), [
    entity.stationId,
    String(entity.connectorId),
  ])
}

/**
 * Applies all inputs of a batch to one entity: merges them in turn, then ONE delta, contribution(final) -
 * contribution(initial) (the per-input deltas telescope to exactly that, so it is the same sum at a fraction
 * of the work). `changed` is false when every input was a duplicate.
 */
export function applyInputs<F, I>(
  entity: F,
  inputs: readonly I[],
  merge: (entity: F, input: I) => F,
  contribution: (entity: F) => Tally,
): { entity: F; delta: Tally; changed: boolean } {
  let after = entity
  for (const input of inputs) after = merge(after, input)
  const { facts, delta } = applyEvent(entity, after, (_, next) => next, contribution)
  return { entity: facts, delta, changed: facts !== entity }
}

/** Sums deltas (a batch's, over its entities). */
export function sumTallies(tallies: Iterable<Tally>): Tally {
  let sum: Tally = new Map()
  for (const t of tallies) sum = addTallies(sum, t)
  return sum
}
