import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'
import type { CommandTable, StationCapabilityTable, StationLocalListTable } from './command-tables.ts'

/**
 * The tables as the migrations leave them. Column names are the SQL names (snake_case, no
 * CamelCasePlugin): what a query says is what Postgres runs.
 *
 * `ColumnType<Select, Insert, Update>` carries the rules: pg returns `timestamptz` as `Date`;
 * writes take a `Date` or an ISO string; columns with a database default are optional on insert.
 */
export interface Database {
  stations: StationTable
  connectors: ConnectorTable
  id_tags: IdTagTable
  transactions: TransactionTable
  unmatched_stops: UnmatchedStopTable
  status_events: StatusEventTable
  meter_values: MeterValueTable
  session_meter_spans: SessionMeterSpanTable
  station_messages: StationMessageTable
  ingest_outbox: IngestOutboxTable
  api_keys: ApiKeyTable
  api_rate_limits: ApiRateLimitTable
  commands: CommandTable
  station_capabilities: StationCapabilityTable
  station_local_lists: StationLocalListTable
  aggregates: AggregateTable
  aggregate_totals: AggregateTotalTable
  aggregator_sessions: AggregatorSessionTable
  aggregator_connectors: AggregatorConnectorTable
  aggregator_connector_records: AggregatorConnectorRecordTable
  aggregate_rebuilds: AggregateRebuildTable
  ftp_files: FtpFileTable
  firmware_images: FirmwareImageTable
  ftp_pull_files: FtpPullFileTable
  ftp_pull_leases: FtpPullLeaseTable
}

/** `timestamptz not null` without a default. */
type Timestamp = ColumnType<Date, Date | string, Date | string>
/** `timestamptz` (nullable). */
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
/** `timestamptz not null default now()`. */
type DefaultNow = ColumnType<Date, Date | string | undefined, Date | string>

/** OCPP registration status answered to BootNotification (the same in 1.5 and 1.6). */
export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected'
export const REGISTRATION_STATUSES: readonly RegistrationStatus[] = ['Accepted', 'Pending', 'Rejected']

/** The OCPP version a station last spoke. */
export type OcppVersion = '1.5' | '1.6'
export const OCPP_VERSIONS: readonly OcppVersion[] = ['1.5', '1.6']

/**
 * OCPP 1.6 ChargePointStatus. Business logic is written against 1.6, so 1.5 statuses
 * (`Occupied`) are converted before they are stored.
 */
export type ConnectorStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted'
export const CONNECTOR_STATUSES: readonly ConnectorStatus[] = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
]

/**
 * A charge point. A row may exist before the station ever connects (provisioned through the API),
 * so everything the station itself reports is nullable until its first BootNotification.
 */
export interface StationTable {
  /** The charge box identity (the SOAP `chargeBoxIdentity` header). */
  id: string
  vendor: string | null
  model: string | null
  serial: string | null
  firmware_version: string | null
  ocpp_version: OcppVersion | null
  /** The station's ChargePointService address (SOAP `From`/`ReplyTo`), where commands are sent. */
  endpoint_url: string | null
  registration_status: ColumnType<RegistrationStatus, RegistrationStatus | undefined, RegistrationStatus>
  first_seen_at: NullableTimestamp
  /** The latest time the gateway received anything from the station (a max: replays never move it back). */
  last_seen_at: NullableTimestamp
  created_at: DefaultNow
  /** Not maintained by a trigger: writers set it. */
  updated_at: DefaultNow
  /** BootNotification chargeBoxSerialNumber (`serial` is chargePointSerialNumber, else this). */
  charge_box_serial: Nullable<string>
  iccid: Nullable<string>
  imsi: Nullable<string>
  meter_type: Nullable<string>
  meter_serial: Nullable<string>
  /**
   * When `registration_status` was decided: the receivedAt of the BootNotification whose answer set it, or the
   * time an operator decided. A decision only replaces an older one (last writer by this time wins).
   */
  registration_status_at: NullableTimestamp
  /** receivedAt of the newest BootNotification applied. */
  last_boot_at: NullableTimestamp
  /** Heartbeat interval the station was given at its last boot (seconds). */
  heartbeat_interval_s: Nullable<number>
  /** Set by ingest's sweep when the heartbeat is overdue; cleared when the station speaks again. Null = online (or never seen). */
  offline_since: NullableTimestamp
  /** Station clock minus gateway clock at the last StatusNotification with a timestamp (ms; + = station ahead). */
  clock_skew_ms: ColumnType<
    string | null,
    number | string | bigint | null | undefined,
    number | string | bigint | null
  >
  clock_skew_at: NullableTimestamp
  /** OCPP FirmwareStatus last reported, and when it was received. */
  firmware_status: Nullable<string>
  firmware_status_at: NullableTimestamp
  /** OCPP DiagnosticsStatus last reported, and when it was received. */
  diagnostics_status: Nullable<string>
  diagnostics_status_at: NullableTimestamp
  /** IANA zone for local daily/monthly rollups; null = the network default (AGGREGATOR_TIME_ZONE). */
  time_zone: Nullable<string>
}

