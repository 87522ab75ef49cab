import type { FleetSummary } from '@chargebus/simulator'

/** What the run was asked to show, besides its summary. */
export interface VerdictInput {
  readonly idTag: string
  /** Whether simulate registered `idTag` itself (development default). */
  readonly registeredTag: boolean
  /** `--expect-sessions N`; undefined: burst runs expect at least one, steady runs none. */
  readonly expectSessions: number | undefined
  /** Set when the run was stopped early because the gateway answered nothing for a while. */
  readonly stalled?: string
}

/** The lines printed to stderr after the JSON summary, and the exit code. */
export interface Verdict {
  readonly lines: readonly string[]
  readonly exitCode: 0 | 1
}

/**
 * Judges a run: failed calls, refused sessions (with the command that fixes an unknown tag) and too few
 * completed sessions each give a line and exit 1. A burst run always tries to charge, so zero sessions
 * there fails even without `--expect-sessions`.
 *
 * ### Examples
 * ```ts
 * verdict(summary, { idTag: 'SIM-TAG', registeredTag: false, expectSessions: 10 })
 * // { exitCode: 1, lines: ['simulate: REFUSED 10 sessions (Invalid 10): ...', ...] }
 * ```
 */
export function verdict(summary: FleetSummary, input: VerdictInput): Verdict {
  const lines: string[] = []
  if (input.stalled !== undefined) lines.push(`simulate: stopped early: ${input.stalled}`)
  const refused = Object.entries(summary.sessions.refused)
  const refusedTotal = refused.reduce((n, [, count]) => n + count, 0)
  if (refusedTotal > 0) {
    const byStatus = refused.map(([status, count]) => `${status} ${count}`).join(', ')
    const fix = input.registeredTag
      ? `the gateway refused id tag ${input.idTag} although simulate registered it: check its record with pnpm chargebus id-tags list`
      : `the gateway does not accept id tag ${input.idTag}; fix: pnpm chargebus id-tags add ${input.idTag} (or run simulate without --no-register-tag in development)`
    lines.push(`simulate: REFUSED ${refusedTotal} sessions (${byStatus}): ${fix}`)
  }
  if (summary.failed.total > 0) {
    const top = Object.entries(summary.failed.byReason)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([reason, count]) => `${reason} x${count}`)
      .join('; ')
    lines.push(`simulate: ${summary.failed.total} calls failed (${top})`)
  }
  const expected = input.expectSessions ?? (summary.profile === 'burst' ? 1 : 0)
  if (summary.sessions.completed < expected)
    lines.push(`simulate: ${summary.sessions.completed} sessions completed, expected at least ${expected}`)
  return { lines, exitCode: lines.length > 0 ? 1 : 0 }
}

/**
 * Watches progress for a gateway that stopped answering: true once no call has succeeded for `windowS`
 * seconds while calls kept failing (a quiet steady fleet making no calls is not a stall).
 */
export function createStallWatch(
  windowS: number,
): (tick: { elapsedS: number; calls: number; failed: number }) => boolean {
  let lastOk = 0
  let lastOkAtS = 0
  let failedAtLastOk = 0
  return ({ elapsedS, calls, failed }) => {
    const ok = calls - failed
    if (ok > lastOk) {
      lastOk = ok
      lastOkAtS = elapsedS
      failedAtLastOk = failed
      return false
    }
    return failed > failedAtLastOk && elapsedS - lastOkAtS >= windowS
  }
}
