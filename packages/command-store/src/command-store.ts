import type { CommandRowStatus, Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import type { CommandRequested, EventData } from '@chargebus/events'
import { maskCommandPayload, maskCommandResponse } from '@chargebus/ocpp'
import { type CommandRecord, toCommandRecord } from './command-record.ts'

/** A `command.requested` event's data. */
export type CommandRequest = EventData<typeof CommandRequested>

/** Why a command failed or waits: recorded in `error_code` / `error_message`. */
export interface CommandProblem {
  code: string
  message: string
}

/** A command an API client asks for, before it is published. */
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

/**
 * The one writer of the `commands` table, the audit of commands to stations (the queue itself is
 * JetStream's COMMANDS stream). The API records a request before publishing it, so the command can be read
 * at once, also while no gateway runs; the gateway's dispatcher records every status change. Each change is
 * guarded by the status it leaves, so a stale writer changes nothing; rows are stamped with the caller's
 * clock, never Postgres's `now()` (the ordering guard compares them with the dispatcher's clock). Secrets
 * (an AuthorizationKey, a password in a file location, a secret a station reports) are masked in every payload
 * and answer stored: only the message to the station carries them (the COMMANDS stream keeps the request).
 */
export interface CommandStore {
  /**
   * Records a new command as queued, or returns the command that already holds the station's idempotency key
   * (`created: false`).
   */
  request(cmd: NewCommand): Promise<{ created: boolean; record: CommandRecord }>
  /** Removes a queued command no dispatcher has taken (its publish failed): it must not look queued forever. */
  forget(id: string): Promise<void>
  /**
   * Records a consumed request (the API normally recorded it already): inserts when missing, sets the stream
   * sequence and the default expiry once. Undefined when another command of the station holds the same
   * idempotency key (this one is a duplicate). `at` stamps a row it inserts.
   */
  recordConsumed(
    cmd: CommandRequest,
    seq: number,
    defaultExpiresAt: Date,
    at: Date,
  ): Promise<CommandRecord | undefined>
  get(id: string): Promise<CommandRecord | undefined>
  /** A station's commands, newest first (keyset on requested_at, id). */
  list(q: {
    stationId: string
    limit: number
    status?: CommandRowStatus | undefined
    after?: { at: string; id: string } | undefined
  }): Promise<{ records: CommandRecord[]; more: boolean }>
  /** queued -> sent, with the MessageID about to be used; undefined when the command is no longer queued. */
  markSent(
    id: string,
    sent: {
      /** The command's operation: which secrets of the payload to mask. */
      operation: string
      at: Date
      messageId: string
      ocppVersion: '1.5' | '1.6'
      endpointUrl: string
      sentPayload: Record<string, unknown>
    },
  ): Promise<CommandRecord | undefined>
  /** sent -> queued after an attempt that certainly did not reach the station. */
  requeue(
    id: string,
    at: Date,
    problem: CommandProblem,
    nextAttemptAt: Date,
  ): Promise<CommandRecord | undefined>
  /** A queued command still waits (keeps its row fresh for the ordering guard of other dispatchers). */
  noteWaiting(id: string, at: Date, problem: CommandProblem, nextAttemptAt: Date): Promise<void>
  /** queued|sent -> a terminal status. Undefined when it already was terminal (or not in `from`). */
  finish(
    id: string,
    result: {
      /** The command's operation: which secrets of the answer to mask. */
      operation: string
      status: 'accepted' | 'rejected' | 'failed' | 'expired'
      at: Date
      response?: Record<string, unknown>
      error?: CommandProblem
      from?: 'queued' | 'sent'
    },
  ): Promise<CommandRecord | undefined>
  /**
   * Whether an older command of the station is unfinished, touched after `freshAfter` and not among `held`
   * (the ones this dispatcher has): then `cmd` must wait to keep the station's order.
   */
  hasOpenPredecessor(cmd: CommandRecord, held: readonly string[], freshAfter: Date): Promise<boolean>
}

const OPEN: CommandRowStatus[] = ['queued', 'sent']

/**
 * ### Examples
 * ```ts
 * const commands = createCommandStore(db)
 * const { record } = await commands.request({ id: randomUUID(), stationId: 'CP-1', operation: 'Reset', ... })
 * await commands.finish(record.id, { status: 'accepted', at: clock(), response: { status: 'Accepted' } })
 * ```
 */
export function createCommandStore(db: Kysely<Database>): CommandStore {
  const json = (v: unknown) => JSON.stringify(v)
  const one = (row: Parameters<typeof toCommandRecord>[0] | undefined) =>
    row === undefined ? undefined : toCommandRecord(row)

  return {
    async request(cmd) {
      const inserted = await db
        .insertInto('commands')
        .values({
          id: cmd.id,
          station_id: cmd.stationId,
          operation: cmd.operation,
          payload: json(maskCommandPayload(cmd.operation, cmd.payload)),
          origin: 'api',
          requested_by: cmd.requestedBy,
          idempotency_key: cmd.idempotencyKey ?? null,
          requested_at: cmd.requestedAt,
          expires_at: cmd.expiresAt ?? null,
          updated_at: cmd.requestedAt,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst()
      if (inserted) return { created: true, record: toCommandRecord(inserted) }
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
      return { created: false, record: toCommandRecord(existing) }
    },

    async forget(id) {
      await db
        .deleteFrom('commands')
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .where('stream_seq', 'is', null)
        .where('attempts', '=', 0)
        .execute()
    },

    async recordConsumed(cmd, seq, defaultExpiresAt, at) {
      await db
        .insertInto('commands')
        .values({
          id: cmd.commandId,
          station_id: cmd.stationId,
          operation: cmd.operation,
          payload: json(maskCommandPayload(cmd.operation, cmd.payload)),
          origin: cmd.origin,
          requested_by: cmd.requestedBy ?? null,
          idempotency_key: cmd.idempotencyKey ?? null,
          requested_at: cmd.requestedAt,
          expires_at: cmd.expiresAt ?? defaultExpiresAt,
          stream_seq: seq,
          updated_at: at,
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
      return one(
        await db
          .updateTable('commands')
          .set({
            stream_seq: sql<string>`coalesce(stream_seq, ${seq})`,
            expires_at: sql<Date>`coalesce(expires_at, ${defaultExpiresAt})`,
          })
          .where('id', '=', cmd.commandId)
          .returningAll()
          .executeTakeFirst(),
      )
    },

    async get(id) {
      return one(await db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst())
    },

    async list(q) {
      let query = db.selectFrom('commands').selectAll().where('station_id', '=', q.stationId)
      if (q.status !== undefined) query = query.where('status', '=', q.status)
      if (q.after !== undefined) {
        const { at, id } = q.after
        query = query.where(sql<boolean>`(requested_at, id) < (${at}::timestamptz, ${id}::uuid)`)
      }
      const rows = await query
        .orderBy('requested_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute()
      return { records: rows.slice(0, q.limit).map(toCommandRecord), more: rows.length > q.limit }
    },

    async markSent(id, sent) {
      return one(
        await db
          .updateTable('commands')
          .set({
            status: 'sent',
            attempts: sql<number>`attempts + 1`,
            message_id: sent.messageId,
            ocpp_version: sent.ocppVersion,
            endpoint_url: sent.endpointUrl,
            sent_payload: json(maskCommandPayload(sent.operation, sent.sentPayload)),
            sent_at: sent.at,
            next_attempt_at: null,
            updated_at: sent.at,
          })
          .where('id', '=', id)
          .where('status', '=', 'queued')
          .returningAll()
          .executeTakeFirst(),
      )
    },

    async requeue(id, at, problem, nextAttemptAt) {
      return one(
        await db
          .updateTable('commands')
          .set({
            status: 'queued',
            error_code: problem.code,
            error_message: problem.message,
            next_attempt_at: nextAttemptAt,
            updated_at: at,
          })
          .where('id', '=', id)
          .where('status', '=', 'sent')
          .returningAll()
          .executeTakeFirst(),
      )
    },

    async noteWaiting(id, at, problem, nextAttemptAt) {
      await db
        .updateTable('commands')
        .set({
          error_code: problem.code,
          error_message: problem.message,
          next_attempt_at: nextAttemptAt,
          updated_at: at,
        })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .execute()
    },

    async finish(id, result) {
      return one(
        await db
          .updateTable('commands')
          .set({
            status: result.status,
            response:
              result.response === undefined
                ? null
                : json(maskCommandResponse(result.operation, result.response)),
            error_code: result.error?.code ?? null,
            error_message: result.error?.message ?? null,
            next_attempt_at: null,
            completed_at: result.at,
            updated_at: result.at,
          })
          .where('id', '=', id)
          .where('status', 'in', result.from === undefined ? OPEN : [result.from])
          .returningAll()
          .executeTakeFirst(),
      )
    },

    async hasOpenPredecessor(cmd, held, freshAfter) {
      const seq = cmd.streamSeq
      const row = await db
        .selectFrom('commands')
        .select('id')
        .where('station_id', '=', cmd.stationId)
        .where('status', 'in', OPEN)
        .where('id', 'not in', held.length > 0 ? [...held] : [cmd.id])
        .where('updated_at', '>', freshAfter)
        .where((eb) =>
          eb.or([
            ...(seq === null ? [] : [eb('stream_seq', '<', String(seq))]),
            eb.and([eb('stream_seq', 'is', null), eb('requested_at', '<', cmd.requestedAt)]),
          ]),
        )
        .limit(1)
        .executeTakeFirst()
      return row !== undefined
    },
  }
}
