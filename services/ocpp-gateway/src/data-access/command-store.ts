import type { CommandRow, CommandRowStatus, Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import type { CommandRequested, EventData } from '@chargebus/events'
import type { OcppVersion } from '@chargebus/ocpp'
import type { IdTagSource, LearnedConfiguration, LocalListEntry } from '../domain/commands.ts'

export type CommandRequest = EventData<typeof CommandRequested>

/** A command as the dispatcher works with it (plain data from the `commands` row). */
export interface CommandRecord {
  id: string
  stationId: string
  operation: string
  payload: Record<string, unknown>
  status: CommandRowStatus
  requestedAt: Date
  expiresAt: Date | null
  streamSeq: number | null
  attempts: number
  ocppVersion: OcppVersion | null
  messageId: string | null
  response: Record<string, unknown> | null
  errorCode: string | null
  errorMessage: string | null
  updatedAt: Date
}

export interface CommandError {
  code: string
  message: string
}

/**
 * The dispatcher's Postgres side: the `commands` audit rows (every status change guarded by the status it
 * leaves, so a stale writer changes nothing), the ordering guard, where stations are, what they can do and
 * which local list they hold.
 */
export interface CommandStore {
  /**
   * Records a consumed request (the API normally inserted it already): inserts when missing, sets the stream
   * sequence and the default expiry once. Undefined when another command of the station holds the same
   * idempotency key (this one is a duplicate). `at` stamps a row it inserts.
   */
  recordRequested(
    cmd: CommandRequest,
    seq: number,
    defaultExpiresAt: Date,
    at: Date,
  ): Promise<CommandRecord | undefined>
  get(id: string): Promise<CommandRecord | undefined>
  /** queued -> sent, with the MessageID about to be used; false when the command is no longer queued. */
  markSent(
    id: string,
    sent: {
      at: Date
      messageId: string
      ocppVersion: OcppVersion
      endpointUrl: string
      sentPayload: Record<string, unknown>
    },
  ): Promise<CommandRecord | undefined>
  /** sent -> queued after an attempt that certainly did not reach the station. */
  requeue(id: string, at: Date, error: CommandError, nextAttemptAt: Date): Promise<CommandRecord | undefined>
  /** A queued command still waits (keeps its row fresh for the ordering guard of other dispatchers). */
  noteWaiting(id: string, at: Date, error: CommandError, nextAttemptAt: Date): Promise<void>
  /** queued|sent -> a terminal status. Undefined when it already was terminal. */
  finish(
    id: string,
    result: {
      status: 'accepted' | 'rejected' | 'failed' | 'expired'
      at: Date
      response?: Record<string, unknown>
      error?: CommandError
      from?: 'queued' | 'sent'
    },
  ): Promise<CommandRecord | undefined>
  /**
   * Whether an older command of the station is unfinished, touched after `freshAfter` and not among `held`
   * (the ones this dispatcher has): then `cmd` must wait to keep the station's order.
   */
  hasOpenPredecessor(cmd: CommandRecord, held: readonly string[], freshAfter: Date): Promise<boolean>
  /** The station's ChargePointService address and version as ingest recorded them. */
  findStation(
    stationId: string,
  ): Promise<{ endpointUrl: string | null; ocppVersion: OcppVersion | null } | undefined>
  /** When the station's capabilities were learnt, and in which OCPP version. */
  capabilitiesLearned(stationId: string): Promise<{ ocppVersion: string | null; learnedAt: Date } | undefined>
  /** After a firmware update: keep what is known, but learn it again at the next boot. */
  markCapabilitiesStale(stationId: string): Promise<void>
  saveCapabilities(
    stationId: string,
    ocppVersion: OcppVersion,
    learned: LearnedConfiguration,
    commandId: string,
    at: Date,
  ): Promise<void>
  loadLocalList(
    stationId: string,
  ): Promise<{ version: number; entries: Record<string, LocalListEntry> } | undefined>
  saveLocalList(
    stationId: string,
    version: number,
    entries: Record<string, LocalListEntry>,
    commandId: string,
  ): Promise<void>
  /** Every id tag (the operational model's `id_tags`), for SendLocalList. */
  listIdTags(): Promise<IdTagSource[]>
}

const OPEN: CommandRowStatus[] = ['queued', 'sent']

export function createCommandStore(db: Kysely<Database>): CommandStore {
  const json = (v: unknown) => JSON.stringify(v)

  async function get(id: string): Promise<CommandRecord | undefined> {
    const row = await db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toRecord(row)
  }

  return {
    get,

    async recordRequested(cmd, seq, defaultExpiresAt, at) {
      await db
        .insertInto('commands')
        .values({
          id: cmd.commandId,
          station_id: cmd.stationId,
          operation: cmd.operation,
          payload: json(cmd.payload),
          origin: cmd.origin,
          requested_by: cmd.requestedBy ?? null,
          idempotency_key: cmd.idempotencyKey ?? null,
          requested_at: cmd.requestedAt,
          expires_at: cmd.expiresAt ?? defaultExpiresAt,
          stream_seq: seq,
          // The ordering guard compares updated_at with the dispatcher's clock: never Postgres's now().
          updated_at: at,
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
      const row = await db
        .updateTable('commands')
        .set({
          stream_seq: sql<string>`coalesce(stream_seq, ${seq})`,
          expires_at: sql<Date>`coalesce(expires_at, ${defaultExpiresAt})`,
        })
        .where('id', '=', cmd.commandId)
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toRecord(row)
    },

    async markSent(id, sent) {
      const row = await db
        .updateTable('commands')
        .set({
          status: 'sent',
          attempts: sql<number>`attempts + 1`,
          message_id: sent.messageId,
          ocpp_version: sent.ocppVersion,
          endpoint_url: sent.endpointUrl,
          sent_payload: json(sent.sentPayload),
          sent_at: sent.at,
          next_attempt_at: null,
          updated_at: sent.at,
        })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toRecord(row)
    },

    async requeue(id, at, error, nextAttemptAt) {
      const row = await db
        .updateTable('commands')
        .set({
          status: 'queued',
          error_code: error.code,
          error_message: error.message,
          next_attempt_at: nextAttemptAt,
          updated_at: at,
        })
        .where('id', '=', id)
        .where('status', '=', 'sent')
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toRecord(row)
    },

    async noteWaiting(id, at, error, nextAttemptAt) {
      await db
        .updateTable('commands')
        .set({
          error_code: error.code,
          error_message: error.message,
          next_attempt_at: nextAttemptAt,
          updated_at: at,
        })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .execute()
    },

    async finish(id, result) {
      const row = await db
        .updateTable('commands')
        .set({
          status: result.status,
          response: result.response === undefined ? null : json(result.response),
          error_code: result.error?.code ?? null,
          error_message: result.error?.message ?? null,
          next_attempt_at: null,
          completed_at: result.at,
          updated_at: result.at,
        })
        .where('id', '=', id)
        .where('status', 'in', result.from === undefined ? OPEN : [result.from])
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toRecord(row)
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

    async findStation(stationId) {
      const row = await db
        .selectFrom('stations')
        .select(['endpoint_url', 'ocpp_version'])
        .where('id', '=', stationId)
        .executeTakeFirst()
      return row === undefined ? undefined : { endpointUrl: row.endpoint_url, ocppVersion: row.ocpp_version }
    },

    async capabilitiesLearned(stationId) {
      const row = await db
        .selectFrom('station_capabilities')
        .select(['ocpp_version', 'learned_at'])
        .where('station_id', '=', stationId)
        .executeTakeFirst()
      return row === undefined ? undefined : { ocppVersion: row.ocpp_version, learnedAt: row.learned_at }
    },

    async markCapabilitiesStale(stationId) {
      await db
        .updateTable('station_capabilities')
        .set({ learned_at: new Date(0) })
        .where('station_id', '=', stationId)
        .execute()
    },

    async saveCapabilities(stationId, ocppVersion, learned, commandId, at) {
      await db
        .insertInto('station_capabilities')
        .values({
          station_id: stationId,
          ocpp_version: ocppVersion,
          feature_profiles: learned.profiles,
          configuration: json(learned.configuration),
          unknown_keys: learned.unknownKeys,
          learned_at: at,
          source_command_id: commandId,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.column('station_id').doUpdateSet({
            ocpp_version: ocppVersion,
            // A GetConfiguration for some keys adds to what is known; profiles only change when reported.
            configuration: sql`station_capabilities.configuration || excluded.configuration`,
            feature_profiles: sql`coalesce(excluded.feature_profiles, station_capabilities.feature_profiles)`,
            unknown_keys: learned.unknownKeys,
            learned_at: at,
            source_command_id: commandId,
            updated_at: at,
          }),
        )
        .execute()
    },

    async loadLocalList(stationId) {
      const row = await db
        .selectFrom('station_local_lists')
        .select(['list_version', 'entries'])
        .where('station_id', '=', stationId)
        .executeTakeFirst()
      return row === undefined ? undefined : { version: row.list_version, entries: row.entries }
    },

    async saveLocalList(stationId, version, entries, commandId) {
      await db
        .insertInto('station_local_lists')
        .values({
          station_id: stationId,
          list_version: version,
          entries: json(entries),
          source_command_id: commandId,
        })
        .onConflict((oc) =>
          oc.column('station_id').doUpdateSet({
            list_version: version,
            entries: json(entries),
            source_command_id: commandId,
            updated_at: sql`now()`,
          }),
        )
        .execute()
    },

    async listIdTags() {
      const rows = await db
        .selectFrom('id_tags')
        .select(['id_tag', 'status', 'expiry_date', 'parent_id_tag'])
        .orderBy('id_tag')
        .execute()
      return rows.map((r) => {
        const tag: IdTagSource = { idTag: r.id_tag, status: r.status }
        if (r.expiry_date !== null) tag.expiryDate = r.expiry_date.toISOString()
        if (r.parent_id_tag !== null) tag.parentIdTag = r.parent_id_tag
        return tag
      })
    },
  }
}

function toRecord(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    stationId: row.station_id,
    operation: row.operation,
    payload: row.payload,
    status: row.status,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    streamSeq: row.stream_seq === null ? null : Number(row.stream_seq),
    attempts: row.attempts,
    ocppVersion: row.ocpp_version,
    messageId: row.message_id,
    response: row.response,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    updatedAt: row.updated_at,
  }
}
