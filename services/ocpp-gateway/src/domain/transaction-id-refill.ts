/*
 * When and how much the transaction-id pool reserves from Postgres (pure; the pool does the I/O). A block is
 * sized to demand: the ids asked for per second times the time a block takes to arrive, so a burst gets
 * larger blocks (several outstanding when demand keeps rising) and the refill starts before the reserve runs
 * low, not when it is empty.
 */

/** Ids asked for in two consecutive windows; `windowStart` in ms of a monotonic clock (`performance.now()`). */
export interface DemandMeter {
  windowStart: number
  current: number
  previous: number
}

/** The demand window: short enough to follow a burst, long enough to smooth single requests. */
export const DEMAND_WINDOW_MS = 1000

export const emptyDemand: DemandMeter = { windowStart: 0, current: 0, previous: 0 }

/** The meter after `n` ids were asked for at `now`. */
export function countDemand(m: DemandMeter, now: number, n = 1): DemandMeter {
  const r = roll(m, now)
  return { ...r, current: r.current + n }
}

/**
 * Ids asked for per second: the larger of the last full window and the current one, so a burst counts at once
 * and a quiet spell drops the rate within two windows.
 *
 * ### Examples
 * ```ts
 * demandPerSecond({ windowStart: 0, current: 300, previous: 100 }, 500) // 300
 * ```
 */
export function demandPerSecond(m: DemandMeter, now: number): number {
  const r = roll(m, now)
  return (Math.max(r.current, r.previous) * 1000) / DEMAND_WINDOW_MS
}

function roll(m: DemandMeter, now: number): DemandMeter {
  const elapsed = now - m.windowStart
  if (elapsed < DEMAND_WINDOW_MS) return m
  const windows = Math.floor(elapsed / DEMAND_WINDOW_MS)
  return {
    windowStart: m.windowStart + windows * DEMAND_WINDOW_MS,
    current: 0,
    previous: windows === 1 ? m.current : 0,
  }
}

/**
 * The lead time after a block took `sampleMs` to arrive: a slower block counts at once, a faster one only
 * a fifth, so one quick answer in a slow spell does not shrink the next block.
 */
export function nextLeadMs(leadMs: number, sampleMs: number): number {
  return sampleMs >= leadMs ? sampleMs : leadMs * 0.8 + sampleMs * 0.2
}

export interface RefillState {
  /** Ids in the reserve. */
  available: number
  /** Ids of the blocks being reserved. */
  incoming: number
  /** Blocks being reserved. */
  outstanding: number
  /** `reserve()` calls queued for an id. */
  waiting: number
  demandPerS: number
  /** How long a block takes to arrive (`nextLeadMs`). */
  leadMs: number
}

export interface RefillLimits {
  /** The smallest block (`OCPP_TRANSACTION_ID_BLOCK_SIZE`). */
  minBlock: number
  /** The largest block (`OCPP_TRANSACTION_ID_MAX_BLOCK_SIZE`). */
  maxBlock: number
  /** Blocks reserved at once at most. */
  maxOutstanding: number
}

/**
 * The size of the block to reserve now, 0 for none. The low-water mark is what two lead times of demand use
 * (at least half of the smallest block, as when idle) plus the queued callers; when the reserve and the ids
 * on their way are at or below it, a block tops them up to twice the mark.
 *
 * ### Examples
 * ```ts
 * const limits = { minBlock: 1000, maxBlock: 50_000, maxOutstanding: 2 }
 * nextRefillSize({ available: 400, incoming: 0, outstanding: 0, waiting: 0, demandPerS: 0, leadMs: 5 }, limits) // 1000
 * nextRefillSize({ available: 0, incoming: 0, outstanding: 0, waiting: 1024, demandPerS: 1024, leadMs: 500 }, limits) // 4096
 * ```
 */
export function nextRefillSize(s: RefillState, limits: RefillLimits): number {
  if (s.outstanding >= limits.maxOutstanding) return 0
  const perLead = Math.ceil((s.demandPerS * s.leadMs) / 1000)
  const lowWater = Math.max(Math.ceil(limits.minBlock / 2), 2 * perLead) + s.waiting
  const have = s.available + s.incoming
  if (have > lowWater) return 0
  return Math.min(limits.maxBlock, Math.max(limits.minBlock, 2 * lowWater - have))
}
