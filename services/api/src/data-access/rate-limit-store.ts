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
 * Counts `requests` requests of `key` in Postgres, atomically (one upsert, the row locked for its duration): a
 * key's window starts at its first request and, once `windowMs` has passed, the next request starts a new one
 * with a count of 1. The same rule as the plugin's per-process store, so the headers mean what they meant;
 * every replica counts in the same row. `now` is the caller's clock. Returns the window after the last of them.
 */
export async function countRequests(
  db: Kysely<Database>,
  key: string,
  windowMs: number,
  now: Date,
  requests = 1,
): Promise<CountedWindow> {
  const expired = sql<boolean>`r.window_started_at + ${windowMs} * interval '1 millisecond' <= ${now}::timestamptz`
  const { rows } = await sql<{ hits: number; window_started_at: Date }>`
    insert into api_rate_limits as r (key, window_started_at, hits) values (${key}, ${now}::timestamptz, ${requests})
    on conflict (key) do update
       set hits = case when ${expired} then excluded.hits else r.hits + excluded.hits end,
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

type IncrCallback = Parameters<RateLimitStore['incr']>[1]

/**
 * The store class @fastify/rate-limit instantiates (`store` option): counters in Postgres (`api_rate_limits`),
 * seen by every API replica. A replica has at most one upsert in flight per key: the requests of that key that
 * arrive meanwhile wait for it and are then counted together by the next one, each given its own count in
 * arrival order (as if counted one by one). Under load a busy key costs one round trip per batch instead of
 * one per request, and its row is not fought over by the replica's own connections. At most once per window it
 * also sweeps ended windows, in the background.
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
  /** Per key and window with an upsert in flight: the requests that arrived since it was sent. */
  const waiting = new Map<string, IncrCallback[]>()

  const count = (id: string, key: string, windowMs: number, batch: IncrCallback[]) => {
    const now = deps.clock()
    const next = () => {
      const queued = waiting.get(id) ?? []
      if (queued.length === 0) waiting.delete(id)
      else {
        waiting.set(id, [])
        count(id, key, windowMs, queued)
      }
    }
    countRequests(deps.db, key, windowMs, now, batch.length).then(
      (window) => {
        sweep(windowMs, now)
        const ttl = windowTtl(window, windowMs, now)
        let current = window.hits - batch.length
        for (const cb of batch) cb(null, { current: ++current, ttl })
        next()
      },
      (err: Error) => {
        deps.logger.warn(
          { err, requests: batch.length },
          'rate limit: counting requests failed; they are let through',
        )
        for (const cb of batch) cb(err)
        next()
      },
    )
  }

  return class PostgresRateLimitStore implements RateLimitStore {
    incr(key: string, cb: IncrCallback, windowMs: number) {
      const id = `${windowMs}\0${key}`
      const queued = waiting.get(id)
      if (queued !== undefined) {
        queued.push(cb)
        return
      }
      waiting.set(id, [])
      count(id, key, windowMs, [cb])
    }

    child(): RateLimitStore {
      return this
    }
  }
}