/** The last status a station reported for one connector (0 = the station as a whole). */
export interface ConnectorTable {
  station_id: string
  connector_id: number
  status: ConnectorStatus
  /** OCPP ChargePointErrorCode; `NoError` when absent. */
  error_code: ColumnType<string, string | undefined, string>
  info: string | null
  vendor_error_code: string | null
  /** When the station says the status began (its timestamp, else the time we received it). */
  status_at: Timestamp
  updated_at: DefaultNow
  /** StatusNotification vendorId. */
  vendor_id: Nullable<string>
  /** Newest Energy.Active.Import.Register reading of the connector (Wh) and its time (data-quality checks). */
  meter_register_wh: ColumnType<string | null, number | string | null | undefined, number | string | null>
  meter_register_at: NullableTimestamp
}

/** A nullable column that may be left out on insert. */
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>
/** `numeric` (pg returns it as a string to keep its precision). */
type NullableNumeric = ColumnType<string | null, number | string | null | undefined, number | string | null>
/** A generated column: read-only. */
type Generated<T> = ColumnType<T, never, never>

/** OCPP AuthorizationStatus of an id tag. */
export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx'
export const ID_TAG_STATUSES: readonly IdTagStatus[] = [
  'Accepted',
  'Blocked',
  'Expired',
  'Invalid',
  'ConcurrentTx',
]

/** An authorization identifier (RFID card, app token). Unique case-insensitively. */
export interface IdTagTable {
  /** As an operator wrote it; at most 20 characters (OCPP IdToken). */
  id_tag: string
  status: ColumnType<IdTagStatus, IdTagStatus | undefined, IdTagStatus>
  expiry_date: NullableTimestamp
  parent_id_tag: Nullable<string>
  note: Nullable<string>
  created_at: DefaultNow
  /** Writers set it; the KV mirror uses it to decide which side is newer. */
  updated_at: DefaultNow
}

/**
 * `active` (started, not stopped), `completed` (both), `stop_only` (a StopTransaction for an id whose
 * StartTransaction ingest has not seen: kept for reconciliation; becomes `completed` if the start arrives).
 */
export type TransactionState = 'active' | 'completed' | 'stop_only'

/** A charging session, keyed by the transaction id the gateway gave the station. Start and stop fields fill in any order. */
export interface TransactionTable {
  id: number
  station_id: string
  connector_id: Nullable<number>
  id_tag: Nullable<string>
  /** idTagInfo.status the gateway answered to StartTransaction. */
  id_tag_status: Nullable<string>
  reservation_id: Nullable<number>
  /** Wh register at start. */
  meter_start: Nullable<number>
  started_at: NullableTimestamp
  start_message_id: Nullable<string>
  start_received_at: NullableTimestamp
  stop_id_tag: Nullable<string>
  stop_id_tag_status: Nullable<string>
  /** Wh register at stop. */
  meter_stop: Nullable<number>
  stopped_at: NullableTimestamp
  /** OCPP Reason as sent (absent means Local). */
  stop_reason: Nullable<string>
  stop_message_id: Nullable<string>
  stop_received_at: NullableTimestamp
  /** When ingest reported the session as open too long (reported once). */
  overdue_reported_at: NullableTimestamp
  /** meter_stop - meter_start (generated; null until both are known; negative = register went backwards). pg returns bigint as a string. */
  energy_wh: Generated<string | null>
  /** stopped_at - started_at in whole seconds (generated). */
  duration_s: Generated<number | null>
  state: Generated<TransactionState>
  updated_at: DefaultNow
}

