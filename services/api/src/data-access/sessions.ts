import type { ChargingTransaction, Database, Kysely, TransactionState } from '@chargebus/db'
import { sql } from '@chargebus/db'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { iso, num, pageOf, timeRange } from './rows.ts'

export interface SessionView {
  id: number
  stationId: string
  connectorId: number | null
  idTag: string | null
  idTagStatus: string | null
  state: TransactionState
  startedAt: string | null
  stoppedAt: string | null
  meterStartWh: number | null
  meterStopWh: number | null
  energyWh: number | null
  durationS: number | null
  stopReason: string | null
}

export interface SessionFilter {
  stationId?: string | undefined
  idTag?: string | undefined
  from?: string | undefined
  to?: string | undefined
  active?: boolean | undefined
  limit: number
  cursor?: string | undefined
}

type SessionRow = Pick<
  ChargingTransaction,
  | 'id'
  | 'station_id'
  | 'connector_id'
  | 'id_tag'
  | 'id_tag_status'
  | 'state'
  | 'started_at'
  | 'stopped_at'
  | 'meter_start'
  | 'meter_stop'
  | 'energy_wh'
  | 'duration_s'
  | 'stop_reason'
>

const COLUMNS = [
  'id',
  'station_id',
  'connector_id',
  'id_tag',
  'id_tag_status',
  'state',
  'started_at',
  'stopped_at',
  'meter_start',
  'meter_stop',
  'energy_wh',
  'duration_s',
  'stop_reason',
] as const

export function sessionView(r: SessionRow): SessionView {
  return {
    id: r.id,
    stationId: r.station_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    idTagStatus: r.id_tag_status,
    state: r.state,
    startedAt: iso(r.started_at),
    stoppedAt: iso(r.stopped_at),
    meterStartWh: r.meter_start,
    meterStopWh: r.meter_stop,
    energyWh: num(r.energy_wh),
    durationS: r.duration_s,
    stopReason: r.stop_reason,
  }
}

/** A session's time: its start, or its stop when only the stop is known. */
const sessionAt = sql<Date>`coalesce(started_at, stopped_at)`

/** Sessions, newest first (stable order: coalesce(started_at, stopped_at) desc, id desc). */
export async function listSessions(
  db: Kysely<Database>,
  f: SessionFilter,
): Promise<{ items: SessionView[]; nextCursor: string | null }> {
  let q = db
    .selectFrom('transactions')
    .select(COLUMNS)
    .select(
      sql<string>`to_char(coalesce(started_at, stopped_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
        'at_exact',
      ),
    )
  if (f.stationId !== undefined) q = q.where('station_id', '=', f.stationId)
  if (f.idTag !== undefined) q = q.where(sql<string>`upper(id_tag)`, '=', f.idTag.toUpperCase())
  for (const condition of timeRange(sessionAt, f)) q = q.where(condition)
  if (f.active === true) q = q.where('state', '=', 'active')
  if (f.active === false) q = q.where('state', '!=', 'active')
  if (f.cursor !== undefined) {
    const [at, id] = decodeCursor('sessions', f.cursor, ['timestamp', 'integer']) as [string, number]
    q = q.where(sql<boolean>`(coalesce(started_at, stopped_at), id) < (${at}::timestamptz, ${id}::integer)`)
  }
  const rows = await q
    .orderBy(sessionAt, 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute()
  return pageOf(rows, f.limit, sessionView, (r) => encodeCursor('sessions', [r.at_exact, r.id]))
}

export async function findSession(db: Kysely<Database>, id: number): Promise<SessionView | undefined> {
  const row = await db.selectFrom('transactions').select(COLUMNS).where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : sessionView(row)
}
