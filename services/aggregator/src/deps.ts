import { type Bus, connectBus, natsAccessFrom, streamLimitsFrom } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { type Clock, createMetricsRegistry, systemClock } from '@chargebus/platform'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { AggregatorConfig } from './config.ts'

/** Everything the aggregator needs, opened by `openAggregatorDependencies` (main, tests). */
export interface AggregatorDeps {
  config: AggregatorConfig
  logger: Logger
  /** The registry `/metrics` serves, shared with the bus and the pool (`createMetricsRegistry`); a new one when omitted. */
  metrics?: Registry
  bus: Bus
  db: Kysely<Database>
  /** "Now" for connector time and lag; tests set their own. */
  clock: Clock
}

export interface OpenedAggregatorDependencies extends AggregatorDeps {
  /** Drains the bus, then closes the pool. Call after the app closed (consumer stopped in preClose). */
  close(): Promise<void>
}

export interface OpenAggregatorOptions {
  /** Bus namespace; overrides `config.BUS_NAMESPACE` (tests pass their own). */
  namespace?: string
  /** Caps the streams' max_bytes (tests, small dev servers). */
  streamMaxBytes?: number
}

/**
 * Connects the bus, ensures the streams the aggregator reads and writes (DOMAIN, AGGREGATES, DEAD_LETTERS, and
 * REPLAY for its replay lane) and opens a pool of `DATABASE_POOL_SIZE` connections through pgbouncer.
 */
export async function openAggregatorDependencies(
  config: AggregatorConfig,
  logger: Logger,
  opts: OpenAggregatorOptions = {},
): Promise<OpenedAggregatorDependencies> {
  // One registry for /metrics, the bus's and the pool's metrics (buildApp serves it).
  const metrics = createMetricsRegistry({ service: 'aggregator' })
  const bus = await connectBus({
    ...natsAccessFrom(config),
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
    name: 'aggregator',
    namespace: opts.namespace ?? config.BUS_NAMESPACE,
    logger,
    metrics: { registry: metrics },
  })
  try {
    await bus.ensureStreams(
      [Streams.DOMAIN, Streams.AGGREGATES, Streams.DEAD_LETTERS, Streams.REPLAY],
      opts.streamMaxBytes ? { maxBytes: opts.streamMaxBytes } : {},
    )
    const db = createDb({
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: 'aggregator',
      metrics: { registry: metrics },
      logger,
    })
    return {
      metrics,
      config,
      logger,
      bus,
      db,
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
