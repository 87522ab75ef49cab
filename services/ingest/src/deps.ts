import { type Bus, connectBus, natsAccessFrom, streamLimitsFrom } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { allStreams, Streams } from '@chargebus/events'
import { type Clock, createMetricsRegistry, systemClock } from '@chargebus/platform'
import { type KvBucketHandles, openKvBuckets } from '@chargebus/station-registry'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { IngestConfig } from './config.ts'

/** Everything ingest needs, opened by `openIngestDependencies` (main, tests). */
export interface IngestDeps {
  config: IngestConfig
  logger: Logger
  /** The registry `/metrics` serves, shared with the bus and the pool (`createMetricsRegistry`); a new one when omitted. */
  metrics?: Registry
  bus: Bus
  db: Kysely<Database>
  /** The gateway's KV caches (id tags, stations) that decisions are mirrored into. */
  kvs: KvBucketHandles
  /** The clock of every time-dependent rule (sweeps, lag); tests set their own. */
  clock: Clock
}

export interface OpenedIngestDependencies extends IngestDeps {
  /** Drains the bus, then closes the pool. Call after the app closed (consumers stopped in preClose). */
  close(): Promise<void>
}

export interface OpenIngestOptions {
  /** Bus namespace; overrides `config.BUS_NAMESPACE` (tests pass their own). */
  namespace?: string
  /** Caps the streams' max_bytes (tests, small dev servers). */
  streamMaxBytes?: number
}

/**
 * Connects the bus (namespace `opts.namespace`, else `BUS_NAMESPACE`), ensures the streams ingest reads and
 * writes (OCPP_IN, DOMAIN, DEAD_LETTERS, REPLAY for its replay lane, and FTP for meter logs), opens the gateway's KV buckets and a pool of `DATABASE_POOL_SIZE`
 * connections through pgbouncer.
 */
export async function openIngestDependencies(
  config: IngestConfig,
  logger: Logger,
  opts: OpenIngestOptions = {},
): Promise<OpenedIngestDependencies> {
  // One registry for /metrics, the bus's and the pool's metrics (buildApp serves it).
  const metrics = createMetricsRegistry({ service: 'ingest' })
  const bus = await connectBus({
    ...natsAccessFrom(config),
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
    name: 'ingest',
    namespace: opts.namespace ?? config.BUS_NAMESPACE,
    logger,
    metrics: { registry: metrics, streams: allStreams },
  })
  try {
    await bus.ensureStreams(
      [Streams.OCPP_IN, Streams.DOMAIN, Streams.DEAD_LETTERS, Streams.REPLAY, Streams.FTP],
      opts.streamMaxBytes ? { maxBytes: opts.streamMaxBytes } : {},
    )
    const kvs = await openKvBuckets(bus)
    const db = createDb({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: 'ingest',
      metrics: { registry: metrics },
      logger,
    })
    return {
      metrics,
      config,
      logger,
      bus,
      db,
      kvs,
      clock: systemClock,
      async close() {
        try {
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
