import type { Bus, ConsumerBacklog } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { type Clock, createSerialTimer } from '@chargebus/platform'
import type { KvBucketHandles } from '@chargebus/station-registry'
import type { Logger } from 'pino'
import { type MirrorWatermark, mirrorChangedSince } from '../../data-access/kv-reconcile.ts'
import { type OutboxEntry, pendingOutbox, publishOutbox } from '../../data-access/outbox.ts'
import {
  ensurePartitions,
  markOfflineStations,
  reportOverdueSessions,
  type SweepChunk,
} from '../../data-access/sweeps.ts'
import type { IngestMetrics } from '../../metrics.ts'

export interface MaintenanceOptions {
  db: Kysely<Database>
  bus: Bus
  kvs: KvBucketHandles
  logger: Logger
  metrics: IngestMetrics
  clock: Clock
  /** The station-message consumer's backlog (undefined while its durable does not exist). */
  backlog: () => Promise<ConsumerBacklog | undefined>
  /** Above this backlog, the state is too stale for rules about the present (offline, overdue). */
  maxBacklogForPresentRules: number
  sweepIntervalMs: number
  partitionCheckIntervalMs: number
  offlineAfterHeartbeats: number
  defaultHeartbeatIntervalS: number
  sessionOverdueS: number
}

export type SweepStep = 'outbox' | 'offline' | 'overdue' | 'kv-mirror'

/** The start-up catch-up: the first full pass, in the background while ingest consumes. */
export interface CatchUpStatus {
  status: 'running' | 'done'
  /** Rows handled so far, by step. */
  progress: Record<SweepStep, number>
}

export interface Maintenance {
  /** What must precede consuming, bounded whatever the fleet: this month's partitions. */
  prepare(): Promise<void>
  /** One pass of every sweep, after any pass already running (tests move their clock, then call this). */
  runOnce(): Promise<void>
  /** Schedules passes every `sweepIntervalMs`, the first one (the catch-up) at once, in the background. */
  start(): void
  stop(): Promise<void>
  catchUp(): CatchUpStatus
  /** Resolves when the first pass completed every step (a failed or interrupted pass is retried next time). */
  catchUpFinished(): Promise<void>
}

/** Rows per chunk of a sweep: each chunk is one short transaction (or one page of KV writes). */
const SWEEP_CHUNK = 500
/** Catch-up progress is logged at most this often per step. */
const PROGRESS_LOG_MS = 1000

/** Outbox entries younger than this are still being published by their batch. */
const OUTBOX_GRACE_MS = 5_000

/**
 * The periodic work of ingest, one pass at a time: publish outbox leftovers, mark overdue stations offline,
 * report overdue sessions, mirror id tags and registration decisions into KV, and (less often) create monthly
 * partitions ahead. Every step works in chunks of SWEEP_CHUNK rows, so a pass over a whole fleet (the first
 * one, the catch-up after start-up or downtime) is many short transactions that a shutdown can stop between.
 * A failing step is logged and retried next pass.
 *
 * Offline and overdue detection state facts about the present, so they run only when ingest's state is
 * current: while the consumer has a backlog (a restart after downtime, a replay from the start of the stream),
 * last_seen_at and open sessions describe the past, and a station whose heartbeat is still in the backlog
 * would be declared offline. Those passes are skipped until the backlog is down to
 * `maxBacklogForPresentRules`; an unknown backlog counts as too large.
 */
