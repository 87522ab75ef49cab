/**
 * What a recorded rebuild (a row of `aggregate_rebuilds`) means to an operator: pure, no I/O, "now" an argument.
 * A rebuild refreshes its row every {@link REBUILD_HEARTBEAT_MS}; one whose row stopped moving for longer than
 * {@link REBUILD_STALE_AFTER_MS} died without finishing (killed, host lost) and is reported as abandoned.
 */

/** How often a running rebuild writes its progress (its heartbeat). */
export const REBUILD_HEARTBEAT_MS = 1000
/**
 * Silence after which a running rebuild counts as abandoned: many heartbeats, so a busy database or a pause of the
 * rebuild's process is not mistaken for its death, and the clocks of its machine and the reader's may differ by
 * some seconds.
 */
export const REBUILD_STALE_AFTER_MS = 60_000
/**
 * The same silence allowed in the swap: its one transaction holds the rebuild's only connection (a rebuild adds
 * one connection to the aggregator's three, the bound of four), so no heartbeat is written until it
 * commits. A swap that was killed rolled back: nothing changed, only the report is late.
 */
export const REBUILD_SWAP_STALE_AFTER_MS = 30 * 60_000

export type RebuildPhase = 'archive' | 'stream' | 'write' | 'swap'
export type RecordedOutcome = 'running' | 'succeeded' | 'failed'
export type RebuildOutcome = RecordedOutcome | 'abandoned'

/** A recorded rebuild, as plain data (instants in epoch ms). */
export interface RecordedRebuild {
  phase: RebuildPhase | null
  seq: number
  endSeq: number
  events: number
  stationsWritten: number | null
  stationsTotal: number | null
  startedAt: number
  updatedAt: number
  finishedAt: number | null
  outcome: RecordedOutcome
  errorCode: string | null
}

/**
 * The rebuild's outcome at `now`: as recorded, except that a `running` row whose heartbeat is older than
 * `staleAfterMs` ({@link REBUILD_SWAP_STALE_AFTER_MS} in the swap) is `abandoned`. A heartbeat in the future (the
 * rebuild's clock ahead of ours) is fresh.
 *
 * ### Examples
 * ```ts
 * outcomeAt({ ...row, outcome: 'running', updatedAt: t }, t + 61_000) // 'abandoned'
 * ```
 */
export function outcomeAt(
  r: Pick<RecordedRebuild, 'outcome' | 'updatedAt' | 'phase'>,
  now: number,
): RebuildOutcome {
  if (r.outcome !== 'running') return r.outcome
  const staleAfterMs = r.phase === 'swap' ? REBUILD_SWAP_STALE_AFTER_MS : REBUILD_STALE_AFTER_MS
  return now - r.updatedAt > staleAfterMs ? 'abandoned' : 'running'
}

/**
 * How far the current phase is, from 0 to 1: the stream by sequence read of the last one (as the CLI's bar), the
 * write by stations written. Undefined where nothing measures it: the archive (its size is unknown until read)
 * and the swap (one transaction: its diff says nothing until it commits).
 */
export function phaseProgress(
  r: Pick<RecordedRebuild, 'phase' | 'seq' | 'endSeq' | 'stationsWritten' | 'stationsTotal'>,
): number | undefined {
  const ratio = (done: number, total: number) => (total > 0 ? Math.min(1, Math.max(0, done / total)) : 1)
  switch (r.phase) {
    case 'stream':
      return ratio(r.seq, r.endSeq)
    case 'write':
      return r.stationsTotal === null ? undefined : ratio(r.stationsWritten ?? 0, r.stationsTotal)
    default:
      return undefined
  }
}

/**
 * The code a failure is recorded with: an `AppError`'s code or a SQLSTATE (any short code of capitals, digits and
 * `_`), else `UNKNOWN`. Never the message: it may hold what an operator typed or a connection string.
 */
export function failureCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'UNKNOWN'
}
