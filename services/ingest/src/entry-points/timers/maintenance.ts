import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import type { KvBucketHandles } from '@chargebus/ocpp-gateway/kv-writes'
import type { Logger } from 'pino'
import { type MirrorWatermark, mirrorChangedSince } from '../../data-access/kv-reconcile.ts'
import { type OutboxEntry, pendingOutbox, publishOutbox } from '../../data-access/outbox.ts'
import { ensurePartitions, markOfflineStations, reportOverdueSessions } from '../../data-access/sweeps.ts'
import type { IngestMetrics } from '../../metrics.ts'
import type { IngestProgress } from '../consumers/station-messages.ts'

export interface MaintenanceOptions {
  db: Kysely<Database>
  bus: Bus
  kvs: KvBucketHandles
  logger: Logger
  metrics: IngestMetrics
  progress: IngestProgress
  sweepIntervalMs: number
  partitionCheckIntervalMs: number
  offlineAfterHeartbeats: number
  defaultHeartbeatIntervalS: number
  sessionOverdueS: number
  clock?: () => Date
}

export interface Maintenance {
  /** One pass of every sweep (tests call it with a pinned clock). */
  runOnce(now?: Date): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

/** A backlog this old makes last_seen_at stale: declaring stations offline then would be wrong. */
const MAX_LAG_FOR_OFFLINE_MS = 60_000
/** Outbox entries younger than this are still being published by their batch. */
const OUTBOX_GRACE_MS = 5_000

/**
 * The periodic work of ingest, one pass at a time: publish outbox leftovers, mark overdue stations offline,
 * report overdue sessions, mirror id tags and registration decisions into KV, and (less often) create monthly
 * partitions ahead. A failing step is logged and retried next pass.
 */
export function createMaintenance(opts: MaintenanceOptions): Maintenance {
  const { db, bus, logger, metrics, progress } = opts
  const log = logger.child({ component: 'maintenance' })
  const clock = opts.clock ?? (() => new Date())
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = false
  let mirroredUntil: MirrorWatermark = {}
  let lastPartitionCheck = 0

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

  async function runOnce(now: Date = clock(), first = false): Promise<void> {
    if (first || Date.now() - lastPartitionCheck >= opts.partitionCheckIntervalMs) {
      await step('partitions', async () => {
        const created = await ensurePartitions(db)
        lastPartitionCheck = Date.now()
        if (created.length > 0) log.info({ created }, 'monthly partitions created')
      })
    }
    await step('outbox', async () => {
      for (;;) {
        const entries = await pendingOutbox(db, { olderThanMs: first ? 0 : OUTBOX_GRACE_MS, limit: 500 })
        if (entries.length === 0) return
        await publish(entries)
        if (entries.length < 500) return
      }
    })
    const lagging =
      progress.lagMs !== undefined &&
      progress.lagMs > MAX_LAG_FOR_OFFLINE_MS &&
      progress.lastBatchAtMs !== undefined &&
      Date.now() - progress.lastBatchAtMs < opts.sweepIntervalMs
    if (lagging) log.info({ lagMs: progress.lagMs }, 'ingest is behind: offline sweep skipped')
    else {
      await step('offline', async () =>
        publish(
          await markOfflineStations(db, {
            now,
            missedHeartbeats: opts.offlineAfterHeartbeats,
            defaultIntervalS: opts.defaultHeartbeatIntervalS,
          }),
        ),
      )
    }
    await step('overdue', async () =>
      publish(await reportOverdueSessions(db, { now, thresholdS: opts.sessionOverdueS })),
    )
    await step('kv-mirror', async () => {
      const { until, written } = await mirrorChangedSince(db, opts.kvs, mirroredUntil)
      mirroredUntil = until
      if (written > 0) log.info({ written }, 'decisions mirrored into the gateway caches')
    })
  }

  function schedule(): void {
    if (stopped) return
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined
        schedule()
      })
    }, opts.sweepIntervalMs)
    timer.unref()
  }

  return {
    runOnce: (now) => runOnce(now),
    async start() {
      stopped = false
      running = runOnce(clock(), true)
      await running
      running = undefined
      schedule()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
