import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'

/*
 * Tables of `2026-11-28T09:00:00Z_commands`: the audit of commands to stations (the outbox itself is
 * JetStream's COMMANDS stream), station capabilities and local authorization lists. `commands` is written
 * through `@chargebus/command-store` only; the other two by the gateway's dispatcher. Read by the API and BI.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type DefaultNow = ColumnType<Date, Date | string | undefined, Date | string>
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>
/** jsonb: written as a JSON string (pg does not serialize objects for us consistently), read as parsed JSON. */
type Json<T> = ColumnType<T, string, string>
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>

/** `queued` -> `sent` -> `accepted` | `rejected` | `failed`; `queued` -> `expired` | `failed`. */
export type CommandRowStatus = 'queued' | 'sent' | 'accepted' | 'rejected' | 'failed' | 'expired'

/** One command to a station and what became of it. */
export interface CommandTable {
  id: string
  station_id: string
  /** OCPP 1.6 ChargePointService operation (also for 1.5 stations). */
  operation: string
  /** The request as asked for, OCPP 1.6 form. */
  payload: Json<Record<string, unknown>>
  status: ColumnType<CommandRowStatus, CommandRowStatus | undefined, CommandRowStatus>
  origin: ColumnType<'api' | 'system', 'api' | 'system' | undefined, 'api' | 'system'>
  requested_by: Nullable<string>
  /** Unique per station: a retried POST with the same key answers the same command. */
  idempotency_key: Nullable<string>
  requested_at: Timestamp
  expires_at: NullableTimestamp
  /** COMMANDS stream sequence of the request (set by the dispatcher; orders a station's commands). pg bigint: string. */
  stream_seq: ColumnType<string | null, number | string | null | undefined, number | string | null>
  attempts: ColumnType<number, number | undefined, number>
  ocpp_version: Nullable<'1.5' | '1.6'>
  endpoint_url: Nullable<string>
  /** WS-Addressing MessageID of the (last) SOAP call, written before it is sent. */
  message_id: Nullable<string>
  /** What was actually sent (1.5 form for 1.5 stations; the built list for SendLocalList). */
  sent_payload: NullableJson<Record<string, unknown>>
  /** The station's answer, OCPP 1.6 form. */
  response: NullableJson<Record<string, unknown>>
  error_code: Nullable<string>
  error_message: Nullable<string>
  next_attempt_at: NullableTimestamp
  sent_at: NullableTimestamp
  completed_at: NullableTimestamp
  updated_at: DefaultNow
}

/** What a station told the dispatcher's GetConfiguration (after each boot). */
export interface StationCapabilityTable {
  station_id: string
  ocpp_version: Nullable<'1.5' | '1.6'>
  /** SupportedFeatureProfiles (1.6: Core, FirmwareManagement, ...); null = the station did not say. */
  feature_profiles: ColumnType<string[] | null, string[] | null | undefined, string[] | null>
  /** key -> { value, readonly }. */
  configuration: Json<Record<string, { value?: string; readonly: boolean }>>
  unknown_keys: ColumnType<string[], string[] | undefined, string[]>
  learned_at: Timestamp
  source_command_id: Nullable<string>
  updated_at: DefaultNow
}

/** The local authorization list a station accepted last (SendLocalList). */
export interface StationLocalListTable {
  station_id: string
  list_version: number
  /** idTag (as sent; compared case-insensitively) -> idTagInfo as sent. */
  entries: Json<Record<string, { status: string; expiryDate?: string; parentIdTag?: string }>>
  source_command_id: Nullable<string>
  updated_at: DefaultNow
}

export type CommandRow = Selectable<CommandTable>
export type NewCommandRow = Insertable<CommandTable>
export type CommandRowUpdate = Updateable<CommandTable>
export type StationCapability = Selectable<StationCapabilityTable>
export type StationLocalList = Selectable<StationLocalListTable>