export function createMaintenance(opts: MaintenanceOptions): Maintenance {
  const { db, bus, logger, metrics, clock } = opts
  const log = logger.child({ component: 'maintenance' })
  let mirroredUntil: MirrorWatermark = {}
  let lastPartitionCheck: Date | undefined

  const catchUp: CatchUpStatus = {
    status: 'running',
    progress: { outbox: 0, offline: 0, overdue: 0, 'kv-mirror': 0 },
  }
  let catchUpStartedAt: number | undefined
  const lastProgressLog: Partial<Record<SweepStep, number>> = {}
  let finishCatchUp: () => void = () => {}
  const caughtUpPromise = new Promise<void>((resolve) => {
    finishCatchUp = resolve
  })

  /** Counts a chunk's rows; while catching up, also in the status and (throttled) in the log. */
  function progress(step: SweepStep, rows: number): void {
    if (rows === 0) return
    metrics.sweepRows.inc({ step }, rows)
    if (catchUp.status === 'done') return
    catchUp.progress[step] += rows
    const now = performance.now()
    if (now - (lastProgressLog[step] ?? 0) >= PROGRESS_LOG_MS) {
      lastProgressLog[step] = now
      log.info({ step, rows: catchUp.progress[step] }, 'catch-up progress')
    }
  }

  /** Runs a step; false when it failed (logged) or stopped early. */
  async function step(
    name: SweepStep | 'partitions',
    work: () => Promise<boolean | undefined>,
  ): Promise<boolean> {
    try {
      return (await work()) !== false
    } catch (err) {
      log.warn({ err, step: name }, 'maintenance step failed; retried next pass')
      return false
    }
  }

  async function publish(entries: OutboxEntry[]): Promise<void> {
    const { published, failed } = await publishOutbox(db, bus, entries)
    for (const e of published) metrics.eventsPublished.inc({ event: e.event.name })
    if (failed > 0) metrics.outboxFailures.inc(failed)
  }

  async function partitions(now: Date): Promise<boolean> {
    return step('partitions', async () => {
      const created = await ensurePartitions(db, now)
      lastPartitionCheck = now
      if (created.length > 0) log.info({ created }, 'monthly partitions created')
      return true
    })
  }

  /** Repeats `chunk` until it handles fewer than SWEEP_CHUNK rows; false when stopped in between. */
  async function inChunks(name: SweepStep, chunk: () => Promise<number>): Promise<boolean> {
    return step(name, async () => {
      for (;;) {
        if (timer.stopped()) return false
        const rows = await chunk()
        progress(name, rows)
        if (rows < SWEEP_CHUNK) return true
      }
    })
  }

  /** A state-changing sweep, chunk by chunk, each chunk's events published after its commit. */
  const sweep = (name: SweepStep, chunk: () => Promise<SweepChunk>) =>
    inChunks(name, async () => {
      const { changed, outbox } = await chunk()
      await publish(outbox)
      return changed
    })

  const outbox = (olderThanMs: number) =>
    inChunks('outbox', async () => {
      const entries = await pendingOutbox(db, { olderThanMs, limit: SWEEP_CHUNK })
      await publish(entries)
      return entries.length
    })

  /** Whether the consumer is close enough to the head of the stream for rules about the present. */
  async function currentEnough(): Promise<boolean> {
    let backlog: ConsumerBacklog | undefined
    try {
      backlog = await opts.backlog()
    } catch (err) {
      log.warn({ err }, 'consumer backlog unknown: offline and overdue sweeps skipped')
      return false
    }
    const messages = backlog === undefined ? undefined : backlog.pending + backlog.ackPending
    if (messages !== undefined) metrics.backlog.set(messages)
    if (messages !== undefined && messages <= opts.maxBacklogForPresentRules) return true
    log.info({ backlog: messages ?? 'unknown' }, 'ingest is behind: offline and overdue sweeps skipped')
    return false
  }

  /** One pass; true when every step completed. */
  async function pass(): Promise<boolean> {
    const now = clock()
    let complete = true
    if (
      lastPartitionCheck === undefined ||
      now.getTime() - lastPartitionCheck.getTime() >= opts.partitionCheckIntervalMs
    )
      complete = (await partitions(now)) && complete
    // At start-up, also the outbox a crash left (no grace: nothing is being published by a batch of ours yet).
    complete = (await outbox(catchUp.status === 'running' ? 0 : OUTBOX_GRACE_MS)) && complete
    if (await currentEnough()) {
      complete =
        (await sweep('offline', () =>
          markOfflineStations(db, {
            now,
            missedHeartbeats: opts.offlineAfterHeartbeats,
            defaultIntervalS: opts.defaultHeartbeatIntervalS,
            limit: SWEEP_CHUNK,
          }),
        )) && complete
      complete =
        (await sweep('overdue', () =>
          reportOverdueSessions(db, { now, thresholdS: opts.sessionOverdueS, limit: SWEEP_CHUNK }),
        )) && complete
    }
    complete =
      (await step('kv-mirror', async () => {
        const mirrored = await mirrorChangedSince(db, opts.kvs, mirroredUntil, {
          pageSize: SWEEP_CHUNK,
          onPage: (page) => progress('kv-mirror', page.read),
          stopped: timer.stopped,
        })
        mirroredUntil = mirrored.until
        if (mirrored.written > 0)
          log.info({ written: mirrored.written }, 'decisions mirrored into the gateway caches')
        return !mirrored.stopped
      })) && complete
    return complete
  }

  /** The first complete pass ends the catch-up. */
  async function passAndTrack(): Promise<void> {
    catchUpStartedAt ??= performance.now()
    const complete = await pass()
    if (!complete || catchUp.status === 'done') return
    catchUp.status = 'done'
    metrics.catchUpRunning.set(0)
    log.info(
      { rows: catchUp.progress, durationMs: Math.round(performance.now() - catchUpStartedAt) },
      'catch-up complete',
    )
    finishCatchUp()
  }

  const timer = createSerialTimer(passAndTrack, opts.sweepIntervalMs)
  metrics.catchUpRunning.set(1)

  return {
    async prepare() {
      // A month without its partition would fill DEFAULT, which then blocks creating the partition.
      await partitions(clock())
    },
    runOnce: timer.runNow,
    start: timer.start,
    stop: timer.stop,
    catchUp: () => ({ status: catchUp.status, progress: { ...catchUp.progress } }),
    catchUpFinished: () => caughtUpPromise,
  }
}
