import { median } from '../../gateway/src/stats.ts'

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

/** The median of the rounds (`median`, bench/gateway), rounded to 0.01 as this bench reports its figures. */
export function roundedMedian(values: readonly number[]): number {
  return round(median(values))
}

export const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits
