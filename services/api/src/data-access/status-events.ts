import type { Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { exactTime, iso, notBeforeCursor, pageOf, timeRange } from './rows.ts'

export interface StatusEventView {
  connectorId: number
  status: string
  errorCode: string
  info: string | null
  vendorId: string | null
  vendorErrorCode: string | null
  statusAt: string
  stationTimestamp: boolean
  receivedAt: string
}

/** A connector's status history, oldest first (stable order: status_at, then the source message id). */
export async function listStatusEvents(
  db: Kysely<Database>,
  f: { stationId: string; connectorId: number; from?: string; to?: string; limit: number; cursor?: string },
): Promise<{ items: StatusEventView[]; nextCursor: string | null }> {
  let q = db
    .selectFrom('status_events')
    .select([
      'connector_id',
      'status',
      'error_code',
      'info',
      'vendor_id',
      'vendor_error_code',
      'status_at',
      'station_timestamp',
      'received_at',
      'source_message_id',
      exactTime('status_at').as('status_at_exact'),
    ])
    .where('station_id', '=', f.stationId)
    .where('connector_id', '=', f.connectorId)
  for (const condition of timeRange('status_at', f)) q = q.where(condition)
  if (f.cursor !== undefined) {
    const [at, messageId] = decodeCursor('status-events', f.cursor, ['timestamp', 'string']) as [
      string,
      string,
    ]
    q = q
      .where(sql<boolean>`(status_at, source_message_id) > (${at}::timestamptz, ${messageId})`)
      .where(notBeforeCursor('status_at', at))
  }
  const rows = await q
    .orderBy('status_at')
    .orderBy('source_message_id')
    .limit(f.limit + 1)
    .execute()
  return pageOf(
    rows,
    f.limit,
    (r) => ({
      connectorId: r.connector_id,
      status: r.status,
      errorCode: r.error_code,
      info: r.info,
      vendorId: r.vendor_id,
      vendorErrorCode: r.vendor_error_code,
      statusAt: iso(r.status_at),
      stationTimestamp: r.station_timestamp,
      receivedAt: iso(r.received_at),
    }),
    (r) => encodeCursor('status-events', [r.status_at_exact, r.source_message_id]),
  )
}
