import { DateTime, IANAZone } from 'luxon'
import { InvalidTimeZone } from './errors.ts'
import type { Instant } from './instant.ts'

/** The intervals a rollup is bucketed by. Hours are UTC only; days and months also in a local time zone. */
export type Interval = 'hour' | 'day' | 'month'

/** A half-open stretch of time [start, end): an instant on a boundary belongs to the later bucket. */
export interface Bucket {
  readonly start: Instant
  readonly end: Instant
}

/** One way of cutting the time line into buckets; `id` names it in rollup keys (`utc:hour`, `Europe/Berlin:day`). */
export interface Bucketing {
  readonly id: string
  readonly interval: Interval
  /** `UTC` or an IANA zone name. */
  readonly zone: string
  /** The bucket an instant falls in. */
  bucketOf(at: Instant): Bucket
}

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

function floorTo(at: Instant, size: number): Bucket {
  const start = Math.floor(at / size) * size
  return { start, end: start + size }
}

function utcMonth(at: Instant): Bucket {
  const d = new Date(at)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) }
}

/**
 * UTC buckets. UTC has no daylight saving, so plain arithmetic on epoch milliseconds is exact: every hour is
 * 3,600,000 ms and every day 86,400,000 ms (epoch milliseconds ignore leap seconds).
 *
 * ### Examples
 * ```ts
 * utcBuckets.day.bucketOf(Date.parse('2026-03-29T23:30:00Z')) // { start: 2026-03-29T00:00Z, end: 2026-03-30T00:00Z }
 * ```
 */
export const utcBuckets: Readonly<Record<Interval, Bucketing>> = {
  hour: { id: 'utc:hour', interval: 'hour', zone: 'UTC', bucketOf: (at) => floorTo(at, HOUR_MS) },
  day: { id: 'utc:day', interval: 'day', zone: 'UTC', bucketOf: (at) => floorTo(at, DAY_MS) },
  // a Date per call was a few percent of a rebuild's CPU: remembered per UTC day, as zoned buckets are
  month: { id: 'utc:month', interval: 'month', zone: 'UTC', bucketOf: cachedByUtcDay(utcMonth) },
}

/**
 * The zone a station's daily and monthly rollups use: its own override if it has one, else the network's
 * default. Throws {@link InvalidTimeZone} for a name that is not an IANA zone, so bad configuration fails at
 * start-up instead of bucketing silently in UTC.
 */
export function resolveTimeZone(networkZone: string, stationZone?: string | null): string {
  const zone = stationZone ?? networkZone
  if (!isValidZone(zone)) throw new InvalidTimeZone(zone)
  return zone
}

/** Zone names checked so far: a check builds an Intl formatter (a quarter of a batch's CPU in a profile); the answer never changes. */
const checkedZones = new Map<string, boolean>()

function isValidZone(zone: string): boolean {
  let valid = checkedZones.get(zone)
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone)
    // bounded: names come from configuration and the stations table, but a hostile table must not grow this
    if (checkedZones.size < 10_000) checkedZones.set(zone, valid)
  }
  return valid
}

/**
 * Local calendar days or months in an IANA zone. The zone rules (DST, historical offsets) come from the
 * runtime's `Intl` tz data through luxon; nothing here knows a rule. A bucket starts at the first instant of its
 * local date (local midnight, or the first existing time where a DST jump skips midnight) and ends where the
 * next one starts, so a local day is 23, 24 or 25 hours long and consecutive buckets tile the time line.
 *
 * ### Examples
 * ```ts
 * const day = zonedBuckets('Europe/Berlin', 'day')
 * const b = day.bucketOf(Date.parse('2026-03-29T12:00:00Z'))
 * (b.end - b.start) / 3_600_000 // 23: clocks go forward that night
 * ```
 */
export function zonedBuckets(zone: string, interval: 'day' | 'month'): Bucketing {
  // The default network zone: UTC's days and months are plain arithmetic (no DST), no luxon needed.
  if (zone === 'UTC') return { ...utcBuckets[interval], id: `UTC:${interval}` }
  if (!IANAZone.isValidZone(zone)) throw new InvalidTimeZone(zone)
  const tz = IANAZone.create(zone)
  const unit = interval
  const step = interval === 'day' ? { days: 1 } : { months: 1 }
  const compute = (at: Instant): Bucket => {
    const start = DateTime.fromMillis(at, { zone: tz }).startOf(unit)
    // From the start (a local midnight), one calendar step then startOf again: the next bucket's own start.
    const end = start.plus(step).startOf(unit)
    return { start: start.toMillis(), end: end.toMillis() }
  }
  return { id: `${zone}:${interval}`, interval, zone, bucketOf: cachedByUtcDay(compute) }
}

/** UTC days whose buckets a zoned bucketing remembers (about 27 years of days); beyond it the memory starts over. */
const CACHED_DAYS = 10_000

/**
 * Remembers, per UTC day, the buckets that overlap it: luxon's zone arithmetic (Intl formatting) costs
 * microseconds per call and the aggregator asks for the same few buckets millions of times. Exact for any
 * bucketing whose buckets tile the time line (they do: a property test checks it), whatever the zone's offsets.
 */
function cachedByUtcDay(compute: (at: Instant) => Bucket): (at: Instant) => Bucket {
  const byDay = new Map<number, Bucket[]>()
  return (at) => {
    const day = Math.floor(at / DAY_MS)
    let overlapping = byDay.get(day)
    if (overlapping === undefined) {
      let last = compute(day * DAY_MS)
      overlapping = [last]
      while (last.end < (day + 1) * DAY_MS) {
        last = compute(last.end)
        overlapping.push(last)
      }
      if (byDay.size >= CACHED_DAYS) byDay.clear()
      byDay.set(day, overlapping)
    }
    for (const bucket of overlapping) if (at >= bucket.start && at < bucket.end) return bucket
    return compute(at)
  }
}

/** A piece of [from, to) inside one bucket. */
export interface BucketSlice {
  readonly bucket: Bucket
  readonly from: Instant
  readonly to: Instant
}

/**
 * Cuts [from, to) at the bucket boundaries. An empty or reversed interval has no slices.
 *
 * ### Examples
 * ```ts
 * sliceByBuckets(utcBuckets.hour, t('10:30'), t('12:15')) // [10:30-11:00], [11:00-12:00], [12:00-12:15]
 * ```
 */
export function sliceByBuckets(bucketing: Bucketing, from: Instant, to: Instant): BucketSlice[] {
  const out: BucketSlice[] = []
  let at = from
  while (at < to) {
    const bucket = bucketing.bucketOf(at)
    const end = Math.min(bucket.end, to)
    out.push({ bucket, from: at, to: end })
    at = end
  }
  return out
}
