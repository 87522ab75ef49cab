import {
  createDatabase,
  createDb,
  type Database,
  dropDatabase,
  type Kysely,
  listDatabases,
  migrateToLatest,
  withDatabaseName,
} from '@chargebus/db'

/*
 * Database helpers for tests. The jest globalSetup (test/global-setup.ts) creates one migrated
 * throwaway database per run and exports DATABASE_URL (through pgbouncer) and DATABASE_ADMIN_URL
 * (direct) pointing at it; tests that need a database of their own (schema changes, sequence
 * state, counting server connections) call createThrowawayDatabase().
 */

export const DEFAULT_TEST_DATABASE_URL = 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus'
export const DEFAULT_TEST_DATABASE_ADMIN_URL = 'postgres://chargebus:chargebus@127.0.0.1:5432/chargebus'
export const TEST_DATABASE_PREFIX = 'chargebus_test_'
/** Throwaway databases older than this are left by crashed runs; the global teardown drops them. */
export const STALE_TEST_DATABASE_MS = 3 * 60 * 60 * 1000
/** Database-level DDL runs connected to this database of the same server. */
const MAINTENANCE_DATABASE = 'postgres'

/**
 * A run id that sorts by time and tells its age: `<unix seconds>_<6 random base-36 chars>`.
 * Also the namespace other packages use for streams and subjects (CHARGEBUS_TEST_RUN_ID).
 */
export function newTestRunId(now: number = Date.now()): string {
  const random = Math.random().toString(36).slice(2, 8).padEnd(6, '0')
  return `${Math.floor(now / 1000)}_${random}`
}

/** The time a test database name was made, or undefined when it is not one of ours. */
export function testDatabaseCreatedAt(name: string): Date | undefined {
  const match = new RegExp(`^${TEST_DATABASE_PREFIX}(\\d{9,11})_`).exec(name)
  return match?.[1] === undefined ? undefined : new Date(Number(match[1]) * 1000)
}

function requireEnv(name: 'DATABASE_URL' | 'DATABASE_ADMIN_URL'): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run tests through jest (pnpm test), whose globalSetup sets it`)
  }
  return value
}

/**
 * A pool on this run's database through pgbouncer (`process.env.DATABASE_URL`). Destroy it in afterAll.
 *
 * ### Examples
 * ```ts
 * const db = testDb()
 * afterAll(() => db.destroy())
 * ```
 */
export function testDb(options: { poolSize?: number; applicationName?: string } = {}): Kysely<Database> {
  return createDb({
    url: requireEnv('DATABASE_URL'),
    poolSize: options.poolSize ?? 4,
    applicationName: options.applicationName ?? 'chargebus-test',
  })
}

/** A database only one test file uses; `drop()` (or `await using`) removes it, connections and all. */
export interface ThrowawayDatabase extends AsyncDisposable {
  name: string
  /** Through pgbouncer, like the services. */
  url: string
  /** Direct to Postgres, for migrations and inspection (pg_stat_activity). */
  adminUrl: string
  drop(): Promise<void>
}

/**
 * Creates `chargebus_test_<run id>_<random>` on the server of this run (migrated unless
 * `migrate: false`). Names carry the run id, so the global teardown drops anything a test left.
 *
 * ### Examples
 * ```ts
 * const scratch = await createThrowawayDatabase()
 * afterAll(() => scratch.drop())
 * const db = createDb({ url: scratch.url })
 * ```
 */
export async function createThrowawayDatabase(
  options: { migrate?: boolean; adminUrl?: string; url?: string } = {},
): Promise<ThrowawayDatabase> {
  const baseAdminUrl = options.adminUrl ?? process.env.DATABASE_ADMIN_URL ?? DEFAULT_TEST_DATABASE_ADMIN_URL
  const baseUrl = options.url ?? process.env.DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL
  const runId = process.env.CHARGEBUS_TEST_RUN_ID ?? newTestRunId()
  const name = `${TEST_DATABASE_PREFIX}${runId}_${Math.random().toString(36).slice(2, 8)}`
  await createMigratedDatabase(baseAdminUrl, name, options.migrate ?? true)
  const drop = () => dropTestDatabases(baseAdminUrl, [name])
  return {
    name,
    url: withDatabaseName(baseUrl, name),
    adminUrl: withDatabaseName(baseAdminUrl, name),
    drop,
    [Symbol.asyncDispose]: drop,
  }
}

/** CREATE DATABASE (owned by the URL's role), then the migrations through a direct connection. */
export async function createMigratedDatabase(adminUrl: string, name: string, migrate = true): Promise<void> {
  await withAdmin(withDatabaseName(adminUrl, MAINTENANCE_DATABASE), (admin) => createDatabase(admin, name))
  if (!migrate) return
  await withAdmin(withDatabaseName(adminUrl, name), (db) => migrateToLatest(db))
}

/** DROP DATABASE ... WITH (FORCE) for each name (missing ones are fine). */
export async function dropTestDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  await withAdmin(withDatabaseName(adminUrl, MAINTENANCE_DATABASE), async (admin) => {
    for (const name of names) await dropDatabase(admin, name)
  })
}

/**
 * Drops this run's databases (`chargebus_test_<runId>*`) and any test database older than
 * `staleAfterMs`. Returns the names dropped.
 */
export async function sweepTestDatabases(
  adminUrl: string,
  options: { runId?: string; staleAfterMs?: number; now?: number } = {},
): Promise<string[]> {
  const now = options.now ?? Date.now()
  const staleAfterMs = options.staleAfterMs ?? STALE_TEST_DATABASE_MS
  const names = await withAdmin(withDatabaseName(adminUrl, MAINTENANCE_DATABASE), (admin) =>
    listDatabases(admin, TEST_DATABASE_PREFIX),
  )
  const doomed = names.filter((name) => {
    if (options.runId !== undefined && name.startsWith(`${TEST_DATABASE_PREFIX}${options.runId}`)) return true
    const createdAt = testDatabaseCreatedAt(name)
    return createdAt !== undefined && now - createdAt.getTime() > staleAfterMs
  })
  await dropTestDatabases(adminUrl, doomed)
  return doomed
}

async function withAdmin<T>(url: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const db = createDb({ url, poolSize: 1, applicationName: 'chargebus-test-setup' })
  try {
    return await work(db)
  } finally {
    await db.destroy()
  }
}
