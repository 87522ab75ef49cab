import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { createDb, type Database, type Kysely, sql, withDatabaseName } from '../../src/index.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

// Real Postgres through real pgbouncer (transaction pooling), on a database of this file's own so
// pg_stat_activity shows only our server connections.
let scratch: ThrowawayDatabase
let db: Kysely<Database>
let observer: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  db = createDb({ url: scratch.url, poolSize: 4, applicationName: 'db-pool-test' })
  observer = createDb({ url: withDatabaseName(scratch.adminUrl, 'postgres'), poolSize: 1 })
}, SLOW)

afterAll(async () => {
  await db?.destroy()
  await observer?.destroy()
  await scratch?.drop()
}, SLOW)

/** Backends on our database, except the set-up's direct connection that may still be exiting. */
async function serverConnections(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = ${scratch.name} and backend_type = 'client backend'
      and application_name is distinct from 'chargebus-test-setup'`.execute(observer)
  return rows[0]?.n ?? -1
}

function station(id: string) {
  return { id, vendor: 'ACME', model: 'Wallbox 7', ocpp_version: '1.6' as const }
}

test(
  'the pool reaches Postgres through a proxy (client port 6432, server port 5432)',
  async () => {
    const { rows } = await sql<{ port: number }>`select inet_server_port() as port`.execute(db)
    expect(new URL(scratch.url).port).toBe('6432')
    expect(rows[0]?.port).toBe(5432)
  },
  SLOW,
)

test(
  '300 concurrent callers on a pool of 4 never hold more than 4 server connections',
  async () => {
    let sampling = true
    let peak = 0
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await serverConnections())
        await new Promise((r) => setTimeout(r, 5))
      }
    })()

    const callers = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0
        ? sql`select pg_sleep(0.002)`.execute(db)
        : db.transaction().execute(async (trx) => {
            await trx
              .insertInto('stations')
              .values(station(`burst-${i}`))
              .execute()
            await sql`select pg_sleep(0.002)`.execute(trx)
          }),
    )
    await Promise.all(callers)
    sampling = false
    await sampler
    peak = Math.max(peak, await serverConnections())

    const { count } = await db
      .selectFrom('stations')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('id', 'like', 'burst-%')
      .executeTakeFirstOrThrow()
    expect(Number(count)).toBe(200)
    // More than one proves the callers overlapped; pgbouncer's own pool (10) would allow more than 4.
    expect(peak).toBeGreaterThan(1)
    expect(peak).toBeLessThanOrEqual(4)
  },
  SLOW,
)

test(
  'a transaction commits: its rows are visible to every other connection',
  async () => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('stations').values(station('commit-1')).execute()
      await trx
        .insertInto('connectors')
        .values({ station_id: 'commit-1', connector_id: 1, status: 'Available', status_at: new Date() })
        .execute()
    })
    const rows = await Promise.all(
      Array.from({ length: 8 }, () =>
        db
          .selectFrom('connectors')
          .select(['station_id', 'status', 'error_code'])
          .where('station_id', '=', 'commit-1')
          .execute(),
      ),
    )
    for (const r of rows)
      expect(r).toEqual([{ station_id: 'commit-1', status: 'Available', error_code: 'NoError' }])
  },
  SLOW,
)

test(
  'a transaction that throws rolls back everything it wrote',
  async () => {
    const failure = new Error('business rule says no')
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('stations').values(station('rollback-1')).execute()
        await trx.insertInto('stations').values(station('rollback-2')).execute()
        throw failure
      }),
    ).rejects.toBe(failure)
    const left = await db
      .selectFrom('stations')
      .select('id')
      .where('id', 'in', ['rollback-1', 'rollback-2'])
      .execute()
    expect(left).toEqual([])
  },
  SLOW,
)

test(
  'concurrent transactions that fail leave the pool usable and the rows out',
  async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('stations')
            .values(station(`mixed-${i}`))
            .execute()
          if (i % 2 === 1) await sql`select 1 / 0`.execute(trx)
        }),
      ),
    )
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(20)
    const ids = await db.selectFrom('stations').select('id').where('id', 'like', 'mixed-%').execute()
    expect(ids.map((r) => Number(r.id.slice('mixed-'.length))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 2),
    )
  },
  SLOW,
)
