import type { Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'

/** Stations by connection state, as `GET /v1/stations` reports `online` (ingest's sweep sets `offline_since`). */
export interface StationCounts {
  online: number
  offline: number
  /** Registered (booted or created) but never heard from. */
  neverSeen: number
}

/** One pass over `stations` (a row per station: thousands, not millions). */
export async function countStations(db: Kysely<Database>): Promise<StationCounts> {
  const { rows } = await sql<{ online: string; offline: string; never_seen: string }>`
    select count(*) filter (where offline_since is null and last_seen_at is not null) as online,
           count(*) filter (where offline_since is not null) as offline,
           count(*) filter (where last_seen_at is null) as never_seen
      from stations`.execute(db)
  const r = rows[0]
  return {
    online: Number(r?.online ?? 0),
    offline: Number(r?.offline ?? 0),
    neverSeen: Number(r?.never_seen ?? 0),
  }
}

/** Commands by status (the `commands` audit table: operator commands, far fewer rows than station messages). */
export async function countCommandsByStatus(
  db: Kysely<Database>,
): Promise<Array<{ status: string; count: number }>> {
  const rows = await db
    .selectFrom('commands')
    .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
    .groupBy('status')
    .execute()
  return rows.map((r) => ({ status: r.status, count: Number(r.count) }))
}
