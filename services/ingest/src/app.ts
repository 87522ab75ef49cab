import type { Consumption } from '@chargebus/bus'
import { pingDatabase } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { createServiceApp, httpOptionsFrom, type ServiceApp } from '@chargebus/platform'
import type { IngestDeps } from './deps.ts'
import { startFtpMeterLogConsumer } from './entry-points/consumers/ftp-meter-logs.ts'
import { startStationMessageConsumer } from './entry-points/consumers/station-messages.ts'
import { createMaintenance, type Maintenance } from './entry-points/timers/maintenance.ts'
import { createIngestMetrics } from './metrics.ts'

/** The ingest app: health routes plus the running consumer and sweeps. */
export type IngestApp = ServiceApp & {
  /** The sweeps (tests run a pass with a pinned clock). */
  readonly maintenance: Maintenance
}

/**
 * Ingest's Fastify app (never listens): `/healthz`, `/readyz` (Postgres and NATS; the catch-up's progress),
 * `/metrics`. The consumers of
 * `ocpp.in.>` and `ftp.file.parsed` and the periodic sweeps start when the app is ready (`app.ready()` or `listen`) and stop in
 * `preClose`, before `onClose` hooks release the bus and the pool.
 *
 * ### Examples
 * ```ts
 * const deps = await openIngestDependencies(config, logger)
 * const app = buildApp(deps)
 * app.addHook('onClose', () => deps.close())
 * await app.ready() // consuming
 * ```
 */
export function buildApp(deps: IngestDeps): IngestApp {
  const { config, logger, bus, db } = deps
  const app = createServiceApp({
    name: 'ingest',
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    logger,
    ...httpOptionsFrom(config),
    readiness: { postgres: () => pingDatabase(db), nats: () => bus.ping() },
    // Declared before the maintenance exists: /readyz only asks once the app serves.
    background: () => ({ catchUp: maintenance.catchUp() }),
  })
  const metrics = createIngestMetrics(app.metrics)
  const maintenance = createMaintenance({
    db,
    bus,
    kvs: deps.kvs,
    logger,
    metrics,
    clock: deps.clock,
    backlog: () => bus.consumerBacklog(Streams.OCPP_IN, config.INGEST_DURABLE),
    maxBacklogForPresentRules: config.INGEST_SWEEP_MAX_BACKLOG,
    sweepIntervalMs: config.INGEST_SWEEP_INTERVAL_MS,
    partitionCheckIntervalMs: config.INGEST_PARTITION_CHECK_INTERVAL_MS,
    offlineAfterHeartbeats: config.INGEST_OFFLINE_AFTER_HEARTBEATS,
    defaultHeartbeatIntervalS: config.INGEST_DEFAULT_HEARTBEAT_INTERVAL_S,
    sessionOverdueS: config.INGEST_SESSION_OVERDUE_S,
  })

  let consumer: Consumption | undefined
  let meterLogs: Consumption | undefined
  app.addHook('onReady', async () => {
    // Only what must precede new batches: this month's partitions. The catch-up (the outbox a crash left,
    // offline stations, overdue sessions, the KV mirror), whose work grows with the fleet, is the first
    // sweep pass, in chunks in the background: readiness does not wait for it, /readyz reports it.
    await maintenance.prepare()
    consumer = await startStationMessageConsumer({
      db,
      bus,
      publisher: bus,
      logger,
      metrics,
      clock: deps.clock,
      rules: { clockSkewThresholdMs: config.INGEST_CLOCK_SKEW_THRESHOLD_S * 1000 },
      durable: config.INGEST_DURABLE,
      deliver: config.INGEST_DELIVER,
      batchSize: config.INGEST_BATCH_SIZE,
      batchWaitMs: config.INGEST_BATCH_WAIT_MS,
      maxInFlight: config.INGEST_MAX_IN_FLIGHT,
      maxDeliver: config.INGEST_MAX_DELIVER,
      ackWaitMs: config.INGEST_ACK_WAIT_MS,
    })
    // CSV meter-log rows from the FTP edge (ftp.file.parsed) into meter_values.
    meterLogs = await startFtpMeterLogConsumer({
      db,
      bus,
      publisher: bus,
      logger,
      metrics,
      durable: config.INGEST_FTP_DURABLE,
      maxDeliver: config.INGEST_MAX_DELIVER,
      ackWaitMs: config.INGEST_ACK_WAIT_MS,
    })
    maintenance.start()
  })
  app.addHook('preClose', async () => {
    // Stop intake: in-flight batches commit and are acked while the pool is still open.
    await consumer?.stop()
    await meterLogs?.stop()
    await maintenance.stop()
  })
  return Object.assign(app, { maintenance })
}