/** A StopTransaction whose transactionId is not a real id (<= 0, e.g. -1 after an offline start). */
export interface UnmatchedStopTable {
  station_id: string
  source_message_id: string
  transaction_id: number
  id_tag: Nullable<string>
  meter_stop: number
  stopped_at: Timestamp
  stop_reason: Nullable<string>
  received_at: Timestamp
  /** Set by whoever reconciles it with a transaction. */
  resolved_transaction_id: Nullable<number>
}

/** Every StatusNotification (history). Partitioned by month of `status_at`. */
export interface StatusEventTable {
  station_id: string
  connector_id: number
  /** OCPP 1.6 ChargePointStatus (1.5 converted). */
  status: string
  error_code: string
  info: Nullable<string>
  vendor_id: Nullable<string>
  vendor_error_code: Nullable<string>
  /** The station's timestamp, else receivedAt (then `station_timestamp` is false). Partition key. */
  status_at: Timestamp
  station_timestamp: boolean
  received_at: Timestamp
  source_message_id: string
}

/** Every sampled value of MeterValues and StopTransaction.transactionData. Partitioned by month of `sampled_at`. */
export interface MeterValueTable {
  station_id: string
  connector_id: number
  /** As the station sent it; null when absent (or <= 0 in a StopTransaction). No foreign key: values may come before the start. */
  transaction_id: Nullable<number>
  /** The meterValue timestamp. Partition key. */
  sampled_at: Timestamp
  /** OCPP defaults applied when absent: Energy.Active.Import.Register, Outlet, Sample.Periodic, Raw, Wh. */
  measurand: string
  phase: Nullable<string>
  location: string
  context: string
  format: string
  /** Unit as sent (1.5 Amp/Volt converted to A/V). */
  unit: string
  /** The value exactly as sent. */
  value_raw: string
  /** Normalised to `base_unit` (kWh -> Wh, kW -> W, Fahrenheit/K -> Celsius, ...); null when not a number (SignedData). */
  value: NullableNumeric
  base_unit: Nullable<string>
  received_at: Timestamp
  /** MeterValues or StopTransaction. */
  source_action: string
  source_message_id: string
  /** Position of the sampled value in the message (meterValue by meterValue, flattened). */
  sample_index: number
}

/**
 * The first and last `sampled_at` of the meter values of a transaction id as a station sent it, kept by a trigger
 * on `meter_values`: the bounds that let a session's values query plan only the months they lie in.
 */
export interface SessionMeterSpanTable {
  transaction_id: number
  station_id: string
  first_sampled_at: Timestamp
  last_sampled_at: Timestamp
}

/** DataTransfer, DiagnosticsStatusNotification and FirmwareStatusNotification, one row per message. */
export interface StationMessageTable {
  station_id: string
  source_message_id: string
  action: string
  received_at: Timestamp
  vendor_id: Nullable<string>
  /** DataTransfer messageId. */
  data_message_id: Nullable<string>
  data: Nullable<string>
  /** Diagnostics/firmware status, or the DataTransfer answer's status. */
  status: Nullable<string>
  payload: ColumnType<unknown, string, string>
  response: ColumnType<unknown | null, string | null | undefined, string | null>
}

/** Domain events written in the batch's transaction and published after commit (removed once published). */
export interface IngestOutboxTable {
  id: Generated<string>
  msg_id: string
  event_name: string
  event_version: number
  data: ColumnType<unknown, string, string>
  created_at: DefaultNow
}

/** An API key of the REST API. Only the sha256 of the key is stored; `prefix` identifies it in lists. */
export interface ApiKeyTable {
  id: ColumnType<string, string | undefined, never>
  name: string
  /** The first characters of the key (e.g. `cbk_AbC12345`), safe to show. */
  prefix: string
  /** sha256 of the whole key (32 bytes). */
  key_hash: ColumnType<Buffer, Buffer, never>
  /** Subset of read, write, admin, bi. */
  scopes: string[]
  created_at: DefaultNow
  /** Set when revoked; a revoked key is refused. */
  revoked_at: NullableTimestamp
}

/** The API's rate-limit counter of one key (API key or client address), shared by every replica (UNLOGGED). */
export interface ApiRateLimitTable {
  key: string
  window_started_at: Timestamp
  hits: number
}

/** `bigint` (pg returns it as a string: it may pass 2^53). */
type BigintColumn = ColumnType<string, number | string | bigint, number | string | bigint>

