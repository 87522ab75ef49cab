/** Downsampling buckets of `GET /v1/sessions/{id}/meter-values?bucket=`: name -> Postgres interval. */
export const BUCKETS = {
  '1m': '1 minute',
  '5m': '5 minutes',
  '15m': '15 minutes',
  '1h': '1 hour',
} as const

export type BucketName = keyof typeof BUCKETS

/**
 * Registers (cumulative counters such as Energy.Active.Import.Register) are summarised by their last value
 * in a bucket; averaging a counter means nothing.
 */
export function isRegister(measurand: string): boolean {
  return measurand.endsWith('.Register')
}
