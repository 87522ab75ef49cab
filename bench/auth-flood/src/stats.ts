export interface Percentiles {
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** Nearest-rank percentiles, rounded to 0.01. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort()
  const at = (q: number) =>
    sorted.length === 0
      ? 0
      : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number)
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number)),
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = sorted.length >> 1
  return round(
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2,
  )
}

export const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits
