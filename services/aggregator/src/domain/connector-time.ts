import type { v16 } from '@chargebus/ocpp'
import { type Bucketing, sliceByBuckets } from './buckets.ts'
import type { Instant } from './instant.ts'

/**
 * What a connector is doing, for time accounting. OCPP 1.6 statuses map as follows (1.5 statuses reach us
 * converted to 1.6):
 *
 * | state | statuses | why |
 * | --- | --- | --- |
 * | `charging` | Charging | energy may flow |
 * | `pluggedIdle` | Preparing, SuspendedEV, SuspendedEVSE, Finishing | occupied by a user or vehicle, no energy flowing: not charging time, but not free either |
 * | `free` | Available, Reserved | usable; a reservation holds it for one user but it works |
 * | `unavailable` | Unavailable | taken out of service (ChangeAvailability, maintenance) |
 * | `faulted` | Faulted | broken |
 * | `unknown` | before the first known status, or a status OCPP does not define | no data: counted in neither availability nor its complement |
 */
export type ConnectorState = 'charging' | 'pluggedIdle' | 'free' | 'unavailable' | 'faulted' | 'unknown'

export const CONNECTOR_STATES: readonly ConnectorState[] = [
  'charging',
  'pluggedIdle',
  'free',
  'unavailable',
  'faulted',
  'unknown',
]

/** Every OCPP 1.6 ChargePointStatus and its state: a status added to the contracts fails the typecheck here. */
export const STATE_OF_STATUS: Readonly<Record<v16.cs.ChargePointStatus, ConnectorState>> = {
  Charging: 'charging',
  Preparing: 'pluggedIdle',
  SuspendedEV: 'pluggedIdle',
  SuspendedEVSE: 'pluggedIdle',
  Finishing: 'pluggedIdle',
  Available: 'free',
  Reserved: 'free',
  Unavailable: 'unavailable',
  Faulted: 'faulted',
}

/** The time-accounting state of an OCPP 1.6 ChargePointStatus (see {@link ConnectorState}). */
export function classifyStatus(status: string): ConnectorState {
  return Object.hasOwn(STATE_OF_STATUS, status)
    ? STATE_OF_STATUS[status as v16.cs.ChargePointStatus]
    : 'unknown'
}

/** `errorCode` value meaning no error (OCPP 1.6 ChargePointErrorCode). */
export const NO_ERROR = 'NoError'

/** One status notification of one connector (a `connector.status_changed` event or a status history row). */
export interface StatusRecord {
  readonly at: Instant
  readonly status: string
  readonly errorCode: string
  readonly vendorErrorCode?: string | undefined
}

/** Milliseconds spent in each state inside one bucket. */
export type StateTimes = Record<ConnectorState, number>

export interface ConnectorBucketTime {
  readonly bucketStart: Instant
  readonly ms: StateTimes
}

/** How often a connector entered an error condition within one bucket. */
export interface FaultCount {
  readonly bucketStart: Instant
  readonly errorCode: string
  /** The station's vendorErrorCode, `''` when it sent none. */
  readonly vendorErrorCode: string
  readonly count: number
}

export interface ConnectorTime {
  /** Every bucket that overlaps the window, in time order; its states add up to its overlap with the window. */
  readonly buckets: ConnectorBucketTime[]
  readonly faults: FaultCount[]
}

export function emptyStateTimes(): StateTimes {
  return { charging: 0, pluggedIdle: 0, free: 0, unavailable: 0, faulted: 0, unknown: 0 }
}

function identity(r: StatusRecord): string {
  return JSON.stringify([r.at, r.status, r.errorCode, r.vendorErrorCode ?? ''])
}

/** Code-unit order: unlike localeCompare, the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareRecords(a: StatusRecord, b: StatusRecord): number {
  return a.at - b.at || compareText(identity(a), identity(b))
}

/**
 * A connector's status history as one canonical list: duplicates removed, in time order, records at the same
 * instant in a fixed (arbitrary but input-independent) order. Everything below depends only on this list, so
 * duplicated or reordered input gives the same result.
 */
export function canonicalHistory(records: readonly StatusRecord[]): StatusRecord[] {
  const unique = new Map<string, StatusRecord>()
  for (const r of records) if (Number.isFinite(r.at)) unique.set(identity(r), r)
  return [...unique.values()].sort(compareRecords)
}

/**
 * The records {@link connectorTime} needs for a window: those inside it, and those at the last instant before it
 * (the state at `from`, and what the first record inside is compared with for faults). Leaving out the rest
 * changes nothing and makes a short window cost its own records, not the connector's whole history.
 */
