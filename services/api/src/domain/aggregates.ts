import { type FieldError, ValidationFailed } from './errors.ts'

/*
 * The rules of `GET /v1/aggregates/...` and the aggregate CSV exports: which rollup cells an interval reads,
 * which dimensions a grouping keeps, how long a range may be, and the availability ratios. Pure: no I/O.
 * The cell layout (metric, bucketing, dims) is the aggregator's read contract (migration 2026-12-06-aggregates).
 */

/** `hour` is a UTC hour; `day` and `month` are the station's local day and month (its zone, else the network's). */
export const INTERVAL_BUCKETINGS = {
  hour: 'utc:hour',
  day: 'local:day',
  month: 'local:month',
} as const
export type AggregateInterval = keyof typeof INTERVAL_BUCKETINGS

/**
 * The longest `to - from` per interval: a page of a network-wide series stays a few hundred buckets, and a
 * query never scans more than a bounded slice of the `(metric, bucketing, bucket_start)` index.
 */
export const MAX_RANGE_DAYS: Record<AggregateInterval, number> = { hour: 31, day: 366, month: 3660 }

/** Rows per page of an aggregate listing: the query schema's default and maximum, and what a direct call uses. */
export const AGGREGATE_PAGE = { default: 1000, max: 5000 } as const

const DAY_MS = 24 * 60 * 60 * 1000

/** The dimensions a grouping keeps besides the bucket (and its zone); the columns of `aggregates` they read. */
export const GROUP_COLUMNS = {
  network: [],
  station: ['station_id'],
  connector: ['station_id', 'connector_id'],
  idTag: ['dim'],
} as const satisfies Record<string, ReadonlyArray<'station_id' | 'connector_id' | 'dim'>>
export type AggregateGroupBy = keyof typeof GROUP_COLUMNS

export type AggregateKind = 'energy' | 'utilization' | 'faults'

/** Connector time per state: the field of a row and the metric (ms) it sums. */
export const TIME_METRICS = {
  chargingMs: 'charging_ms',
  idleMs: 'idle_ms',
  freeMs: 'free_ms',
  unavailableMs: 'unavailable_ms',
  faultedMs: 'faulted_ms',
  unknownMs: 'unknown_ms',
} as const

/** Connector time per state (ms), summed over a group. */
export type ConnectorTimes = Record<keyof typeof TIME_METRICS, number>

/** The metrics each kind sums (cells of the aggregator). */
export const KIND_METRICS = {
  energy: ['energy_wh', 'sessions_started', 'sessions_completed'],
  utilization: Object.values(TIME_METRICS),
  faults: ['faults'],
} as const satisfies Record<AggregateKind, readonly string[]>

/** What each kind allows: intervals and groupings (the lists). */
export const KIND_RULES: Record<
  AggregateKind,
  { intervals: readonly AggregateInterval[]; groupBy: readonly AggregateGroupBy[] }
> = {
  energy: { intervals: ['hour', 'day', 'month'], groupBy: ['network', 'station', 'connector', 'idTag'] },
  utilization: { intervals: ['day', 'month'], groupBy: ['network', 'station', 'connector'] },
  faults: { intervals: ['day', 'month'], groupBy: ['network', 'station', 'connector'] },
}

export interface AggregateRange {
  from: string
  to: string
  interval: AggregateInterval
}

/**
 * Checks `from < to` and the interval's longest range; throws one validation problem naming `to`.
 *
 * ### Examples
 * ```ts
 * checkAggregateRange({ from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z', interval: 'hour' }) // throws
 * ```
 */
export function checkAggregateRange(range: AggregateRange): void {
  const from = Date.parse(range.from)
  const to = Date.parse(range.to)
  const errors: FieldError[] = []
  const maxDays = MAX_RANGE_DAYS[range.interval]
  if (!(to > from)) errors.push({ name: 'to', reason: 'must be after from' })
  else if (to - from > maxDays * DAY_MS)
    errors.push({
      name: 'to',
      reason: `the range from..to is at most ${maxDays} days for interval=${range.interval}; split the query`,
    })
  if (errors.length > 0) throw new ValidationFailed(errors)
}

/**
 * The domain's ratios over summed times: availability = time not Faulted/Unavailable over known time (unknown
 * time is neither up nor down), utilisation = charging over available time; null where the denominator is 0.
 * Groups add their times first and divide once: ratios are never averaged.
 */
export function availabilityOf(t: ConnectorTimes): {
  availability: number | null
  utilization: number | null
} {
  const available = t.chargingMs + t.idleMs + t.freeMs
  const known = available + t.unavailableMs + t.faultedMs
  return {
    availability: known === 0 ? null : available / known,
    utilization: available === 0 ? null : t.chargingMs / available,
  }
}
