import type { Bus, ConsumerBacklog } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { type Clock, createSerialTimer } from '@chargebus/platform'
import type { KvBucketHandles } from '@chargebus/station-registry'
import type { Logger } from 'pino'
import { type MirrorWatermark, mirrorChangedSince } from '../../data-access/kv-reconcile.ts'
import { type OutboxEntry, pendingOutbox, publishOutbox } from '../../data-access/outbox.ts'
import { ensurePartitions, markOfflineStations, reportOverdueSessions } from '../../data-access/sweeps.ts'
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

export interface Maintenance {
  /** Bounded work before the consumer starts: this month's partitions and the outbox a crash left. */
  prepare(): Promise<void>
  /** One pass of every sweep, after any pass already running (tests move their clock, then call this). */
  runOnce(): Promise<void>
  /** Schedules passes every `sweepIntervalMs`, the first one at once, in the background. */
  start(): void
  stop(): Promise<void>
}

/** Outbox entries younger than this are still being published by their batch. */
const OUTBOX_GRACE_MS = 5_000

/**
 * The periodic work of ingest, one pass at a time: publish outbox leftovers, mark overdue stations offline,
 * report overdue sessions, mirror id tags and registration decisions into KV, and (less often) create monthly
 * partitions ahead. A failing step is logged and retried next pass.
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

  async function step(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work()
    } catch (err) {
      log.warn({ err, step: name }, 'maintenance step failed; retried next pass')
    }
  }

  async function publish(entries: OutboxEntry[]): Promise<void> {
    const { published, failed } = await publishOutbox(db, bus, entries)
    for (const e of published) metrics.eventsPublished.inc({ event: e.event.name })
    if (failed > 0) metrics.outboxFailures.inc(failed)
  }

  async function partitions(now: Date): Promise<void> {
    await step('partitions', async () => {
      const created = await ensurePartitions(db, now)
      lastPartitionCheck = now
      if (created.length > 0) log.info({ created }, 'monthly partitions created')
    })
  }

  async function outbox(olderThanMs: number): Promise<void> {
    await step('outbox', async () => {
      for (;;) {
        const entries = await pendingOutbox(db, { olderThanMs, limit: 500 })
        if (entries.length === 0) return
        await publish(entries)
        if (entries.length < 500) return
      }
    })
  }

  /** Whether the consumer is close enough to the head of the stream for rules about the present. */
  async function caughtUp(): Promise<boolean> {
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

  async function pass(): Promise<void> {
    const now = clock()
    if (
      lastPartitionCheck === undefined ||
      now.getTime() - lastPartitionCheck.getTime() >= opts.partitionCheckIntervalMs
    )
      await partitions(now)
    await outbox(OUTBOX_GRACE_MS)
    if (await caughtUp()) {
      await step('offline', async () =>
        publish(
          await markOfflineStations(db, {
            now,
            missedHeartbeats: opts.offlineAfterHeartbeats,
            defaultIntervalS: opts.defaultHeartbeatIntervalS,
          }),
        ),
      )
      await step('overdue', async () =>
        publish(await reportOverdueSessions(db, { now, thresholdS: opts.sessionOverdueS })),
      )
    }
    await step('kv-mirror', async () => {
      const { until, written } = await mirrorChangedSince(db, opts.kvs, mirroredUntil)
      mirroredUntil = until
      if (written > 0) log.info({ written }, 'decisions mirrored into the gateway caches')
    })
  }

  const timer = createSerialTimer(pass, opts.sweepIntervalMs)

  return {
    async prepare() {
      // A month without its partition would fill DEFAULT, which then blocks creating the partition.
      await partitions(clock())
      await outbox(0)
    },
    runOnce: timer.runNow,
    start: timer.start,
    stop: timer.stop,
  }
}