function recordsThatMatter(
  records: readonly StatusRecord[],
  window: { readonly from: Instant; readonly to: Instant },
): StatusRecord[] {
  let lastBefore = Number.NEGATIVE_INFINITY
  for (const r of records) if (r.at < window.from && r.at > lastBefore) lastBefore = r.at
  return records.filter((r) => r.at === lastBefore || (r.at >= window.from && r.at < window.to))
}

/**
 * Time per bucket in each {@link ConnectorState} over the window [from, to), and faults per bucket, for one
 * connector. A status holds from its instant until the next one; records before `from` give the state at `from`;
 * time before the first record is `unknown`. A fault is counted where a record's errorCode is not `NoError` and
 * differs (with its vendorErrorCode) from the previous record's: a repeated notification of the same error is
 * one fault, and errors reported with a working status (a warning such as HighTemperature while Available) count
 * too.
 *
 * ### Examples
 * ```ts
 * connectorTime(
 *   [{ at: t('10:00'), status: 'Available', errorCode: 'NoError' }, { at: t('10:30'), status: 'Charging', errorCode: 'NoError' }],
 *   { from: t('10:00'), to: t('11:00') },
 *   utcBuckets.hour,
 * ) // buckets: [{ bucketStart: t('10:00'), ms: { free: 1_800_000, charging: 1_800_000, ... } }], faults: []
 * ```
 */
export function connectorTime(
  records: readonly StatusRecord[],
  window: { readonly from: Instant; readonly to: Instant },
  bucketing: Bucketing,
): ConnectorTime {
  const history = canonicalHistory(recordsThatMatter(records, window))
  const times = new Map<Instant, StateTimes>()
  for (const slice of sliceByBuckets(bucketing, window.from, window.to)) {
    times.set(slice.bucket.start, emptyStateTimes())
  }
  const book = (state: ConnectorState, from: Instant, to: Instant) => {
    for (const slice of sliceByBuckets(bucketing, Math.max(from, window.from), Math.min(to, window.to))) {
      const t = times.get(slice.bucket.start)
      if (t) t[state] += slice.to - slice.from
    }
  }
  book('unknown', window.from, history[0]?.at ?? window.to)
  history.forEach((r, i) => {
    book(classifyStatus(r.status), r.at, history[i + 1]?.at ?? window.to)
  })

  const faults = new Map<string, FaultCount>()
  history.forEach((r, i) => {
    const prev = history[i - 1]
    const vendor = r.vendorErrorCode ?? ''
    const repeated =
      prev !== undefined && prev.errorCode === r.errorCode && (prev.vendorErrorCode ?? '') === vendor
    if (r.errorCode === NO_ERROR || repeated || r.at < window.from || r.at >= window.to) return
    const bucketStart = bucketing.bucketOf(r.at).start
    const key = JSON.stringify([bucketStart, r.errorCode, vendor])
    const count = (faults.get(key)?.count ?? 0) + 1
    faults.set(key, { bucketStart, errorCode: r.errorCode, vendorErrorCode: vendor, count })
  })

  return {
    buckets: [...times.entries()].map(([bucketStart, ms]) => ({ bucketStart, ms })),
    faults: [...faults.values()].sort(
      (a, b) =>
        a.bucketStart - b.bucketStart ||
        compareText(a.errorCode, b.errorCode) ||
        compareText(a.vendorErrorCode, b.vendorErrorCode),
    ),
  }
}

export interface Availability {
  /** Time the connector was usable: charging, plugged-in idle or free. */
  readonly availableMs: number
  /** Time with a known status. */
  readonly knownMs: number
  /** availableMs / knownMs: the share of known time not Faulted or Unavailable; null without known time. */
  readonly availability: number | null
  /** charging / availableMs; null when the connector was never available. */
  readonly utilisation: number | null
}

/**
 * Availability and utilisation from state times (one bucket's, or several added up: add the times, then take
 * the ratios, never average ratios). Unknown time is left out of both ratios: missing data is neither uptime nor
 * downtime.
 */
export function availabilityOf(ms: StateTimes): Availability {
  const availableMs = ms.charging + ms.pluggedIdle + ms.free
  const knownMs = availableMs + ms.unavailable + ms.faulted
  return {
    availableMs,
    knownMs,
    availability: knownMs === 0 ? null : availableMs / knownMs,
    utilisation: availableMs === 0 ? null : ms.charging / availableMs,
  }
}
