import { createDb, type Database, type Kysely, sql } from '@chargebus/db'
import {
  count,
  createWorld,
  drained,
  eventually,
  type IngestWorld,
  ingestAll,
  publishRaw,
  startTestIngest,
  type TestIngest,
  tableCounts,
} from '../../services/ingest/test/support/ingest.ts'
import {
  aBoot,
  aHeartbeat,
  aMeterValues,
  aStart,
  aStatus,
  aStop,
  type Raw,
  registerReading,
} from '../../services/ingest/test/support/messages.ts'
import { runCli } from '../../tools/cli/src/index.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/database.ts'
import { NATS_URL } from '../support/nats.ts'

/*
 * The operator's loop against the real ingest, Postgres and JetStream, through the chargebus CLI: a poison
 * message is dead-lettered, listed, the bug fixed, retried into ingest's lane and written exactly once; a day
 * of traffic replayed into a fresh durable and database reproduces the original rows.
 */

const SLOW = 90_000
let world: IngestWorld
let ingest: TestIngest

beforeAll(async () => {
  world = await createWorld()
  ingest = await startTestIngest(world, { INGEST_BATCH_WAIT_MS: '200' })
}, SLOW)

afterAll(async () => {
  await ingest?.close()
  await world?.close()
}, SLOW)

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli([...args, '--namespace', world.namespace], {
    env: { NATS_URL },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

/** A day of one station: boot, status, a session with meter values, heartbeats. */
function aDay(station: string, transactionId: number): Raw[] {
  const at = (h: number, m = 0) =>
    `2026-11-26T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000Z`
  return [
    aBoot({ stationId: station, receivedAt: at(6) }),
    aStatus({ stationId: station, status: 'Available', timestamp: at(6, 1) }),
    aStart({ stationId: station, transactionId, meterStart: 1000, timestamp: at(8) }),
    aStatus({ stationId: station, status: 'Charging', timestamp: at(8, 1) }),
    ...[10, 20, 30, 40].map((m, i) =>
      aMeterValues({
        stationId: station,
        transactionId,
        receivedAt: at(8, m),
        values: [registerReading(at(8, m), 1000 + (i + 1) * 500)],
      }),
    ),
    aStop({ stationId: station, transactionId, meterStop: 3500, timestamp: at(9), reason: 'Local' }),
    aStatus({ stationId: station, status: 'Available', timestamp: at(9, 1) }),
    aHeartbeat({ stationId: station, receivedAt: at(12) }),
    aHeartbeat({ stationId: station, receivedAt: at(18) }),
  ]
}

test(
  'a poison message: dead-lettered, listed, fixed, retried, written once, and the dead letter is gone',
  async () => {
    // "The bug": the database refuses one station's messages (a check violation: not retryable).
    await sql`create function refuse_bug() returns trigger language plpgsql as $$
      begin if new.id = 'CP-BUG' then raise exception 'refused' using errcode = '23514'; end if;
      return new; end $$`.execute(world.db)
    await sql`create trigger refuse_bug before insert on stations for each row execute function refuse_bug()`.execute(
      world.db,
    )
    const good = aHeartbeat({ stationId: 'CP-FINE', receivedAt: '2026-11-26T10:00:00.000Z' })
    const poison = aHeartbeat({ stationId: 'CP-BUG', receivedAt: '2026-11-26T10:00:01.000Z' })
    await publishRaw(world, [good, poison])
    await eventually(async () => (await count(world.db, 'stations', sql`id = 'CP-FINE'`)) === 1)
    await drained(world)
    expect(await count(world.db, 'stations', sql`id = 'CP-BUG'`)).toBe(0)

    const list = await cli(['dlq', 'list', '--consumer', 'ingest', '--json'])
    expect(list.code).toBe(0)
    const page = JSON.parse(list.stdout) as { items: { id: number; record: Record<string, unknown> }[] }
    expect(page.items).toHaveLength(1)
    const [letter] = page.items
    expect(letter?.record).toMatchObject({ stream: 'OCPP_IN', consumer: 'ingest', reason: 'non-retryable' })
    const show = await cli(['dlq', 'show', String(letter?.id)])
    expect(show.stdout).toContain('CP-BUG')
    expect(show.stdout).toContain('refused')

    await sql`drop trigger refuse_bug on stations`.execute(world.db) // the fix
    const retry = await cli(['dlq', 'retry', String(letter?.id), '--json'])
    expect(retry.code).toBe(0)
    await eventually(async () => (await count(world.db, 'stations', sql`id = 'CP-BUG'`)) === 1)
    expect((await cli(['dlq', 'show', String(letter?.id)])).code).toBe(1)
    expect(JSON.parse((await cli(['dlq', 'list', '--json'])).stdout).items).toEqual([])
    // A second retry of the same id finds nothing; the row stays single.
    expect((await cli(['dlq', 'retry', String(letter?.id)])).code).toBe(1)
    await new Promise((r) => setTimeout(r, 500))
    expect(await count(world.db, 'stations', sql`id = 'CP-BUG'`)).toBe(1)
  },
  SLOW,
)

test(
  'a day replayed into a fresh durable and database reproduces the same rows; twice is harmless',
  async () => {
    const firstSeq = (await lastStoredSeq()) + 1
    await ingestAll(world, [...aDay('CP-DAY-1', 7001), ...aDay('CP-DAY-2', 7002)])
    // The day in the stream's own clock (nats-server's), which this test's clock need not share.
    const from = await storedAt(firstSeq)
    const to = new Date((await storedAt(await lastStoredSeq())).getTime() + 1)
    const fresh: ThrowawayDatabase = await createThrowawayDatabase()
    const freshDb = createDb({ url: fresh.adminUrl, poolSize: 2, applicationName: 'rebuild-test' })
    const rebuild = await startTestIngest(world, {
      DATABASE_URL: fresh.url,
      INGEST_DURABLE: 'rebuild',
      INGEST_DELIVER: 'new',
    })
    try {
      // New means new: the fresh durable does not read the live stream's history by itself.
      await new Promise((r) => setTimeout(r, 500))
      expect((await tableCounts(freshDb)).station_messages).toBe(0)
      const before = await tableCounts(world.db)

      const args = ['replay', '--stream', 'OCPP_IN', '--from', from.toISOString(), '--to', to.toISOString()]
      const first = await cli([...args, '--into', 'rebuild', '--json'])
      expect(first.code).toBe(0)
      expect(JSON.parse(first.stdout)).toMatchObject({ count: 24, into: { durable: 'rebuild' } })
      await drainedLane(world, 'rebuild')
      await drained(world, 'rebuild')
      expect(await dayRows(freshDb)).toEqual(await dayRows(world.db))

      const second = await cli([...args, '--subject', 'ocpp.in.*.CP-DAY-1.>', '--into', 'rebuild', '--json'])
      expect(JSON.parse(second.stdout)).toMatchObject({ count: 12, duplicates: 0 })
      await drainedLane(world, 'rebuild')
      expect(await dayRows(freshDb)).toEqual(await dayRows(world.db))
      // The live consumer was left alone.
      expect(await tableCounts(world.db)).toEqual(before)
    } finally {
      await rebuild.close()
      await freshDb.destroy()
      await fresh.drop()
    }
  },
  SLOW,
)

async function drainedLane(w: IngestWorld, durable: string): Promise<void> {
  const stream = `${w.namespace.toUpperCase()}_REPLAY`
  await eventually(async () => {
    const info = await w.admin.jsm.consumers.info(stream, `OCPP_IN-${durable}`)
    return info.num_pending === 0 && info.num_ack_pending === 0
  })
}

const TABLES = ['stations', 'connectors', 'transactions', 'status_events', 'meter_values', 'station_messages']
/** Columns stamped with the wall clock of the write, not the data: they differ between two ingests. */
const WRITE_TIME = new Set(['created_at', 'updated_at', 'ingested_at', 'written_at'])

/** The rows ingest wrote for the day's stations, as sorted JSON lines per table. */
async function dayRows(db: Kysely<Database>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const table of TABLES) {
    const key = table === 'stations' ? 'id' : 'station_id'
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} where ${sql.ref(key)} like 'CP-DAY-%'`.execute(db)
    out[table] = rows
      .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !WRITE_TIME.has(k)))))
      .sort()
  }
  return out
}

const ocppIn = () => `${world.namespace.toUpperCase()}_OCPP_IN`

async function lastStoredSeq(): Promise<number> {
  return (await world.admin.jsm.streams.info(ocppIn())).state.last_seq
}

/** When JetStream stored the message: the time replay's --from/--to are compared with. */
async function storedAt(seq: number): Promise<Date> {
  const stored = await world.admin.jsm.streams.getMessage(ocppIn(), { seq })
  if (!stored) throw new Error(`OCPP_IN has no message ${seq}`)
  return stored.time
}
