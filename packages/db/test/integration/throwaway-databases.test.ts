import {
  createMigratedDatabase,
  createThrowawayDatabase,
  sweepTestDatabases,
  TEST_DATABASE_PREFIX,
  testDatabaseCreatedAt,
} from '../../../../test/support/database.ts'
import { createDb, listDatabases, pingDatabase, withDatabaseName } from '../../src/index.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

const adminUrl = () => process.env.DATABASE_ADMIN_URL as string

async function databaseNames(): Promise<string[]> {
  const db = createDb({ url: withDatabaseName(adminUrl(), 'postgres'), poolSize: 1 })
  try {
    return await listDatabases(db, TEST_DATABASE_PREFIX)
  } finally {
    await db.destroy()
  }
}

test(
  'the global set-up points DATABASE_URL (pgbouncer) and DATABASE_ADMIN_URL (direct) at this run',
  () => {
    const runId = process.env.CHARGEBUS_TEST_RUN_ID as string
    expect(runId).toMatch(/^\d+_[a-z0-9]{6}$/)
    const pooled = new URL(process.env.DATABASE_URL as string)
    const direct = new URL(adminUrl())
    expect(pooled.pathname).toBe(`/${TEST_DATABASE_PREFIX}${runId}`)
    expect(direct.pathname).toBe(pooled.pathname)
    expect([pooled.port, direct.port]).toEqual(['6432', '5432'])
    expect(process.env.NATS_URL).toBeDefined()
  },
  SLOW,
)

test(
  'a throwaway database answers through pgbouncer, then drop() removes it while connected',
  async () => {
    const scratch = await createThrowawayDatabase()
    expect(scratch.name.startsWith(`${TEST_DATABASE_PREFIX}${process.env.CHARGEBUS_TEST_RUN_ID}_`)).toBe(true)
    const db = createDb({ url: scratch.url })
    await pingDatabase(db)
    await scratch.drop() // WITH (FORCE): our open pgbouncer server connection does not block it
    await db.destroy()
    expect(await databaseNames()).not.toContain(scratch.name)
  },
  SLOW,
)

test(
  'the sweep drops test databases older than the limit and keeps young ones',
  async () => {
    const old = `${TEST_DATABASE_PREFIX}1000000000_oldone`
    await createMigratedDatabase(adminUrl(), old, false)
    expect(testDatabaseCreatedAt(old)).toEqual(new Date(1_000_000_000_000))
    const dropped = await sweepTestDatabases(adminUrl())
    expect(dropped).toContain(old)
    const left = await databaseNames()
    expect(left).not.toContain(old)
    expect(left).toContain(`${TEST_DATABASE_PREFIX}${process.env.CHARGEBUS_TEST_RUN_ID}`)
  },
  SLOW,
)