/** What a rollup cell counts. */
export type AggregateMetric =
  | 'energy_wh'
  | 'sessions_started'
  | 'sessions_completed'
  | 'charging_ms'
  | 'idle_ms'
  | 'free_ms'
  | 'unavailable_ms'
  | 'faulted_ms'
  | 'unknown_ms'
  | 'faults'
export const AGGREGATE_METRICS: readonly AggregateMetric[] = [
  'energy_wh',
  'sessions_started',
  'sessions_completed',
  'charging_ms',
  'idle_ms',
  'free_ms',
  'unavailable_ms',
  'faulted_ms',
  'unknown_ms',
  'faults',
]

/**
 * How a rollup's time is cut: UTC hours (energy, sessions, charging and idle time only), or days and months in the
 * station's zone (every metric).
 */
export type AggregateBucketing = 'utc:hour' | 'local:day' | 'local:month'
export const AGGREGATE_BUCKETINGS: readonly AggregateBucketing[] = ['utc:hour', 'local:day', 'local:month']

/**
 * One rollup cell, maintained by the aggregator only by adding deltas (`value = value + delta`). Session metrics
 * (`energy_wh`, `sessions_*`) have `dim` = the id tag; `faults` has `dim` = error code and `sub_dim` = vendor
 * error code ('' when none); connector time (`*_ms`) has neither. `connector_id` 0 = the station as a whole.
 */
export interface AggregateTable {
  metric: AggregateMetric
  bucketing: AggregateBucketing
  /** First instant of the half-open bucket. */
  bucket_start: Timestamp
  station_id: string
  connector_id: ColumnType<number, number | undefined, number>
  dim: ColumnType<string, string | undefined, string>
  sub_dim: ColumnType<string, string | undefined, string>
  /** The IANA zone the bucket was computed in ('UTC' for utc:hour). */
  time_zone: string
  value: BigintColumn
}

/** Station (`station_id` = the station) and network (`station_id` = '') totals of the `aggregates` cells. */
export interface AggregateTotalTable {
  bucketing: AggregateBucketing
  bucket_start: Timestamp
  time_zone: string
  station_id: string
  metric: AggregateMetric
  /** Error code for faults, else ''. */
  dim: ColumnType<string, string | undefined, string>
  /** Vendor error code for faults, else ''. */
  sub_dim: ColumnType<string, string | undefined, string>
  value: BigintColumn
}

/** The aggregator's facts about one session (an entity of the incremental rule). */
export interface AggregatorSessionTable {
  station_id: string
  transaction_id: number
  connector_id: Nullable<number>
  id_tag: Nullable<string>
  started_at: NullableTimestamp
  meter_start_wh: ColumnType<string | null, number | string | null | undefined, number | string | null>
  stopped_at: NullableTimestamp
  meter_stop_wh: ColumnType<string | null, number | string | null | undefined, number | string | null>
  /** Energy register readings `[[epoch ms, Wh], ...]`. */
  samples: ColumnType<Array<[number, number]>, string | undefined, string>
  /** The zone its booked cells were computed in. */
  time_zone: string
  updated_at: DefaultNow
}

/** The aggregator's facts about one connector: its status records and how far its time is booked. */
export interface AggregatorConnectorTable {
  station_id: string
  connector_id: number
  /** Its first status record's instant: where its booked time starts; null before any record. */
  first_at: NullableTimestamp
  /** End of the window its booked connector time covers; null before anything is booked. */
  booked_to: NullableTimestamp
  time_zone: string
  updated_at: DefaultNow
}

/** One status record of a connector, keyed by its content (`vendor_error_code` '' when none was sent). */
export interface AggregatorConnectorRecordTable {
  station_id: string
  connector_id: number
  at: Timestamp
  status: string
  error_code: string
  vendor_error_code: string
}

/** Where a rebuild is (the phases of the aggregator's `RebuildProgress`); null before its first report. */
export type AggregateRebuildPhase = 'archive' | 'stream' | 'write' | 'swap'
/** A rebuild's outcome as stored: `running` until it finishes (a reader decides when a silent one was abandoned). */
export type AggregateRebuildOutcome = 'running' | 'succeeded' | 'failed'

/** Int8 columns: pg returns bigint as a string. */
type Int8 = ColumnType<string, number | string | undefined, number | string>

