import type { Clock } from '@chargebus/platform'

/** Counts by outcome since `since`, what one summary line carries. */
export interface TallySummary {
  readonly since: string
  readonly counts: Readonly<Record<string, number>>
  readonly total: number
}

/**
 * Counts routine outcomes (a command finished, a retry scheduled) and hands back one summary per
 * `intervalMs`: a start-up against thousands of old commands logs a line a minute, not one per command.
 * No timer: the summary is due on the first count after the interval, read from the injected clock.
 *
 * ### Examples
 * ```ts
 * const tally = createRoutineTally(clock, 60_000)
 * const due = tally.count('expired') // undefined, or the counts of the last minute
 * if (due) log.info(due, 'commands finished in the last minute')
 * ```
 */
export function createRoutineTally(
  clock: Clock,
  intervalMs: number,
): { count(outcome: string): TallySummary | undefined } {
  let since = clock()
  let counts: Record<string, number> = {}
  let total = 0
  return {
    count(outcome) {
      counts[outcome] = (counts[outcome] ?? 0) + 1
      total++
      const now = clock()
      if (now.getTime() - since.getTime() < intervalMs) return undefined
      const summary = { since: since.toISOString(), counts, total }
      since = now
      counts = {}
      total = 0
      return summary
    },
  }
}
