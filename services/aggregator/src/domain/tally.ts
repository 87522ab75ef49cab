import type { Instant } from './instant.ts'

/**
 * Rollup values keyed by cell: what one entity (a session, a connector) contributes, a change to it, or a whole
 * rollup. Values are whole numbers (Wh, ms, counts), so adding and subtracting them is exact and the order of
 * additions never matters. Cells whose value is 0 are absent.
 */
export type Tally = ReadonlyMap<string, number>

/** The coordinates of one rollup cell. */
export interface Cell {
  /** What is counted: `energyWh`, `sessionsStarted`, `ms.charging`, `faults`... */
  readonly metric: string
  /** {@link Bucketing.id}: `utc:hour`, `Europe/Berlin:day`... */
  readonly bucketing: string
  readonly bucketStart: Instant
  /** Who it belongs to and any further breakdown (station, connector, error code...), outermost first. */
  readonly dims: readonly string[]
}

/**
 * The key of a cell in a {@link Tally}: its coordinates joined by NUL, which none of them can hold (Postgres text
 * and XML refuse it), so the key is unique and cheaper to build and read than JSON; {@link parseCellKey} reads it
 * back.
 */
export function cellKey(cell: Cell): string {
  return `${cell.metric}\0${cell.bucketing}\0${cell.bucketStart}${cell.dims.map((d) => `\0${d}`).join('')}`
}

export function parseCellKey(key: string): Cell {
  const [metric = '', bucketing = '', bucketStart = '', ...dims] = key.split('\0')
  return { metric, bucketing, bucketStart: Number(bucketStart), dims }
}

/** `a + factor * b`, cell by cell, dropping cells that end at 0. */
export function addTallies(a: Tally, b: Tally, factor = 1): Map<string, number> {
  return addInto(new Map(a), b, factor)
}

/** Adds `factor * b` to a mutable tally in place (summing many tallies without copying), and returns it. */
export function addInto(target: Map<string, number>, b: Tally, factor = 1): Map<string, number> {
  for (const [key, value] of b) {
    const sum = (target.get(key) ?? 0) + factor * value
    if (sum === 0) target.delete(key)
    else target.set(key, sum)
  }
  return target
}

/** Adds one value to a mutable tally (building a contribution). */
export function addToTally(tally: Map<string, number>, cell: Cell, value: number): void {
  if (value === 0) return
  const key = cellKey(cell)
  const sum = (tally.get(key) ?? 0) + value
  if (sum === 0) tally.delete(key)
  else tally.set(key, sum)
}

/** Adds one value of a series to its cell at `bucketStart` (0 adds nothing). */
export type SeriesAdder = (bucketStart: Instant, value: number) => void

/**
 * Where a contribution's cells go, one series at a time: a metric in one bucketing, for the entity's dims plus
 * `moreDims` (a fault's error code and vendor error code). A tally ({@link tallySink}) and a rebuild's cell sums
 * (`cell-sums.ts`) are both sinks, so each contribution rule is written once.
 */
export interface CellSink {
  series(metric: string, bucketing: string, moreDims?: readonly string[]): SeriesAdder
}

/** A sink that adds to `tally`, every cell keyed by `dims` (and the series' further dims). */
export function tallySink(tally: Map<string, number>, dims: readonly string[]): CellSink {
  return {
    series: (metric, bucketing, moreDims) => {
      const all = moreDims === undefined ? dims : [...dims, ...moreDims]
      return (bucketStart, value) => addToTally(tally, { metric, bucketing, bucketStart, dims: all }, value)
    },
  }
}

/** What a contribution written to a sink gives as a tally: the entity's cells keyed by `dims`. */
export function tallyOf(dims: readonly string[], write: (sink: CellSink) => void): Tally {
  const tally = new Map<string, number>()
  write(tallySink(tally, dims))
  return tally
}
