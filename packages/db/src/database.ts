import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'

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
  last_seen_at: NullableTimestamp
  created_at: DefaultNow
  /** Not maintained by a trigger: writers set it. */
  updated_at: DefaultNow
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
}

export type Station = Selectable<StationTable>
export type NewStation = Insertable<StationTable>
export type StationUpdate = Updateable<StationTable>
export type Connector = Selectable<ConnectorTable>
export type NewConnector = Insertable<ConnectorTable>
export type ConnectorUpdate = Updateable<ConnectorTable>
