import { parseDatabaseUrl, sql } from '@chargebus/db'
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.ts'
import {
  count,
  createWorld,
  domainEvents,
  drained,
  eventually,
  type IngestWorld,
  NATS_URL,
  publishRaw,
  startTestIngest,
  type TestIngest,
} from '../support/ingest.ts'
import { aMeterValues, aStart, aStop, type Raw, registerReading } from '../support/messages.ts'

/*
 * Stopping or killing an ingest instance in the middle of a backlog, then letting another one take over:
 * nothing lost, nothing doubled. Each test has its own database rows (station prefix) and durable.
 */

const SLOW = 120_000
let world: IngestWorld

beforeAll(async () => {
  world = await createWorld()
}, SLOW)
afterAll(() => world?.close(), SLOW)

/** `n` MeterValues messages of 2 sampled values each, spread over 10 stations. */
function backlog(prefix: string, n: number): Raw[] {
  const base = Date.parse('2026-11-26T00:00:00.000Z')
  return Array.from({ length: n }, (_, i) =>
    aMeterValues({
      stationId: `${prefix}-${i % 10}`,
      receivedAt: new Date(base + i * 1000).toISOString(),
      values: [
        registerReading(new Date(base + i * 1000).toISOString(), 1000 + i, {}),
        {
          timestamp: new Date(base + i * 1000).toISOString(),
          sampledValue: [{ value: '11', measurand: 'Power.Active.Import', unit: 'kW' }],
        },
      ],
    }),
  )
}

const rowsOf = (prefix: string) => count(world.db, 'meter_values', sql`station_id like ${`${prefix}-%`}`)

test(
  'stop() in the middle of a backlog, then a new instance: every value exactly once',
  async () => {
    const messages = backlog('CP-STOP', 3000)
    await publishRaw(world, messages)
    const env = { INGEST_DURABLE: 'graceful', INGEST_BATCH_SIZE: '50', INGEST_MAX_IN_FLIGHT: '1' }
    const first = await startTestIngest(world, env)
    await eventually(async () => (await rowsOf('CP-STOP')) > 0, 30_000)
    await first.close()
    const partial = await rowsOf('CP-STOP')
    expect(partial).toBeLessThan(6000)

    const second = await startTestIngest(world, env)
    try {
      await drained(world, 'graceful', 60_000)
      await eventually(async () => (await rowsOf('CP-STOP')) === 6000, 30_000)
    } finally {
      await second.close()
    }
    expect(await rowsOf('CP-STOP')).toBe(6000)
  },
  SLOW,
)

describe('killed: NATS and Postgres connections cut mid-batch', () => {
  let natsProxy: TcpProxy
  let pgProxy: TcpProxy

  beforeAll(async () => {
    const nats = new URL(NATS_URL)
    natsProxy = await startTcpProxy({ targetHost: nats.hostname, targetPort: Number(nats.port || 4222) })
    const pg = parseDatabaseUrl(world.database.url)
    pgProxy = await startTcpProxy({ targetHost: pg.host, targetPort: pg.port })
  })
  afterAll(async () => {
    await natsProxy?.close()
    await pgProxy?.close()
  })

  test(
    'commits without acks are redelivered to the next instance and change nothing; sessions complete once',
    async () => {
      const messages = backlog('CP-KILL', 3000)
      // A session in the backlog too: its events must be published once, whoever writes it.
      messages.splice(
        1000,
        0,
        aStart({ stationId: 'CP-KILL-S', transactionId: 31337, receivedAt: '2026-11-26T00:10:00.000Z' }),
      )
      messages.splice(
        2500,
        0,
        aStop({ stationId: 'CP-KILL-S', transactionId: 31337, receivedAt: '2026-11-26T00:20:00.000Z' }),
      )
      await publishRaw(world, messages)

      const pg = parseDatabaseUrl(world.database.url)
      const dbViaProxy = world.database.url.replace(
        `${pg.host}:${pg.port}`,
        `${pgProxy.host}:${pgProxy.port}`,
      )
      const env = { INGEST_DURABLE: 'killed', INGEST_BATCH_SIZE: '50', INGEST_MAX_IN_FLIGHT: '2' }
      const doomed: TestIngest = await startTestIngest(world, {
        ...env,
        DATABASE_URL: dbViaProxy,
        NATS_URL: `nats://${natsProxy.host}:${natsProxy.port}`,
      })
      await eventually(async () => (await rowsOf('CP-KILL')) > 500, 30_000)
      // The process "dies": both connections drop at once, whatever was in flight.
      await Promise.all([natsProxy.pause('refuse'), pgProxy.pause('refuse')])
      const partial = await rowsOf('CP-KILL')
      expect(partial).toBeLessThan(6000)

      const successor = await startTestIngest(world, env)
      try {
        await eventually(async () => (await rowsOf('CP-KILL')) === 6000, 60_000)
        await drained(world, 'killed', 60_000)
      } finally {
        await successor.close()
        // Let the dead instance reconnect so it can shut down; anything it still does is a no-op.
        await Promise.all([natsProxy.resume(), pgProxy.resume()])
        await doomed.close()
      }
      expect(await rowsOf('CP-KILL')).toBe(6000)
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from (select distinct station_id, source_message_id, sample_index from meter_values where station_id like 'CP-KILL-%') d`.execute(
        world.db,
      )
      expect(Number(rows[0]?.n)).toBe(6000)
      const t = await world.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', 31337)
        .executeTakeFirstOrThrow()
      expect(t.state).toBe('completed')
      await eventually(async () => (await count(world.db, 'ingest_outbox')) === 0, 30_000)
      const completed = (await domainEvents(world)).filter(
        (e) => e.name === 'session.completed' && e.data.transactionId === 31337,
      )
      expect(completed).toHaveLength(1)
    },
    SLOW,
  )
})
