import { randomUUID } from 'node:crypto'
import { createSerialTimer } from '@chargebus/platform'
import type { Logger } from 'pino'
import type { PullSource } from '../../config.ts'
import { claimPullLease, releasePullLease } from '../../data-access/ftp-pull-files.ts'
import { nextPollAt } from '../../domain/pull-files.ts'
import type { FtpIngestMetrics } from '../../metrics.ts'
import { type PollReport, pollSource } from '../../pull/pull-source.ts'
import type { ReceiveUploadDeps } from '../../receive-upload.ts'

export interface PullTimerOptions {
  sources: readonly PullSource[]
  /** Where pulled files go (the same path as uploads); its clock decides when a source is due. */
  receive: ReceiveUploadDeps
  metrics: FtpIngestMetrics
  logger: Logger
  timeoutMs: number
  leaseMs: number
  /** How often the timer looks for due sources (each has its own interval). */
  tickMs: number
}

/** What a pass did with one source. */
export type PollOutcome =
  | { readonly source: string; readonly outcome: 'ok'; readonly report: PollReport }
  | { readonly source: string; readonly outcome: 'failed'; readonly error: unknown }
  | { readonly source: string; readonly outcome: 'leased' | 'not-due' }

export interface PullTimer {
  /**
   * One pass, after any pass already running: polls each source whose time has come by the clock, one source
   * at a time, and resolves with what happened to each (tests move their clock, then call this).
   */
  runDue(): Promise<PollOutcome[]>
  /** Passes every `tickMs` in the background, the first at once. */
  start(): void
  /** Cuts a download in progress, waits for the running pass, then gives this replica's leases up. */
  stop(): Promise<void>
}

/**
 * The pull-mode schedule. A source is due at start, then one interval after each poll, and after failures in a
 * row (server down, login refused, listing failed) later and later (`nextPollAt`). A poll first takes the
 * source's lease (`ftp_pull_leases`), so one replica at a time polls a source; a replica that finds it held
 * tries again one interval later. Sources are polled one after another: one FTP connection and one Postgres
 * connection at a time, whatever the number of sources.
 */
export function createPullTimer(opts: PullTimerOptions): PullTimer {
  const { receive, metrics } = opts
  const { db, clock } = receive
  const log = opts.logger.child({ component: 'ftp-pull' })
  const holder = randomUUID()
  const state = new Map(
    opts.sources.map((s) => [s.name, { nextAt: undefined as Date | undefined, failures: 0 }]),
  )
  let aborter = new AbortController()

  const lease = (source: PullSource) => {
    const now = clock()
    return claimPullLease(db, {
      source: source.name,
      holder,
      now,
      until: new Date(now.getTime() + opts.leaseMs),
    })
  }

  async function poll(source: PullSource): Promise<PollOutcome> {
    const s = state.get(source.name) as { nextAt: Date | undefined; failures: number }
    const now = clock()
    if (s.nextAt !== undefined && s.nextAt > now) return { source: source.name, outcome: 'not-due' }
    let outcome: PollOutcome
    try {
      if (await lease(source)) {
        const report = await pollSource(
          {
            receive,
            metrics,
            logger: log,
            timeoutMs: opts.timeoutMs,
            keepLease: () => lease(source),
            signal: aborter.signal,
          },
          source,
        )
        s.failures = 0
        outcome = { source: source.name, outcome: 'ok', report }
      } else outcome = { source: source.name, outcome: 'leased' }
    } catch (error) {
      s.failures++
      outcome = { source: source.name, outcome: 'failed', error }
    }
    s.nextAt = nextPollAt(now, source.intervalMs, s.failures)
    metrics.pullPolls.inc({ source: source.name, outcome: outcome.outcome })
    if (outcome.outcome === 'failed')
      log.warn(
        {
          err: outcome.error,
          source: source.name,
          server: source.label,
          failures: s.failures,
          nextAt: s.nextAt,
        },
        'pull source failed; polled again later',
      )
    return outcome
  }

  async function pass(): Promise<PollOutcome[]> {
    const outcomes: PollOutcome[] = []
    for (const source of opts.sources) {
      if (timer.stopped()) break
      outcomes.push(await poll(source))
    }
    return outcomes
  }
  const timer = createSerialTimer(pass, opts.tickMs)

  return {
    runDue: timer.runNow,
    start() {
      aborter = new AbortController()
      timer.start()
    },
    async stop() {
      // A download in progress is cut (nothing of it is kept; the next start pulls it again).
      const stopping = timer.stop()
      aborter.abort()
      await stopping
      for (const source of opts.sources)
        await releasePullLease(db, source.name, holder).catch((err) =>
          log.warn({ err, source: source.name }, 'pull lease not released; it runs out by itself'),
        )
    },
  }
}
