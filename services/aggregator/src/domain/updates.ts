import type { CellRow } from './cell-rows.ts'

/** What changed for one station in a batch: its buckets, each with the metrics that changed. */
export interface StationUpdate {
  readonly stationId: string
  readonly changes: ReadonlyArray<{ bucketing: string; bucketStart: number; metrics: string[] }>
  readonly truncated: boolean
}

/**
 * The `aggregate.updated` summaries of a batch's changed cells: one per station, buckets in time order, at most
 * `maxChanges` each (then `truncated`: a dashboard re-reads the station).
 */
export function stationUpdates(rows: readonly CellRow[], maxChanges: number): StationUpdate[] {
  const byStation = new Map<
    string,
    Map<string, { bucketing: string; bucketStart: number; metrics: Set<string> }>
  >()
  for (const r of rows) {
    const buckets = byStation.get(r.stationId) ?? new Map()
    byStation.set(r.stationId, buckets)
    const key = `${r.bucketing}|${r.bucketStart}`
    const bucket = buckets.get(key) ?? {
      bucketing: r.bucketing,
      bucketStart: r.bucketStart,
      metrics: new Set(),
    }
    buckets.set(key, bucket)
    bucket.metrics.add(r.metric)
  }
  return [...byStation].map(([stationId, buckets]) => {
    const all = [...buckets.values()].sort(
      (a, b) =>
        a.bucketStart - b.bucketStart || (a.bucketing < b.bucketing ? -1 : a.bucketing > b.bucketing ? 1 : 0),
    )
    return {
      stationId,
      changes: all.slice(0, maxChanges).map((b) => ({ ...b, metrics: [...b.metrics].sort() })),
      truncated: all.length > maxChanges,
    }
  })
}
