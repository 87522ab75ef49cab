import type { CommandRow, CommandRowStatus, Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'

/** A command as the API shows it. */
export interface CommandView {
  id: string
  stationId: string
  operation: string
  status: CommandRowStatus
  payload: Record<string, unknown>
  idempotencyKey: string | null
  origin: string
  requestedBy: string | null
  requestedAt: string
  expiresAt: string | null
  attempts: number
  ocppVersion: string | null
  messageId: string | null
  sentAt: string | null
  completedAt: string | null
  nextAttemptAt: string | null
  response: Record<string, unknown> | null
  error: { code: string; message: string } | null
}

export interface NewCommand {
  id: string
  stationId: string
  operation: string
  payload: Record<string, unknown>
  idempotencyKey: string | undefined
  requestedBy: string
  requestedAt: Date
  expiresAt: Date | undefined
}

const TERMINAL = ['accepted', 'rejected', 'failed', 'expired']

export function isTerminal(status: string): boolean {
  return TERMINAL.includes(status)
}

/** The station's OCPP version and what the dispatcher learnt about it (undefined: no such station). */
export async function findCommandTarget(
  db: Kysely<Database>,
  stationId: string,
): Promise<{ ocppVersion: '1.5' | '1.6' | null; profiles: string[] | null } | undefined> {
  const row = await db
    .selectFrom('stations')
    .leftJoin('station_capabilities', 'station_capabilities.station_id', 'stations.id')
    .select([
      'stations.ocpp_version as stationVersion',
      'station_capabilities.ocpp_version as learntVersion',
      'station_capabilities.feature_profiles as profiles',
    ])
    .where('stations.id', '=', stationId)
    .executeTakeFirst()
  if (row === undefined) return undefined
  return { ocppVersion: row.learntVersion ?? row.stationVersion, profiles: row.profiles ?? null }
}

/**
 * Records a new command as queued, or returns the command that already holds the station's idempotency key
 * (`created: false`).
 */
export async function insertCommand(
  db: Kysely<Database>,
  cmd: NewCommand,
): Promise<{ created: boolean; row: CommandRow }> {
  const inserted = await db
    .insertInto('commands')
    .values({
      id: cmd.id,
      station_id: cmd.stationId,
      operation: cmd.operation,
      payload: JSON.stringify(cmd.payload),
      origin: 'api',
      requested_by: cmd.requestedBy,
      idempotency_key: cmd.idempotencyKey ?? null,
      requested_at: cmd.requestedAt,
      expires_at: cmd.expiresAt ?? null,
      // The dispatcher compares updated_at with its clock (its ordering guard): never Postgres's now().
      updated_at: cmd.requestedAt,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
  if (inserted) return { created: true, row: inserted }
  const existing =
    cmd.idempotencyKey === undefined
      ? undefined
      : await db
          .selectFrom('commands')
          .selectAll()
          .where('station_id', '=', cmd.stationId)
          .where('idempotency_key', '=', cmd.idempotencyKey)
          .executeTakeFirst()
  if (existing === undefined) throw new Error(`command ${cmd.id} was neither inserted nor found`)
  return { created: false, row: existing }
}

/** Removes a command the dispatcher never saw (its publish failed): it must not look queued forever. */
export async function deleteUnpublished(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .deleteFrom('commands')
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('stream_seq', 'is', null)
    .where('attempts', '=', 0)
    .execute()
}

export async function getCommand(db: Kysely<Database>, id: string): Promise<CommandRow | undefined> {
  return db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst()
}

/** A station's commands, newest first (keyset on requested_at, id). */
export async function listCommands(
  db: Kysely<Database>,
  q: { stationId: string; limit: number; status?: string | undefined; after?: { at: string; id: string } },
): Promise<{ rows: CommandRow[]; more: boolean }> {
  let query = db.selectFrom('commands').selectAll().where('station_id', '=', q.stationId)
  if (q.status !== undefined) query = query.where('status', '=', q.status as CommandRow['status'])
  if (q.after !== undefined) {
    const { at, id } = q.after
    query = query.where(sql<boolean>`(requested_at, id) < (${at}::timestamptz, ${id}::uuid)`)
  }
  const rows = await query
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute()
  return { rows: rows.slice(0, q.limit), more: rows.length > q.limit }
}

export function toCommandView(row: CommandRow): CommandView {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString())
  return {
    id: row.id,
    stationId: row.station_id,
    operation: row.operation,
    status: row.status,
    payload: row.payload,
    idempotencyKey: row.idempotency_key,
    origin: row.origin,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at.toISOString(),
    expiresAt: iso(row.expires_at),
    attempts: row.attempts,
    ocppVersion: row.ocpp_version,
    messageId: row.message_id,
    sentAt: iso(row.sent_at),
    completedAt: iso(row.completed_at),
    nextAttemptAt: iso(row.next_attempt_at),
    response: row.response,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  }
}
