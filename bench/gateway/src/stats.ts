/**
 * The median of `values` (the mean of the middle two for an even count); NaN for none. The one median of every
 * bench (bench/gateway is the package the others already build on: e2e, auth-flood, ftp, aggregator, chaos), so
 * "median" is the same figure in every JSON report.
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
