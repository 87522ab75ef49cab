import type { Bucketing } from './buckets.ts'
import {
  addConnectorContribution,
  type ConnectorFacts,
  connectorFactsOf,
  mergeStatusRecord,
} from './connector-rollup.ts'
import type { StatusRecord } from './connector-time.ts'
import type { Instant } from './instant.ts'
import {
  addSessionContribution,
  addSessionFact,
  createSessionFactsDraft,
  factsOfDraft,
  mergeSessionFact,
  type SessionFact,
  type SessionFacts,
  type SessionFactsDraft,
} from './session-rollup.ts'
import { addInto, type CellSink, type Tally, tallySink } from './tally.ts'

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

/**
 * A session's inputs merged in place as a rebuild reads them (what merging them one by one into a new entity
 * gives), so the fold keeps one draft per session instead of every input.
 */
export interface SessionDraft {
  connectorId: number | null
  idTag: string | null
  readonly facts: SessionFactsDraft
}

export function createSessionDraft(): SessionDraft {
  return { connectorId: null, idTag: null, facts: createSessionFactsDraft() }
}

export function addToSessionDraft(draft: SessionDraft, input: Omit<SessionInput, 'timeZone'>): void {
  draft.connectorId = minOf(draft.connectorId, input.connectorId)
  draft.idTag = minOf(draft.idTag, input.idTag)
  for (const fact of input.facts) addSessionFact(draft.facts, fact)
}

/** The session a draft holds, its local buckets in `timeZone`. */
export function sessionEntityOf(
  key: { readonly stationId: string; readonly transactionId: number },
  draft: SessionDraft,
  timeZone: string,
): SessionEntity {
  return {
    stationId: key.stationId,
    transactionId: key.transactionId,
    connectorId: draft.connectorId,
    idTag: draft.idTag,
    facts: factsOfDraft(draft.facts),
    timeZone,
  }
}

/** A session's cells: dims station, connector, id tag ('' while unknown). */
export function sessionEntityContribution(
  entity: SessionEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
): Tally {
  const tally = new Map<string, number>()
  addSessionEntityContribution(entity, bucketingsOf, (dims) => tallySink(tally, dims))
  return tally
}

/** {@link sessionEntityContribution} written to the sink `sinkFor` gives for its dims (a rebuild's cell sums). */
export function addSessionEntityContribution(
  entity: SessionEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
  sinkFor: (dims: readonly string[]) => CellSink,
): void {
  const sink = sinkFor([entity.stationId, String(entity.connectorId ?? 0), entity.idTag ?? ''])
  addSessionContribution(sink, entity.facts, bucketingsOf(entity.timeZone))
}

/**
 * A connector's facts. `records` are all of its status records in a rebuild's fold, but in the incremental rule
 * only those around what a batch changes ({@link connectorRecordWindows}): every delta and contribution over the
 * ranges {@link connectorChangedRanges} gives needs no other, so a status costs the same however long the
 * connector's history is.
 */
export interface ConnectorEntity {
  readonly stationId: string
  readonly connectorId: number
  readonly records: ConnectorFacts
  /** The instant of its first record of all (its booked time starts there); null before any record. */
  readonly firstAt: Instant | null
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
  const firstAt = input.record === undefined ? entity.firstAt : minOf(entity.firstAt, input.record.at)
  return { ...entity, records, firstAt, bookedTo, timeZone: input.timeZone }
}

/** A connector from all its records at once, booked to `bookedTo` (a rebuild's fold), in one pass. */
export function connectorEntityOf(
  key: { readonly stationId: string; readonly connectorId: number },
  records: readonly StatusRecord[],
  bookedTo: Instant,
  timeZone: string,
): ConnectorEntity {
  let firstAt: Instant | null = null
  for (const r of records) firstAt = minOf(firstAt, r.at)
  return {
    stationId: key.stationId,
    connectorId: key.connectorId,
    records: connectorFactsOf(records),
    firstAt,
    bookedTo,
    timeZone,
  }
}

/** A stretch of time [from, to); either end may be infinite. */
export interface Range {
  readonly from: Instant
  readonly to: Instant
}

const EVERYWHERE: Range = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY }

/**
 * A connector's cells over [its first record, bookedTo), or only the part of that window inside `range`: time
 * starts at the first status anyone reported (no window of unknown time before a connector was heard of), and
 * the last status holds until `bookedTo`. Cells are additive over time, so the contributions over disjoint
 * ranges add up to the whole one.
 */
export function connectorEntityContribution(
  entity: ConnectorEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
  range: Range = EVERYWHERE,
): Tally {
  const tally = new Map<string, number>()
  addConnectorEntityContribution(entity, bucketingsOf, (dims) => tallySink(tally, dims), range)
  return tally
}

/** {@link connectorEntityContribution} written to the sink `sinkFor` gives for its dims. */
export function addConnectorEntityContribution(
  entity: ConnectorEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
  sinkFor: (dims: readonly string[]) => CellSink,
  range: Range = EVERYWHERE,
): void {
  if (entity.firstAt === null || entity.bookedTo === null) return
  const window = { from: Math.max(entity.firstAt, range.from), to: Math.min(entity.bookedTo, range.to) }
  if (window.to <= window.from) return
  const sink = sinkFor([entity.stationId, String(entity.connectorId)])
  addConnectorContribution(sink, entity.records, window, bucketingsOf(entity.timeZone))
}

