import { type Bus, connectBus } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { loadConfig } from '@chargebus/platform'
import { pino } from 'pino'
import type { TestClock } from '../../../../test/support/clock.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { eventually } from '../../../../test/support/eventually.ts'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { type AggregatorApp, buildApp } from '../../src/app.ts'
import { AggregatorConfig } from '../../src/config.ts'
import { type OpenedAggregatorDependencies, openAggregatorDependencies } from '../../src/deps.ts'

const STREAM_BYTES = 8 * 1024 * 1024

/** A database and a bus namespace of its own for a test file, and a bus to publish domain events with. */
export interface AggregatorWorld {
  namespace: string
  database: ThrowawayDatabase
  /** Direct to Postgres: inspection only. */
  db: Kysely<Database>
  publisher: Bus
  close(): Promise<void>
}

export async function createWorld(): Promise<AggregatorWorld> {
  const namespace = uniqueNamespace('agg')
  const database = await createThrowawayDatabase()
  const db = createDb({ url: database.adminUrl, poolSize: 2, applicationName: 'aggregator-test' })
  const publisher = await connectBus({
    servers: NATS_URL,
    name: 'aggregator-test',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  await publisher.ensureStreams([Streams.DOMAIN, Streams.AGGREGATES, Streams.DEAD_LETTERS, Streams.REPLAY], {
    maxBytes: STREAM_BYTES,
  })
  return {
    namespace,
    database,
    db,
    publisher,
    async close() {
      await publisher.deleteNamespace().catch(() => {})
      await publisher.close()
      await db.destroy()
      await database.drop()
    },
  }
}

/** A world for the whole test file: created before its tests, closed after them. Returns its getter. */
export function useWorld(timeoutMs = 60_000): () => AggregatorWorld {
  let world: AggregatorWorld | undefined
  beforeAll(async () => {
    world = await createWorld()
  }, timeoutMs)
  afterAll(async () => {
    await world?.close()
  }, timeoutMs)
  return () => {
    if (world === undefined) throw new Error('the world is created in beforeAll')
    return world
  }
}

export interface TestAggregator {
  app: AggregatorApp
  deps: OpenedAggregatorDependencies
  close(): Promise<void>
}

/** The real aggregator (`buildApp`, ready = consuming) on the world's database and namespace, with `clock`. */
export async function startTestAggregator(
  world: AggregatorWorld,
  clock: TestClock,
  env: Record<string, string> = {},
): Promise<TestAggregator> {
  const config = loadConfig(AggregatorConfig, {
    DATABASE_URL: world.database.url,
    NATS_URL,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    AGGREGATOR_ADVANCE_INTERVAL_MS: '3600000',
    AGGREGATOR_BATCH_WAIT_MS: '20',
    AGGREGATOR_ACK_WAIT_MS: '3000',
    ...env,
  })
  const deps = await openAggregatorDependencies(config, pino({ level: config.LOG_LEVEL }), {
    namespace: world.namespace,
    streamMaxBytes: STREAM_BYTES,
  })
  deps.clock = clock
  const app = buildApp(deps)
  app.addHook('onClose', () => deps.close())
  await app.ready()
  let closed: Promise<void> | undefined
  return {
    app,
    deps,
    close: () => {
      closed ??= app.close()
      return closed
    },
  }
}

/** Waits until the durable has applied everything stored in DOMAIN. */
export async function drained(world: AggregatorWorld, durable = 'aggregator'): Promise<void> {
  await eventually(async () => {
    const b = await world.publisher.consumerBacklog(Streams.DOMAIN, durable)
    return b !== undefined && b.pending === 0 && b.ackPending === 0
  }, 30_000)
}

/**
 * Drained, then one timer pass: the consumer is caught up, so connector time is booked up to the clock's now (while
 * events are applied it only reaches the newest instant they name).
 */
export async function settled(world: AggregatorWorld, aggregator: TestAggregator): Promise<void> {
  await drained(world)
  await aggregator.app.advance.runOnce()
}
