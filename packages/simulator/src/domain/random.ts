/**
 * A seeded pseudo-random generator whose whole state is one 32-bit number (mulberry32), so a station's state stays
 * plain data and the same seed gives the same sequence of decisions on every run.
 *
 * ### Examples
 * ```ts
 * const a = nextRandom(42) // { value: 0.6011..., state: 1831565855 }
 * const b = nextRandom(a.state)
 * ```
 */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) | 0
  let t = next
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next >>> 0 }
}

/**
 * The seed of one station: the fleet seed mixed with the station's index, so each station's decisions depend only on
 * its own events, never on how the event loop interleaved the fleet.
 */
export function stationSeed(fleetSeed: number, index: number): number {
  let h = (Math.imul(fleetSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

/** Draws from a state-carrying record: returns the value and the record with its new `rng`. */
export function draw<S extends { readonly rng: number }>(s: S): [number, S] {
  const r = nextRandom(s.rng)
  return [r.value, { ...s, rng: r.state }]
}

/** A uniform number in [min, max). */
export function between(value: number, min: number, max: number): number {
  return min + value * (max - min)
}
