import { apportion } from './apportion.ts'
import { type Bucketing, sliceByBuckets } from './buckets.ts'
import type { Instant } from './instant.ts'

/** One reading of a connector's energy register (Energy.Active.Import.Register) during a session. */
export interface RegisterSample {
  readonly at: Instant
  readonly registerWh: number
}

/**
 * What is known of one session's meter. `stoppedAt` and `meterStopWh` come together (a completed session) or
 * not at all (a session still open). `samples` may hold duplicates, be in any order, and go backwards.
 */
export interface SessionMeter {
  readonly startedAt: Instant
  readonly meterStartWh: number
  readonly stop?: { readonly stoppedAt: Instant; readonly meterStopWh: number } | undefined
  readonly samples: readonly RegisterSample[]
}

/** Whole watt-hours booked to the bucket starting at `bucketStart`. */
export interface EnergyPart {
  readonly bucketStart: Instant
  readonly wh: number
}

export interface EnergySpread {
  /** What the session delivered, in whole Wh: the parts add up to exactly this. */
  readonly energyWh: number
  /** Buckets in time order; buckets that got 0 Wh are left out. */
  readonly parts: EnergyPart[]
  /** A sample below an earlier reading, or meterStop below meterStart (a reset, a meter swap, a glitch). */
  readonly registerWentBackwards: boolean
}

interface Point {
  readonly at: Instant
  readonly wh: number
}

/**
 * The register curve the energy is spread along: from (startedAt, meterStart) through the samples to
 * (stoppedAt, meterStop), or to the last sample while the session is open. Samples outside the session are
 * ignored (the start and stop readings are the authoritative ends); several samples at one instant keep the
 * highest; the curve never goes down (a reading below an earlier one holds the level: a reset or a glitch
 * delivers no energy) and, once stopped, never rises above meterStop (a spike cannot move energy outside the
 * session's total).
 */
function registerCurve(session: SessionMeter): { points: Point[]; wentBackwards: boolean } {
  const { startedAt, meterStartWh, stop } = session
  const endAt = stop ? Math.max(startedAt, stop.stoppedAt) : Number.POSITIVE_INFINITY
  const byInstant = new Map<Instant, number>()
  for (const s of session.samples) {
    if (!(s.at > startedAt && s.at < endAt) || !Number.isFinite(s.registerWh)) continue
    byInstant.set(s.at, Math.max(byInstant.get(s.at) ?? Number.NEGATIVE_INFINITY, s.registerWh))
  }
  const ceiling = stop ? stop.meterStopWh : Number.POSITIVE_INFINITY
  const points: Point[] = [{ at: startedAt, wh: meterStartWh }]
  let level = meterStartWh
  let raw = meterStartWh
  let wentBackwards = stop !== undefined && stop.meterStopWh < meterStartWh
  for (const at of [...byInstant.keys()].sort((a, b) => a - b)) {
    const wh = byInstant.get(at) ?? level
    if (wh < raw) wentBackwards = true
    raw = wh
    level = Math.min(ceiling, Math.max(level, wh))
    points.push({ at, wh: level })
  }
  if (stop) points.push({ at: endAt, wh: stop.meterStopWh })
  return { points, wentBackwards }
}

/**
 * Splits a session's energy over buckets by linear interpolation of its energy register between consecutive
 * readings, in whole Wh that add up exactly to the session's energy (largest-remainder rounding).
 *
 * - A completed session delivers meterStop - meterStart. If that is negative (the register was reset or the
 *   meter swapped mid-session) the true figure is unknown and the session books 0 Wh, flagged
 *   `registerWentBackwards`: a rollup never subtracts energy, and ingest reports the reading as
 *   `meter.register_decreased`.
 * - An open session delivers up to its last sample (rounded to whole Wh); with no sample yet, nothing.
 * - Without samples, a completed session's energy spreads evenly over its duration; a zero-length session books
 *   all of it in the bucket of its start.
 * - Only the set of inputs matters: duplicated or reordered samples give the same parts.
 *
 * ### Examples
 * ```ts
 * spreadSessionEnergy(
 *   { startedAt: t('23:00'), meterStartWh: 0, stop: { stoppedAt: t('01:00+1d'), meterStopWh: 30 }, samples: [] },
 *   utcBuckets.day,
 * ) // { energyWh: 30, parts: [{ bucketStart: day1, wh: 15 }, { bucketStart: day2, wh: 15 }], ... }
 * ```
 */
export function spreadSessionEnergy(session: SessionMeter, bucketing: Bucketing): EnergySpread {
  const { points, wentBackwards } = registerCurve(session)
  const first = points[0]
  const last = points[points.length - 1]
  if (!first || !last) return { energyWh: 0, parts: [], registerWentBackwards: wentBackwards }
  const energyWh = Math.max(0, Math.round(last.wh - first.wh))
  if (energyWh === 0) return { energyWh, parts: [], registerWentBackwards: wentBackwards }
  if (last.at === first.at) {
    return {
      energyWh,
      parts: [{ bucketStart: bucketing.bucketOf(first.at).start, wh: energyWh }],
      registerWentBackwards: wentBackwards,
    }
  }
  const shares = new Map<Instant, number>()
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]
    const b = points[i]
    if (!a || !b || b.wh <= a.wh) continue
    const rate = (b.wh - a.wh) / (b.at - a.at)
    for (const slice of sliceByBuckets(bucketing, a.at, b.at)) {
      shares.set(slice.bucket.start, (shares.get(slice.bucket.start) ?? 0) + rate * (slice.to - slice.from))
    }
  }
  const starts = [...shares.keys()].sort((a, b) => a - b)
  const whs = apportion(
    energyWh,
    starts.map((s) => shares.get(s) ?? 0),
  )
  const parts = starts.map((bucketStart, i) => ({ bucketStart, wh: whs[i] ?? 0 })).filter((p) => p.wh !== 0)
  return { energyWh, parts, registerWentBackwards: wentBackwards }
}
