import { type Clock, createScrapeRead } from '@chargebus/platform'
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { RebuildHistory } from './data-access/rebuilds-store.ts'
import { outcomeAt, phaseProgress, type RebuildPhase } from './domain/rebuild-status.ts'

export interface RebuildMetricsOptions {
  /** The recorded rebuilds (`readRebuildHistory` on the service's pool). */
  read: () => Promise<RebuildHistory | undefined>
  /** The service's clock: a silent running rebuild is abandoned after `REBUILD_STALE_AFTER_MS` of it. */
  clock: Clock
  logger: Logger
  /** A read that takes longer is given up for this scrape (default 2000 ms). */
  timeoutMs?: number
}

const PHASES: readonly RebuildPhase[] = ['archive', 'stream', 'write', 'swap']

/**
 * Registers the `aggregator_rebuild_*` gauges (the aggregator's README, Metrics), computed at each scrape from the
 * newest `aggregate_rebuilds` row: a rebuild runs in the CLI, anywhere, and records itself there. One read per
 * scrape, shared by the gauges (`createScrapeRead`). A read that fails or takes longer than `timeoutMs` (the
 * pool busy with batches) is counted and logged at debug, and leaves the gauges as the last read set them:
 * /metrics never fails or waits long for it.
 */
export function registerRebuildMetrics(registry: Registry, opts: RebuildMetricsOptions): void {
  const registers = [registry]
  const timeoutMs = opts.timeoutMs ?? 2000
  const failures = new Counter({
    name: 'aggregator_rebuild_status_read_failures_total',
    help: 'Scrapes whose read of the recorded rebuilds (aggregate_rebuilds) failed or timed out.',
    registers,
    // Collected after this scrape's read, so a failure is counted in the scrape it happened in.
    async collect() {
      await snapshot()
    },
  })
  type Snapshot = { history: RebuildHistory | undefined; now: number }
  const snapshot = createScrapeRead(
    async (): Promise<Snapshot> => ({ history: await opts.read(), now: opts.clock().getTime() }),
    {
      timeoutMs,
      onError(err) {
        failures.inc()
        opts.logger.debug({ err }, 'recorded rebuilds not read for /metrics')
      },
    },
  )

  /** A gauge set from each successful read; a failed read leaves it as it was. */
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    set: (g: Gauge<L>, s: Snapshot) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const read = await snapshot()
        if (!read.ok) return
        this.reset()
        // reset() leaves a label-less gauge at 0: without a value to say, no series (absent, not 0 = 1970).
        if (labelNames.length === 0) this.remove()
        set(this, read.value)
      },
    })

  const running = (s: Snapshot) =>
    s.history !== undefined && outcomeAt(s.history.latest, s.now) === 'running' ? s.history.latest : undefined

  gauge(
    'aggregator_rebuild_running',
    'Whether a rebuild is running (recorded running, its heartbeat fresher than 60 s): 1 or 0.',
    [],
    (g, s) => g.set(running(s) ? 1 : 0),
  )
  gauge(
    'aggregator_rebuild_phase',
    "The running rebuild's phase: 1 on the current one (archive, stream, write, swap); no series when none runs.",
    ['phase'],
    (g, s) => {
      const r = running(s)
      for (const phase of PHASES) if (r?.phase === phase) g.set({ phase }, 1)
    },
  )
  gauge(
    'aggregator_rebuild_progress_ratio',
    "How far the running rebuild's current phase is (stream: sequence read / last; write: stations written / all).",
    [],
    (g, s) => {
      const r = running(s)
      const ratio = r && phaseProgress(r)
      if (ratio !== undefined) g.set(ratio)
    },
  )
  gauge(
    'aggregator_rebuild_events',
    'Events the newest rebuild folded (and applied in its swap), running or ended.',
    [],
    (g, s) => {
      if (s.history) g.set(s.history.latest.events)
    },
  )
  gauge(
    'aggregator_rebuild_last_outcome',
    'The newest rebuild: 1 on its outcome (running, succeeded, failed with error_code, abandoned = silent 60 s).',
    ['outcome', 'error_code'],
    (g, s) => {
      if (s.history === undefined) return
      const outcome = outcomeAt(s.history.latest, s.now)
      g.set({ outcome, error_code: outcome === 'failed' ? (s.history.latest.errorCode ?? '') : '' }, 1)
    },
  )
  gauge(
    'aggregator_rebuild_last_success_timestamp_seconds',
    'When the newest successful rebuild finished (Unix seconds).',
    [],
    (g, s) => {
      if (s.history?.lastSuccess) g.set(s.history.lastSuccess.finishedAt / 1000)
    },
  )
  gauge(
    'aggregator_rebuild_last_duration_seconds',
    'How long the newest successful rebuild took (start to finish).',
    [],
    (g, s) => {
      const last = s.history?.lastSuccess
      if (last) g.set((last.finishedAt - last.startedAt) / 1000)
    },
  )
}