/**
 * Where two versions of one connector can have different cells, as disjoint sorted ranges. A new record at t
 * changes the state from t up to the next record, and whether that next record opens a fault (it is compared
 * with its predecessor), so its range ends just after the next record's instant; a longer booked window adds
 * [old end, new end). Everywhere else both versions see the same records and the same window. A changed zone, or
 * a connector booked for the first time, differs everywhere.
 */
export function connectorChangedRanges(before: ConnectorEntity, after: ConnectorEntity): Range[] {
  if (before.timeZone !== after.timeZone || before.bookedTo === null) return [EVERYWHERE]
  const ranges: Range[] = []
  for (const [key, record] of after.records) {
    if (before.records.has(key)) continue
    let next = Number.POSITIVE_INFINITY
    for (const r of after.records.values()) if (r.at > record.at && r.at < next) next = r.at
    ranges.push({ from: record.at, to: next + 1 })
  }
  if (after.bookedTo !== null && after.bookedTo !== before.bookedTo)
    ranges.push({ from: before.bookedTo, to: after.bookedTo })
  ranges.sort((a, b) => a.from - b.from)
  const merged: Range[] = []
  for (const r of ranges) {
    const last = merged.at(-1)
    if (last !== undefined && r.from <= last.to)
      merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, r.to) }
    else merged.push(r)
  }
  return merged
}

/**
 * Stored records to read: those at the last instant before `from`, and those from `from` up to `to` (both
 * included); without `to`, up to the first record after `from`.
 */
export interface RecordWindow {
  readonly from: Instant
  readonly to?: Instant | undefined
}

/** Every record, for a step that re-books the connector's whole window. */
export const ALL_RECORDS: readonly RecordWindow[] = [
  { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY },
]

/**
 * The stored records a step needs before it merges `inputs` into a connector whose records are not loaded: for each
 * new record, its stored neighbours (the state it interrupts, and the record that ends it); for a longer booked
 * window, the state at its old end and what lies inside. Those are the records that {@link connectorChangedRanges}
 * and the contributions over its ranges read. A first booking or another zone re-books everything: all records.
 */
export function connectorRecordWindows(
  entity: Pick<ConnectorEntity, 'bookedTo' | 'timeZone'>,
  inputs: readonly ConnectorInput[],
): readonly RecordWindow[] {
  if (entity.bookedTo === null || inputs.some((i) => i.timeZone !== entity.timeZone)) return ALL_RECORDS
  const windows: RecordWindow[] = []
  let bookTo = entity.bookedTo
  for (const input of inputs) {
    if (input.record !== undefined) windows.push({ from: input.record.at })
    bookTo = Math.max(bookTo, input.to)
  }
  if (bookTo > entity.bookedTo) windows.push({ from: entity.bookedTo, to: bookTo })
  return windows
}

/** The records {@link RecordWindow}s select from a connector's records: what the store's read returns. */
export function recordsInWindows(
  records: readonly StatusRecord[],
  windows: readonly RecordWindow[],
): StatusRecord[] {
  return records.filter((r) =>
    windows.some((w) => {
      let lastBefore = Number.NEGATIVE_INFINITY
      let firstAfter = Number.POSITIVE_INFINITY
      for (const o of records) {
        if (o.at < w.from && o.at > lastBefore) lastBefore = o.at
        if (o.at > w.from && o.at < firstAfter) firstAfter = o.at
      }
      const to = w.to ?? (firstAfter === Number.POSITIVE_INFINITY ? w.from : firstAfter)
      return r.at === lastBefore || (r.at >= w.from && r.at <= to)
    }),
  )
}

/**
 * `contribution(after) - contribution(before)` for a connector, computed only over {@link connectorChangedRanges}:
 * a status or a timer tick costs the buckets around it, not the connector's whole history. A property test
 * checks it against the whole contributions.
 */
export function connectorEntityDelta(
  before: ConnectorEntity,
  after: ConnectorEntity,
  bucketingsOf: (zone: string) => readonly Bucketing[],
): Tally {
  const delta = new Map<string, number>()
  for (const range of connectorChangedRanges(before, after)) {
    addInto(delta, connectorEntityContribution(after, bucketingsOf, range))
    addInto(delta, connectorEntityContribution(before, bucketingsOf, range), -1)
  }
  return delta
}

/**
 * Applies all inputs of a batch to one entity: merges them in turn, then ONE delta from the initial to the final
 * entity (the per-input deltas telescope to exactly that, so it is the same sum at a fraction of the work).
 * `changed` is false when every input was a duplicate.
 */
export function applyInputs<F, I>(
  entity: F,
  inputs: readonly I[],
  merge: (entity: F, input: I) => F,
  delta: (before: F, after: F) => Tally,
): { entity: F; delta: Tally; changed: boolean } {
  let after = entity
  for (const input of inputs) after = merge(after, input)
  if (after === entity) return { entity, delta: new Map(), changed: false }
  return { entity: after, delta: delta(entity, after), changed: true }
}

/** Sums deltas (a batch's, over its entities). */
export function sumTallies(tallies: Iterable<Tally>): Tally {
  const sum = new Map<string, number>()
  for (const t of tallies) addInto(sum, t)
  return sum
}
