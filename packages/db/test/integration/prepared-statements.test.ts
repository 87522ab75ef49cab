import pg from 'pg'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { createDb, type Database, type Kysely, sql } from '../../src/index.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

let scratch: ThrowawayDatabase
let db: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  db = createDb({ url: scratch.url, poolSize: 4, applicationName: 'db-prepared-test' })
  await db.insertInto('stations').values({ id: 'CP-1', registration_status: 'Accepted' }).execute()
}, SLOW)

afterAll(async () => {
  await db?.destroy()
  await scratch?.drop()
}, SLOW)

/** Two plain pg clients (two pgbouncer clients), to show what pooling does to raw protocol use. */
async function withTwoClients(
  url: string,
  work: (a: pg.Client, b: pg.Client) => Promise<void>,
): Promise<void> {
  const a = new pg.Client({ connectionString: url })
  const b = new pg.Client({ connectionString: url })
  await a.connect()
  await b.connect()
  try {
    await work(a, b)
  } finally {
    await Promise.all([a.end(), b.end()])
  }
}

// Controls: prove this really is transaction pooling, or the tests below could not fail. On a
// database of their own: the named statement they leave on a server connection would poison others.
describe('the environment is pgbouncer in transaction pooling mode', () => {
  let control: ThrowawayDatabase

  beforeAll(async () => {
    control = await createThrowawayDatabase({ migrate: false })
  }, SLOW)

  afterAll(async () => {
    await control?.drop()
  }, SLOW)

  test(
    'two clients take turns on the same server connection',
    async () => {
      await withTwoClients(control.url, async (a, b) => {
        const pidA = (await a.query('select pg_backend_pid() as pid')).rows[0].pid
        const pidB = (await b.query('select pg_backend_pid() as pid')).rows[0].pid
        expect(pidB).toBe(pidA)
      })
    },
    SLOW,
  )

  test(
    'a named prepared statement breaks once another client holds its server connection',
    async () => {
      await withTwoClients(control.url, async (a, b) => {
        const named = { name: 'answer', text: 'select $1::int as answer', values: [42] }
        await a.query(named) // parsed on server connection S, which goes back to the pool
        await b.query('begin')
        await b.query('select 1') // b now holds S for its transaction
        await expect(a.query(named)).rejects.toMatchObject({ code: '26000' }) // "prepared statement does not exist"
        await b.query('commit')
      })
    },
    SLOW,
  )
})

describe('kysely through pgbouncer uses unnamed statements only', () => {
  const byId = (k: Kysely<Database>) =>
    k.selectFrom('stations').select(['id', 'registration_status']).where('id', '=', 'CP-1').execute()

  test(
    'the same query twice in a row, then 200 times concurrently, on a pool of 4',
    async () => {
      expect(await byId(db)).toEqual([{ id: 'CP-1', registration_status: 'Accepted' }])
      expect(await byId(db)).toEqual([{ id: 'CP-1', registration_status: 'Accepted' }])
      const all = await Promise.all(Array.from({ length: 200 }, () => byId(db)))
      for (const rows of all) expect(rows).toEqual([{ id: 'CP-1', registration_status: 'Accepted' }])
    },
    SLOW,
  )

  test(
    'two pools (two processes) interleaving the same queries while a transaction holds a server',
    async () => {
      const other = createDb({ url: scratch.url, poolSize: 2 })
      try {
        await db.transaction().execute(async (trx) => {
          await byId(trx)
          await Promise.all(Array.from({ length: 50 }, (_, i) => byId(i % 2 === 0 ? db : other)))
          await byId(trx)
        })
      } finally {
        await other.destroy()
      }
    },
    SLOW,
  )

  test(
    'the server connection has no prepared statements after kysely queries',
    async () => {
      const left = await db.transaction().execute(async (trx) => {
        await byId(trx)
        await trx.selectFrom('connectors').selectAll().where('station_id', '=', 'CP-1').execute()
        const { rows } = await sql<{
          n: number
        }>`select count(*)::int as n from pg_prepared_statements`.execute(trx)
        return rows[0]?.n
      })
      expect(left).toBe(0)
    },
    SLOW,
  )
})
