import type { Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import { type EventData, SessionOverdue, StationOffline } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain/domain-event.ts'
import { addToOutbox, type OutboxEntry } from './outbox.ts'

/*
 * Periodic, clock-driven state changes, in bounded chunks (a fleet's worth after downtime must not be one long
 * transaction). Each chunk runs in one transaction that changes the rows and writes the events to the outbox,
 * so a crash never loses the event of a change that happened.
 */

/** What one chunk of a sweep changed: the rows (to know whether another chunk follows) and their events. */
export interface SweepChunk {
  changed: number
  outbox: OutboxEntry[]
}

/**
 * Marks at most `limit` stations whose heartbeat is overdue offline (nothing received for `missedHeartbeats`
 * intervals, the interval given at boot or `defaultIntervalS`), in id order (the order batches lock stations
 * in). Returns how many, and the outbox entries of their `station.offline` events; call again while
 * `changed === limit`.
 */
export async function markOfflineStations(
  db: Kysely<Database>,
  opts: { now: Date; missedHeartbeats: number; defaultIntervalS: number; limit: number },
): Promise<SweepChunk> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; last_seen_at: Date; interval_s: number }>`
      with due as (
        select id from stations
         where offline_since is null
           and last_seen_at is not null
           and last_seen_at < ${opts.now.toISOString()}::timestamptz
               - make_interval(secs => coalesce(heartbeat_interval_s, ${opts.defaultIntervalS}) * ${opts.missedHeartbeats}::float8)
         order by id
         limit ${opts.limit}
           for update)
      update stations s
         set offline_since = ${opts.now.toISOString()}::timestamptz, updated_at = now()
        from due
       where s.id = due.id
      returning s.id, s.last_seen_at, coalesce(s.heartbeat_interval_s, ${opts.defaultIntervalS})::integer as interval_s`.execute(
      trx,
    )
    const events: DomainEvent[] = rows.map((r) => {
      const data: EventData<typeof StationOffline> = {
        stationId: r.id,
        lastSeenAt: r.last_seen_at.toISOString(),
        offlineSince: opts.now.toISOString(),
        heartbeatIntervalS: r.interval_s,
      }
      return domainEvent(StationOffline, data, `${r.id}/${data.offlineSince}`)
    })
    return { changed: rows.length, outbox: await addToOutbox(trx, events) }
  })
}

/**
 * Reports at most `limit` sessions open longer than `thresholdS` (once each: `overdue_reported_at`), in id
 * order; call again while `changed === limit`.
 */
export async function reportOverdueSessions(
  db: Kysely<Database>,
  opts: { now: Date; thresholdS: number; limit: number },
): Promise<SweepChunk> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      id: number
      station_id: string
      connector_id: number | null
      started_at: Date
    }>`
      with due as (
        select id from transactions
         where state = 'active'
           and overdue_reported_at is null
           and started_at < ${opts.now.toISOString()}::timestamptz - make_interval(secs => ${opts.thresholdS})
         order by id
         limit ${opts.limit}
           for update)
      update transactions t
         set overdue_reported_at = ${opts.now.toISOString()}::timestamptz, updated_at = now()
        from due
       where t.id = due.id
      returning t.id, t.station_id, t.connector_id, t.started_at`.execute(trx)
    const events: DomainEvent[] = rows.map((r) => {
      const data: EventData<typeof SessionOverdue> = {
        stationId: r.station_id,
        transactionId: r.id,
        startedAt: r.started_at.toISOString(),
        openForS: Math.floor((opts.now.getTime() - r.started_at.getTime()) / 1000),
        thresholdS: opts.thresholdS,
        detectedAt: opts.now.toISOString(),
      }
      if (r.connector_id !== null) data.connectorId = r.connector_id
      return domainEvent(SessionOverdue, data, `${r.station_id}/${r.id}`)
    })
    return { changed: rows.length, outbox: await addToOutbox(trx, events) }
  })
}

/**
 * Creates the monthly partitions (the month before `now`, its month and the next) that are missing; returns
 * their names. `now` is the service's clock, not Postgres's: rows are stamped by the gateway's clock.
 */
export async function ensurePartitions(db: Kysely<Database>, now: Date): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select ensure_monthly_partitions(${now.toISOString()}::timestamptz - interval '1 month') as name`.execute(
    db,
  )
  return rows.map((r) => r.name)
}
