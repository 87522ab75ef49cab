import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Logger } from 'pino'
import { registerPool } from './copy-into.ts'
import type { Database } from './database.ts'
import { DatabaseUnavailable, describeError, NotInTransaction } from './errors.ts'
import { type PoolMetricsOptions, registerPoolMetrics } from './pool-metrics.ts'
import { fastTimestampTypes } from './timestamptz.ts'
import { parseDatabaseUrl } from './url.ts'

export interface CreateDbOptions {
  /** `postgres://user:password@host:port/database`; services use pgbouncer (6432), migrations direct (5432). */
  url: string
  /**
   * Connections this process may hold (default 4). Keep it small: every service and worker shares
   * pgbouncer's server pool, and bounded in-flight work, not more connections, absorbs bursts.
   */
  poolSize?: number
  /** Shown in `pg_stat_activity.application_name` (pgbouncer forwards it). */
  applicationName?: string
  /** Upper bound on opening a connection and on waiting for a free one from the pool (default 10 000). */
  connectTimeoutMs?: number
  /** Idle connections are closed after this (default 10 000). */
  idleTimeoutMs?: number
  /**
   * Receives a warning when a connection fails (pgbouncer or Postgres restarted, network cut), idle or
   * in use. Either way the process keeps running: a query in flight rejects, the pool replaces the client.
   */
  logger?: Pick<Logger, 'warn'>
  /** Export the pool's connections in use, idle and waiting on this registry (`registerPoolMetrics`). */
  metrics?: PoolMetricsOptions
}

/**
 * A `Kysely<Database>` on a small `pg` pool, safe behind pgbouncer in transaction pooling mode:
 * kysely sends unnamed statements only, and this factory sets no session state (no startup
 * `statement_timeout`/`options`, no `SET`, no `LISTEN`, no session advisory locks). For a statement
 * timeout, call `setLocalStatementTimeout(trx, ms)` inside a transaction. Do not use kysely's
 * `inflightQueryAbortStrategy: 'cancel query' | 'kill session'` behind pgbouncer: the backend pid pg
 * reports is pgbouncer's, not the server's. Call `db.destroy()` on shutdown.
 *
 * ### Examples
 * ```ts
 * const db = createDb({ url: config.DATABASE_URL, applicationName: 'ingest' })
 * const station = await db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst()
 * await db.destroy()
 * ```
 */
export function createDb(options: CreateDbOptions): Kysely<Database> {
  parseDatabaseUrl(options.url)
  const poolSize = options.poolSize ?? 4
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new RangeError(`poolSize must be a positive integer, got ${poolSize}`)
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    keepAlive: true,
    types: fastTimestampTypes,
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
  })
  // pg emits 'error' on a client whose connection dies (pgbouncer or Postgres restarted, network cut);
  // with no listener that is an uncaught exception and the process exits. The pool listens only while
  // a client is idle (and re-emits on the pool, below); a checked-out client needs its own permanent
  // listener. Its query is rejected with the error, and the pool drops the client on release.
  const inUse = new WeakSet<pg.PoolClient>()
  pool.on('acquire', (client) => inUse.add(client))
  pool.on('release', (_err, client) => inUse.delete(client))
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (!inUse.has(client)) return // idle: the pool's 'error' event below logs it
      options.logger?.warn(
        { err: describeError(err) },
        'database connection failed while in use; its query fails and the pool replaces it',
      )
    })
  })
  pool.on('error', (err) => {
    options.logger?.warn({ err: describeError(err) }, 'idle database connection failed; the pool replaces it')
  })
  if (options.metrics) registerPoolMetrics(pool, options.metrics)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  registerPool(db, pool)
  return db
}

/**
 * Runs `select 1` and throws `DatabaseUnavailable` (retryable, 503) when it does not answer within
 * `timeoutMs` (default 2000), including the wait for a free pool connection. For `/readyz`.
 *
 * ### Examples
 * ```ts
 * createServiceApp({ name: 'api', logger, readiness: { postgres: () => pingDatabase(db) } })
 * ```
 */
export async function pingDatabase<DB>(db: Kysely<DB>, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 2000
  const query = sql`select 1`.execute(db)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailable(`no answer to select 1 within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  // The query keeps its pool slot until it settles; its late failure must not go unhandled.
  query.catch(() => {})
  try {
    await Promise.race([query, timeout])
  } catch (err) {
    if (err instanceof DatabaseUnavailable) throw err
    throw new DatabaseUnavailable(describeError(err), err)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `SET LOCAL statement_timeout` for the rest of the given transaction: the pgbouncer-safe way to
 * bound a statement (a session `SET` would leak to other clients of the server connection).
 *
 * ### Examples
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await setLocalStatementTimeout(trx, 5000)
 *   return trx.selectFrom('stations').selectAll().execute()
 * })
 * ```
 */
export async function setLocalStatementTimeout<DB>(trx: Kysely<DB>, timeoutMs: number): Promise<void> {
  if (!trx.isTransaction) throw new NotInTransaction('setLocalStatementTimeout')
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeoutMs must be a non-negative integer, got ${timeoutMs}`)
  }
  await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(trx)
}
