import type { Consumption } from '@chargebus/bus'
import { pingDatabase } from '@chargebus/db'
import { createServiceApp, httpOptionsFrom, type ServiceApp } from '@chargebus/platform'
import { createApplier } from './apply-and-publish.ts'
import { readRebuildHistory } from './data-access/rebuilds-store.ts'
import type { AggregatorDeps } from './deps.ts'
import { createBucketingsOf } from './domain/bucketings.ts'
import { startDomainEventConsumer } from './entry-points/consumers/domain-events.ts'
import { type AdvanceTimer, createAdvanceTimer } from './entry-points/timers/advance-connectors.ts'
import { createAggregatorMetrics } from './metrics.ts'
import { registerRebuildMetrics } from './rebuild-metrics.ts'

/** The aggregator app: health routes plus the running consumer and connector-time timer. */
export type AggregatorApp = ServiceApp & {
  /** The connector-time timer (tests run a pass with a pinned clock). */
  readonly advance: AdvanceTimer
}

/**
 * The aggregator's Fastify app (never listens): `/healthz`, `/readyz` (Postgres and NATS), `/metrics` (with the
 * recorded rebuilds' progress and outcome). The
 * consumer of DOMAIN and the connector-time timer start when the app is ready and stop in `preClose`, before
 * `onClose` hooks release the bus and the pool.
 *
 * ### Examples
 * ```ts
 * const deps = await openAggregatorDependencies(config, logger)
 * const app = buildApp(deps)
 * app.addHook('onClose', () => deps.close())
 * await app.ready() // consuming
 * ```
 */
export function buildApp(deps: AggregatorDeps): AggregatorApp {
  const { config, logger, bus, db, clock } = deps
  const app = createServiceApp({
    name: 'aggregator',
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    logger,
    ...httpOptionsFrom(config),
    readiness: { postgres: () => pingDatabase(db), nats: () => bus.ping() },
  })
  const metrics = createAggregatorMetrics(app.metrics)
  // A rebuild runs in the CLI (any machine) and records itself in Postgres: read at scrape time.
  registerRebuildMetrics(app.metrics, { read: () => readRebuildHistory(db), clock, logger })
  const apply = createApplier({
    db,
    publisher: bus,
    logger,
    metrics,
    clock,
    networkZone: config.AGGREGATOR_TIME_ZONE,
    bucketingsOf: createBucketingsOf(),
  })
  const advance = createAdvanceTimer({
    db,
    bus,
    apply,
    logger,
    metrics,
    durable: config.AGGREGATOR_DURABLE,
    intervalMs: config.AGGREGATOR_ADVANCE_INTERVAL_MS,
    batch: config.AGGREGATOR_ADVANCE_BATCH,
  })

  let consumer: Consumption | undefined
  app.addHook('onReady', async () => {
    consumer = await startDomainEventConsumer({
      bus,
      apply,
      metrics,
      clock,
      durable: config.AGGREGATOR_DURABLE,
      deliver: config.AGGREGATOR_DELIVER,
      batchSize: config.AGGREGATOR_BATCH_SIZE,
      maxInFlight: config.AGGREGATOR_MAX_IN_FLIGHT,
      batchWaitMs: config.AGGREGATOR_BATCH_WAIT_MS,
      maxDeliver: config.AGGREGATOR_MAX_DELIVER,
      ackWaitMs: config.AGGREGATOR_ACK_WAIT_MS,
    })
    advance.start()
  })
  app.addHook('preClose', async () => {
    // Stop intake: the batch in flight commits and is acked while the pool is still open.
    await consumer?.stop()
    await advance.stop()
  })
  return Object.assign(app, { advance })
}
