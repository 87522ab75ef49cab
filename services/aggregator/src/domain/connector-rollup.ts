import type { Bucketing } from './buckets.ts'
import {
  CONNECTOR_STATES,
  type ConnectorState,
  type ConnectorTime,
  connectorTime,
  type StatusRecord,
} from './connector-time.ts'
import type { Instant } from './instant.ts'
import { type CellSink, type Tally, tallyOf } from './tally.ts'

/**
 * Everything known about one connector's status: a grow-only set of records keyed by their content, so merging
 * is commutative and idempotent.
 */
export type ConnectorFacts = ReadonlyMap<string, StatusRecord>

export const NO_CONNECTOR_FACTS: ConnectorFacts = new Map()

function recordKey(r: StatusRecord): string {
  return JSON.stringify([r.at, r.status, r.errorCode, r.vendorErrorCode ?? ''])
}

/** Adds one status record; returns `facts` itself for a duplicate. */
export function mergeStatusRecord(facts: ConnectorFacts, record: StatusRecord): ConnectorFacts {
  const key = recordKey(record)
  if (facts.has(key)) return facts
  return new Map(facts).set(key, record)
}

/** Many records at once (a rebuild's fold): what merging them one by one gives, without a copy per record. */
export function connectorFactsOf(records: Iterable<StatusRecord>): ConnectorFacts {
  const facts = new Map<string, StatusRecord>()
  for (const record of records) {
    const key = recordKey(record)
    if (!facts.has(key)) facts.set(key, record)
  }
  return facts
}

/**
 * What one connector adds to the rollups over the window [from, to), for each bucketing: milliseconds per state
 * (`ms.charging`, `ms.pluggedIdle`, `ms.free`, `ms.unavailable`, `ms.faulted`, `ms.unknown`) and `faults` with
 * the error code and vendor error code appended to `dims` (per hour: charging and idle time only). The window's end is an argument, not the clock: the
 * last status holds until `to`. A connector with no record contributes nothing: the rollups know a connector from
 * its first status, so they never hold a window of `ms.unknown` for a connector nobody has heard of.
 */
export function connectorContribution(
  facts: ConnectorFacts,
  window: { readonly from: Instant; readonly to: Instant },
  bucketings: readonly Bucketing[],
  dims: readonly string[],
): Tally {
  return tallyOf(dims, (sink) => addConnectorContribution(sink, facts, window, bucketings))
}

/** {@link connectorContribution} written to a sink. */
export function addConnectorContribution(
  sink: CellSink,
  facts: ConnectorFacts,
  window: { readonly from: Instant; readonly to: Instant },
  bucketings: readonly Bucketing[],
): void {
  if (facts.size === 0) return
  const records = [...facts.values()]
  for (const b of bucketings) addConnectorTime(sink, connectorTime(records, window, b), b)
}

/**
 * The connector time kept per hour: charging and plugged-in idle time (the hourly rollups). Status time
 * (free, unavailable, faulted, unknown) and faults are daily and monthly only: availability is a per-day figure,
 * and an hourly row per idle connector was most of the table (a connector is free most hours).
 */
const HOURLY_STATES: readonly ConnectorState[] = ['charging', 'pluggedIdle']

/** The metric of each state's time. */
const STATE_METRICS: Readonly<Record<ConnectorState, string>> = {
  charging: 'ms.charging',
  pluggedIdle: 'ms.pluggedIdle',
  free: 'ms.free',
  unavailable: 'ms.unavailable',
  faulted: 'ms.faulted',
  unknown: 'ms.unknown',
}

/**
 * Writes one connector's {@link ConnectorTime} in one bucketing to a sink, as cells `ms.<state>` and `faults`
 * (error code and vendor error code as further dims); hourly bucketings keep {@link HOURLY_STATES} only.
 */
export function addConnectorTime(sink: CellSink, time: ConnectorTime, bucketing: Bucketing): void {
  const states = bucketing.interval === 'hour' ? HOURLY_STATES : CONNECTOR_STATES
  const series = states.map((state) => sink.series(STATE_METRICS[state], bucketing.id))
  for (const { bucketStart, ms } of time.buckets) {
    for (let i = 0; i < states.length; i++) series[i]?.(bucketStart, ms[states[i] as ConnectorState])
  }
  if (bucketing.interval === 'hour') return
  for (const f of time.faults)
    sink.series('faults', bucketing.id, [f.errorCode, f.vendorErrorCode])(f.bucketStart, f.count)
}
