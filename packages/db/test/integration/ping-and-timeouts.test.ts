import { createThrowawayDatabase, type ThrowawayDatabase, testDb } from '../../../../test/support/database.ts'
import {
  createDb,
  type Database,
  InvalidDatabaseUrl,
  type Kysely,
  NotInTransaction,
  pingDatabase,
  setLocalStatementTimeout,
  sql,
} from '../../src/index.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

let db: Kysely<Database>

beforeAll(() => {
  db = testDb({ poolSize: 1 })
}, SLOW)

afterAll(async () => {
  await db?.destroy()
}, SLOW)

test(
  'pingDatabase resolves through pgbouncer',
  async () => {
    await expect(pingDatabase(db)).resolves.toBeUndefined()
  },
  SLOW,
)

test(
  'pingDatabase on a closed port is DB_ERR_UNAVAILABLE, retryable',
  async () => {
    const nowhere = createDb({ url: 'postgres://chargebus:chargebus@127.0.0.1:1/chargebus', poolSize: 1 })
    try {
      await expect(pingDatabase(nowhere)).rejects.toMatchObject({
        code: 'DB_ERR_UNAVAILABLE',
        retryable: true,
        status: 503,
        message: expect.stringContaining('ECONNREFUSED'),
      })
    } finally {
      await nowhere.destroy()
    }
  },
  SLOW,
)

test(
  'pingDatabase on a database that does not exist is DB_ERR_UNAVAILABLE',
  async () => {
    // Direct: pgbouncer answers a failed server login at once only for the first client, then holds
    // clients for server_login_retry; either way pingDatabase fails, but only Postgres is prompt.
    const url = new URL(process.env.DATABASE_ADMIN_URL as string)
    url.pathname = '/chargebus_test_does_not_exist'
    const missing = createDb({ url: url.toString(), poolSize: 1, connectTimeoutMs: 1000 })
    try {
      await expect(pingDatabase(missing, { timeoutMs: 1000 })).rejects.toMatchObject({
        code: 'DB_ERR_UNAVAILABLE',
        message: 'database unavailable: database "chargebus_test_does_not_exist" does not exist',
      })
    } finally {
      await missing.destroy()
    }
  },
  SLOW,
)

test(
  'pingDatabase gives up after timeoutMs when the pool is exhausted',
  async () => {
    let release: () => void = () => {}
    const held = db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx)
      await new Promise<void>((r) => {
        release = r
      })
    })
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await expect(pingDatabase(db, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'DB_ERR_UNAVAILABLE',
      message: 'database unavailable: no answer to select 1 within 100 ms',
    })
    expect(Date.now() - started).toBeLessThan(3000) // 100 ms plus a busy machine; unbounded would hang
    release()
    await held
    await expect(pingDatabase(db)).resolves.toBeUndefined()
  },
  SLOW,
)

test(
  'createDb refuses a bad URL with a typed error',
  () => {
    expect(() => createDb({ url: 'mysql://root@localhost/x' })).toThrow(InvalidDatabaseUrl)
  },
  SLOW,
)

describe('setLocalStatementTimeout', () => {
  let scratch: ThrowawayDatabase
  let pooled: Kysely<Database>

  beforeAll(async () => {
    scratch = await createThrowawayDatabase()
    pooled = createDb({ url: scratch.url, poolSize: 2 })
  }, SLOW)

  afterAll(async () => {
    await pooled?.destroy()
    await scratch?.drop()
  }, SLOW)

  test(
    'cancels a slow statement inside the transaction',
    async () => {
      const started = Date.now()
      await expect(
        pooled.transaction().execute(async (trx) => {
          await setLocalStatementTimeout(trx, 100)
          await sql`select pg_sleep(5)`.execute(trx)
        }),
      ).rejects.toMatchObject({ code: '57014' }) // query_canceled
      expect(Date.now() - started).toBeLessThan(4000) // pg_sleep(5) was cut short
    },
    SLOW,
  )

  test(
    'does not leak to later transactions on the same server connections',
    async () => {
      await pooled.transaction().execute((trx) => setLocalStatementTimeout(trx, 1234))
      const seen = await Promise.all(
        Array.from({ length: 10 }, () =>
          sql<{ statement_timeout: string }>`show statement_timeout`
            .execute(pooled)
            .then((r) => r.rows[0]?.statement_timeout),
        ),
      )
      expect(new Set(seen)).toEqual(new Set(['0']))
    },
    SLOW,
  )

  test(
    'outside a transaction it is DB_ERR_NOT_IN_TRANSACTION',
    async () => {
      await expect(setLocalStatementTimeout(pooled, 100)).rejects.toBeInstanceOf(NotInTransaction)
    },
    SLOW,
  )
})