/** One aggregates rebuild: its scope, its progress (refreshed by its heartbeat) and its outcome. */
export interface AggregateRebuildTable {
  id: string
  /** Who runs it: `host:pid`. */
  runner: string
  /** Null: every station. */
  station_id: Nullable<string>
  /** `--from`; null: the whole log. */
  history_from: NullableTimestamp
  phase: Nullable<AggregateRebuildPhase>
  seq: Int8
  end_seq: Int8
  events: Int8
  stations_written: Nullable<number>
  stations_total: Nullable<number>
  started_at: Timestamp
  /** The heartbeat: the rebuild's clock at its last write. */
  updated_at: Timestamp
  finished_at: NullableTimestamp
  outcome: ColumnType<AggregateRebuildOutcome, AggregateRebuildOutcome | undefined, AggregateRebuildOutcome>
  /** The failure's error code (an AppError's code, a SQLSTATE, or UNKNOWN). */
  error_code: Nullable<string>
}

export type Aggregate = Selectable<AggregateTable>
export type ApiKey = Selectable<ApiKeyTable>
export type Station = Selectable<StationTable>
export type NewStation = Insertable<StationTable>
export type StationUpdate = Updateable<StationTable>
export type Connector = Selectable<ConnectorTable>
export type NewConnector = Insertable<ConnectorTable>
export type ConnectorUpdate = Updateable<ConnectorTable>
export type IdTag = Selectable<IdTagTable>
export type NewIdTag = Insertable<IdTagTable>
export type IdTagUpdate = Updateable<IdTagTable>
export type ChargingTransaction = Selectable<TransactionTable>
export type StatusEvent = Selectable<StatusEventTable>
export type MeterValueRow = Selectable<MeterValueTable>
export type StationMessageRow = Selectable<StationMessageTable>
export type UnmatchedStop = Selectable<UnmatchedStopTable>

/**
 * A file a station uploaded over FTP, stored whole at `object_key` (migration 2026-12-06T15:00:00Z_ftp_files).
 * `duplicate_of`: the station's earlier upload with the same SHA-256 (this row shares its object).
 */
export interface FtpFileTable {
  id: string
  station_id: string
  name: string
  object_key: string
  size: BigintColumn
  sha256: string
  duplicate_of: string | null
  received_at: Timestamp
  remote_address: string | null
  /** The command whose one-time credentials made the upload (2026-12-06T16:30:00Z_ftp_file_commands). */
  command_id: ColumnType<string | null, string | null | undefined, string | null>
  /** Meter logs only (migration 2026-12-06T16:00:00Z_ftp_file_parsing): null until parsed, and for other files. */
  parse_status: ColumnType<FtpParseStatus | null, FtpParseStatus | null | undefined, FtpParseStatus | null>
  parse_profile: ColumnType<string | null, string | null | undefined, string | null>
  parsed_rows: ColumnType<number | null, number | null | undefined, number | null>
  rejected_line: ColumnType<number | null, number | null | undefined, number | null>
  rejected_code: ColumnType<string | null, string | null | undefined, string | null>
  rejected_reason: ColumnType<string | null, string | null | undefined, string | null>
  parsed_at: NullableTimestamp
}

/**
 * A firmware image of the catalogue, stored whole at `object_key` (migration 2026-12-06T16:20:00Z_firmware_images).
 * Written and read through `@chargebus/db`'s firmware-images functions.
 */
export interface FirmwareImageTable {
  id: string
  /** The file name stations download (`FIRMWARE_NAME_PATTERN`); unique. */
  name: string
  version: string
  size: BigintColumn
  sha256: string
  object_key: string
  created_at: Timestamp
  description: ColumnType<string | null, string | null | undefined, string | null>
}

/**
 * A file pulled from a remote FTP server, keyed by what its listing said (migration
 * 2026-12-06T16:10:00Z_ftp_pull_files): the same source, name, size and mtime is not downloaded again.
 */
export interface FtpPullFileTable {
  source: string
  name: string
  size: BigintColumn
  /** The modification time as the server reported it (MDTM's instant, else the listing's text). */
  mtime: string
  sha256: string
  /** Its `ftp_files` row. */
  file_id: string
  pulled_at: Timestamp
}

/** The replica (holder) that polls a pull source until `expires_at`. */
export interface FtpPullLeaseTable {
  source: string
  holder: string
  expires_at: Timestamp
}

/** What the meter-log parser made of an upload. */
export type FtpParseStatus = 'parsed' | 'rejected'
