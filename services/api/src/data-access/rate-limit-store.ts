import { type Database, type Kysely, sql } from '@chargebus/db'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'

/** What @fastify/rate-limit asks of a store (`incr` counts a request; `child` serves per-route options). */
export interface RateLimitStore {
  incr(
    key: string,
    cb: (err: Error | null, res?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ): void
  child(): RateLimitStore
}

/** One key's window after a request: the requests counted in it and when it started. */
export interface CountedWindow {
  hits: number
  startedAt: Date
}

/** Milliseconds left in a window of `windowMs` that started at `startedAt` (at least 0). */
export function windowTtl(window: CountedWindow, windowMs: number, now: Date): number {
  return Math.max(0, window.startedAt.getTime() + windowMs - now.getTime())
}

/**
 * Counts one request of `key` in Postgres, atomically (one upsert, the row locked for its duration): a key's
 * window starts at its first request and, once `windowMs` has passed, the next request starts a new one with a
 * count of 1. The same rule as the plugin's per-process store, so the headers mean what they meant; every
 * replica counts in the same row. `now` is the caller's clock.
 */
export async function countRequest(
  db: Kysely<Database>,
  key: string,
  windowMs: number,
  now: Date,
): Promise<CountedWindow> {
  const expired = sql<boolean>`r.window_started_at + ${windowMs} * interval '1 millisecond' <= ${now}::timestamptz`
  const { rows } = await sql<{ hits: number; window_started_at: Date }>`
    insert into api_rate_limits as r (key, window_started_at, hits) values (${key}, ${now}::timestamptz, 1)
    on conflict (key) do update
       set hits = case when ${expired} then 1 else r.hits + 1 end,
           window_started_at = case when ${expired} then excluded.window_started_at else r.window_started_at end
    returning hits, window_started_at`.execute(db)
  const row = rows[0]
  if (row === undefined) throw new Error('rate limit: the upsert returned no row')
  return { hits: row.hits, startedAt: row.window_started_at }
}

/** Deletes the counters whose window has ended (a later request starts a new row): the table stays small. */
export async function sweepRateLimits(db: Kysely<Database>, windowMs: number, now: Date): Promise<number> {
  const result = await sql`
    delete from api_rate_limits
     where window_started_at + ${windowMs} * interval '1 millisecond' <= ${now}::timestamptz`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/**
 * The store class @fastify/rate-limit instantiates (`store` option): counters in Postgres (`api_rate_limits`),
 * seen by every API replica. At most once per window it also sweeps ended windows, in the background.
 */
export function postgresRateLimitStore(deps: {
  db: Kysely<Database>
  clock: Clock
  logger: Logger
}): new () => RateLimitStore {
  let lastSweep = 0
  const sweep = (windowMs: number, now: Date) => {
    if (now.getTime() - lastSweep < windowMs) return
    lastSweep = now.getTime()
    sweepRateLimits(deps.db, windowMs, now).catch((err: unknown) =>
      deps.logger.warn({ err }, 'sweeping ended rate-limit windows failed'),
    )
  }
  return class PostgresRateLimitStore implements RateLimitStore {
    incr(
      key: string,
      cb: (err: Error | null, res?: { current: number; ttl: number }) => void,
      windowMs: number,
    ) {
      const now = deps.clock()
      countRequest(deps.db, key, windowMs, now).then(
        (window) => {
          sweep(windowMs, now)
          cb(null, { current: window.hits, ttl: windowTtl(window, windowMs, now) })
        },
        (err: Error) => {
          deps.logger.warn({ err }, 'rate limit: counting the request failed; it is let through')
          cb(err)
        },
      )
    }

    child(): RateLimitStore {
      return this
    }
  }
}
