import { archiveStatus, openArchiveAccess } from '@chargebus/archive'
import { connectBus, natsAccessFrom, natsConnectionOptions, streamLimitsFrom } from '@chargebus/bus'
import { createDb, registerPoolMetrics } from '@chargebus/db'
import { allStreams } from '@chargebus/events'
import { createMetricsRegistry, systemClock } from '@chargebus/platform'
import { openKvBuckets } from '@chargebus/station-registry'
import { createStorageFromConfig } from '@chargebus/storage'
import { connect } from '@nats-io/transport-node'
import pg from 'pg'
import type { Logger } from 'pino'
import type { ApiDeps } from './app.ts'
import type { ApiConfig } from './config.ts'
import { AGGREGATES_FEED, createEventFeed, DOMAIN_FEED } from './data-access/event-feed.ts'
import { createExporter } from './data-access/exports.ts'
import { createKeyAuthenticator } from './data-access/key-store.ts'
import { devKeyAccepted } from './domain/api-keys.ts'

export interface OpenDependenciesOptions {
  /** Bus namespace; overrides `config.BUS_NAMESPACE` (tests pass their own). */
  namespace?: string
}

/** Deps plus how to release them. */
export interface OpenedDependencies extends ApiDeps {
  close(): Promise<void>
}

/**
 * Connects the bus (KV buckets of the gateway, readiness), a second NATS connection for the SSE feeds'
 * ordered consumers, the request pool and the export pool (both through pgbouncer), and the object storage of
 * station files and firmware images (STORAGE_URL).
 */
export async function openApiDependencies(
  config: ApiConfig,
  logger: Logger,
  opts: OpenDependenciesOptions = {},
): Promise<OpenedDependencies> {
  const namespace = opts.namespace ?? config.BUS_NAMESPACE ?? ''
  const closers: Array<() => Promise<void> | void> = []
  try {
    const storage = await createStorageFromConfig(config)
    // One registry for /metrics, the bus's and the pool's metrics (buildApp serves it).
    const metrics = createMetricsRegistry({ service: 'api' })
    const bus = await connectBus({
      ...natsAccessFrom(config),
      streamLimits: streamLimitsFrom(config),
      replicas: config.NATS_STREAM_REPLICAS,
      name: 'api',
      namespace,
      logger,
      metrics: { registry: metrics, streams: allStreams },
    })
    closers.push(() => bus.close())
    const kv = await openKvBuckets(bus)
    const archive = await openArchiveAccess({
      access: natsAccessFrom(config),
      name: 'api-archive',
      namespace,
      streamLimits: streamLimitsFrom(config),
      replicas: config.NATS_STREAM_REPLICAS,
    })
    closers.push(() => archive.close())
    const nc = await connect({
      ...natsConnectionOptions(natsAccessFrom(config)),
      name: 'api-events',
      maxReconnectAttempts: -1,
    })
    closers.push(() => nc.drain())
    const db = createDb({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: 'api',
      metrics: { registry: metrics },
      logger,
    })
    closers.push(() => db.destroy())
    const exportPool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.EXPORT_POOL_SIZE,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 10_000,
      application_name: 'api-export',
    })
    exportPool.on('error', (err) => logger.warn({ err }, 'idle export connection failed'))
    registerPoolMetrics(exportPool, { registry: metrics, pool: 'export' })
    closers.push(() => exportPool.end())
    return {
      metrics,
      config,
      logger,
      db,
      bus,
      kv,
      feeds: {
        domain: createEventFeed(nc, namespace, DOMAIN_FEED),
        aggregates: createEventFeed(nc, namespace, AGGREGATES_FEED),
      },
      exporter: createExporter(exportPool),
      keys: createKeyAuthenticator({
        db,
        ttlMs: config.API_KEY_CACHE_TTL_MS,
        devKey: devKeyAccepted(config) ? config.CHARGEBUS_DEV_API_KEY : undefined,
      }),
      clock: systemClock,
      archiveStatus: (now) => archiveStatus(archive, now),
      storage,
      close: () => closeAll(closers.reverse(), logger),
    }
  } catch (err) {
    await closeAll(closers.reverse(), logger)
    throw err
  }
}

async function closeAll(closers: Array<() => Promise<void> | void>, logger: Logger): Promise<void> {
  for (const close of closers) {
    try {
      await close()
    } catch (err) {
      logger.warn({ err }, 'closing a dependency failed')
    }
  }
}
