import { connectBus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { createDb, sql } from '@chargebus/db'
import { OcppMessageReceived, Streams } from '@chargebus/events'
import { loadConfig } from '@chargebus/platform'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { pino } from 'pino'
import { type TestClock, testClock } from '../../../../test/support/clock.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { eventually } from '../../../../test/support/eventually.ts'
import { NATS_URL, uniqueNamespace as namespaceWithPrefix } from '../../../../test/support/nats.ts'
import { buildApp, type IngestApp } from '../../src/app.ts'
import { IngestConfig } from '../../src/config.ts'
import { type OpenedIngestDependencies, openIngestDependencies } from '../../src/deps.ts'
import type { Raw } from './messages.ts'

/** A database of its own (through pgbouncer) and a bus namespace of its own, shared by a file's ingest instances. */
export interface IngestWorld {
  namespace: string
  database: ThrowawayDatabase
  /** Direct to Postgres (5432): inspection only, never counted in the service's pool. */
  db: Kysely<Database>
  admin: { nc: NatsConnection; jsm: JetStreamManager }
  /** A bus in the namespace for publishing raw station messages as the gateway does. */
  publisher: Awaited<ReturnType<typeof connectBus>>
  close(): Promise<void>
}

export async function createWorld(): Promise<IngestWorld> {
  const namespace = uniqueNamespace()
  const database = await createThrowawayDatabase()
  const db = createDb({ url: database.adminUrl, poolSize: 2, applicationName: 'ingest-test' })
  const nc = await connect({ servers: NATS_URL, name: 'ingest-test-admin' })
  const publisher = await connectBus({
    servers: NATS_URL,
    name: 'ingest-test',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  await publisher.ensureStreams([Streams.OCPP_IN, Streams.DOMAIN, Streams.DEAD_LETTERS], {
    maxBytes: 64 * 1024 * 1024,
  })
  return {
    namespace,
    database,
    db,
    admin: { nc, jsm: await jetstreamManager(nc) },
    publisher,
    async close() {
      await publisher.deleteNamespace().catch(() => {})
      await publisher.close()
      await nc.close()
      await db.destroy()
      await database.drop()
    },
  }
}

export interface TestIngest {
  app: IngestApp
  deps: OpenedIngestDependencies
  /** The clock of its rules: on the day the test messages are stamped (`DATA_DAY`) unless given. */
  clock: TestClock
  close(): Promise<void>
}

/** Noon of the day the message builders stamp by default: "now" for an ingest under test. */
export const DATA_DAY_NOON = '2026-11-26T12:00:00.000Z'

/** The real ingest (`buildApp`, ready = consuming) against the world's database and namespace. */
export async function startTestIngest(
  world: IngestWorld,
  env: Record<string, string> = {},
  opts: { clock?: TestClock } = {},
): Promise<TestIngest> {
  const config = loadConfig(IngestConfig, {
    DATABASE_URL: world.database.url,
    NATS_URL,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    INGEST_SWEEP_INTERVAL_MS: '3600000',
    INGEST_BATCH_WAIT_MS: '20',
    INGEST_ACK_WAIT_MS: '3000',
    ...env,
  })
  const logger = pino({ level: config.LOG_LEVEL })
  const deps = await openIngestDependencies(config, logger, {
    namespace: world.namespace,
    streamMaxBytes: 64 * 1024 * 1024,
  })
  const clock = opts.clock ?? testClock(DATA_DAY_NOON)
  deps.clock = clock
  const app = buildApp(deps)
  app.addHook('onClose', () => deps.close())
  await app.ready()
  let closed: Promise<void> | undefined
  return {
    app,
    deps,
    clock,
    close: () => {
      closed ??= app.close()
      return closed
    },
  }
}

/** Publishes like the gateway: Nats-Msg-Id `<station>/<messageId>` (pass `msgId` to defeat the stream's dedupe). */
export async function publishRaw(
  world: IngestWorld,
  messages: readonly Raw[],
  msgId?: (m: Raw) => string,
): Promise<void> {
  await Promise.all(
    messages.map((m) =>
      world.publisher.publish(OcppMessageReceived, m, {
        msgId: msgId ? msgId(m) : `${m.stationId}/${m.messageId}`,
      }),
    ),
  )
}

/** Timeout of a file's set-up and of its slow tests. */
export const SLOW = 60_000

/**
 * The usual set-up of a test file: a world and one ingest in it, made in `beforeAll` and closed in
 * `afterAll`; `use` receives them once made.
 *
 * ### Examples
 * ```ts
 * let world: IngestWorld
 * let ingest: TestIngest
 * useWorldAndIngest((w, i) => { world = w; ingest = i })
 * ```
 */
export function useWorldAndIngest(
  use: (world: IngestWorld, ingest: TestIngest) => void,
  env: Record<string, string> = {},
): void {
  let world: IngestWorld | undefined
  let ingest: TestIngest | undefined
  beforeAll(async () => {
    world = await createWorld()
    ingest = await startTestIngest(world, env)
    use(world, ingest)
  }, SLOW)
  afterAll(async () => {
    await ingest?.close()
    await world?.close()
  }, SLOW)
}

/** Waits until the durable consumer on the namespace's OCPP_IN stream has nothing pending or unacked. */
export async function drained(world: IngestWorld, durable = 'ingest', timeoutMs?: number): Promise<void> {
  const stream = `${world.namespace.toUpperCase()}_OCPP_IN`
  await eventually(async () => {
    const info = await world.admin.jsm.consumers.info(stream, durable)
    return info.num_pending === 0 && info.num_ack_pending === 0
  }, timeoutMs)
}

/** Publishes (see `publishRaw`) and waits until ingest's consumer acked everything in the stream. */
export async function ingestAll(
  world: IngestWorld,
  messages: readonly Raw[],
  msgId?: (m: Raw) => string,
): Promise<void> {
  await publishRaw(world, messages, msgId)
  await drained(world)
}

export async function count(db: Kysely<Database>, table: string, where = sql`true`): Promise<number> {
  const { rows } = await sql<{
    n: string
  }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)
  return Number(rows[0]?.n ?? 0)
}

/** Every message of the namespace's DOMAIN stream: subject (logical), Nats-Msg-Id and data. */
export async function domainEvents(
  world: IngestWorld,
): Promise<
  Array<{ subject: string; name: string; msgId: string | undefined; data: Record<string, unknown> }>
> {
  const stream = `${world.namespace.toUpperCase()}_DOMAIN`
  const info = await world.admin.jsm.streams.info(stream).catch(() => null)
  if (info === null || info.state.messages === 0) return []
  const out = []
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const sm = await world.admin.jsm.streams.getMessage(stream, { seq }).catch(() => null)
    if (!sm) continue
    out.push({
      subject: sm.subject.slice(world.namespace.length + 1),
      name: sm.header?.get('Chargebus-Event') ?? '',
      msgId: sm.header?.get('Nats-Msg-Id'),
      data: sm.json<Record<string, unknown>>(),
    })
  }
  return out
}

/** Row counts of every ingest table (for "nothing changed" assertions). */
export async function tableCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of [
    'stations',
    'connectors',
    'transactions',
    'unmatched_stops',
    'status_events',
    'meter_values',
    'station_messages',
    'ingest_outbox',
  ]) {
    out[t] = await count(db, t)
  }
  return out
}

/** A namespace of this suite's own. */
export function uniqueNamespace(): string {
  return namespaceWithPrefix('in')
}

export { eventually, NATS_URL }
