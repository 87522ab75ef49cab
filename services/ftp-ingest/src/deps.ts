import { type Bus, connectBus, natsAccessFrom, streamLimitsFrom } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { type Clock, createMetricsRegistry, systemClock } from '@chargebus/platform'
import {
  createPasswordChecks,
  openFtpGrants,
  openKvBuckets,
  type PasswordChecks,
} from '@chargebus/station-registry'
import { createStorageFromConfig, type ObjectStorage } from '@chargebus/storage'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { FtpIngestConfig } from './config.ts'

/** Everything the FTP edge needs, opened by `openFtpIngestDependencies` (main, tests). */
export interface FtpIngestDeps {
  config: FtpIngestConfig
  logger: Logger
  /** The registry `/metrics` serves, shared with the bus and the pool (`createMetricsRegistry`); a new one when omitted. */
  metrics?: Registry
  bus: Bus
  db: Kysely<Database>
  storage: ObjectStorage
  /** The station registry's records (logins). */
  stations: KV
  /** One-time FTP credentials the gateway issues per command (logins, spent by their transfer). */
  grants: KV
  passwordChecks: PasswordChecks
  clock: Clock
}

export interface OpenedFtpIngestDependencies extends FtpIngestDeps {
  /** Stops the password workers, drains the bus, then closes the pool. Call after the app closed. */
  close(): Promise<void>
}

export interface OpenFtpIngestOptions {
  /** Bus namespace; overrides `config.BUS_NAMESPACE` (tests pass their own). */
  namespace?: string
  /** The clock of the edge's rules; default the system clock (tests set their own). */
  clock?: Clock
}

/**
 * Connects the bus (streams FTP, DEAD_LETTERS and REPLAY ensured, the station registry's KV and the FTP grants
 * opened), the object storage, a pool of
 * `DATABASE_POOL_SIZE` connections through pgbouncer and the password-check workers.
 */
export async function openFtpIngestDependencies(
  config: FtpIngestConfig,
  logger: Logger,
  opts: OpenFtpIngestOptions = {},
): Promise<OpenedFtpIngestDependencies> {
  const storage = await createStorageFromConfig(config)
  // One registry for /metrics, the bus's and the pool's metrics (buildApp serves it).
  const metrics = createMetricsRegistry({ service: 'ftp-ingest' })
  const bus = await connectBus({
    ...natsAccessFrom(config),
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
    name: 'ftp-ingest',
    namespace: opts.namespace ?? config.BUS_NAMESPACE,
    logger,
    metrics: { registry: metrics },
  })
  try {
    // DEAD_LETTERS and REPLAY: the meter-log consumer dead-letters and has a replay lane.
    await bus.ensureStreams([Streams.FTP, Streams.DEAD_LETTERS, Streams.REPLAY])
    const [{ stations }, grants] = await Promise.all([openKvBuckets(bus), openFtpGrants(bus)])
    const db = createDb({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: 'ftp-ingest',
      metrics: { registry: metrics },
      logger,
    })
    const passwordChecks = createPasswordChecks({ threads: config.FTP_AUTH_CONCURRENCY })
    return {
      metrics,
      config,
      logger,
      bus,
      db,
      storage,
      stations,
      grants,
      passwordChecks,
      clock: opts.clock ?? systemClock,
      async close() {
        try {
          await passwordChecks.close()
          await bus.close()
        } finally {
          await db.destroy()
        }
      },
    }
  } catch (err) {
    await bus.close().catch(() => {})
    throw err
  }
}
