import type {
  ConnectorStatus,
  Database,
  Kysely,
  RegistrationStatus,
  Selectable,
  StationTable,
} from '@chargebus/db'
import { sql } from '@chargebus/db'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { iso, num, pageOf } from './rows.ts'

export interface StationView {
  id: string
  vendor: string | null
  model: string | null
  serial: string | null
  firmwareVersion: string | null
  ocppVersion: '1.5' | '1.6' | null
  registrationStatus: RegistrationStatus
  registrationStatusAt: string | null
  firstSeenAt: string | null
  lastSeenAt: string | null
  lastBootAt: string | null
  heartbeatIntervalS: number | null
  offlineSince: string | null
  online: boolean
}

export interface ConnectorView {
  connectorId: number
  status: string
  errorCode: string
  info: string | null
  vendorId: string | null
  vendorErrorCode: string | null
  statusAt: string
  meterRegisterWh: number | null
  meterRegisterAt: string | null
}

export interface StationFilter {
  registrationStatus?: RegistrationStatus | undefined
  connectorStatus?: ConnectorStatus | undefined
  vendor?: string | undefined
  lastSeenSince?: string | undefined
  lastSeenBefore?: string | undefined
  limit: number
  cursor?: string | undefined
}

const STATION_COLUMNS = [
  'id',
  'vendor',
  'model',
  'serial',
  'firmware_version',
  'ocpp_version',
  'registration_status',
  'registration_status_at',
  'first_seen_at',
  'last_seen_at',
  'last_boot_at',
  'heartbeat_interval_s',
  'offline_since',
] as const

type StationRow = Pick<Selectable<StationTable>, (typeof STATION_COLUMNS)[number]>

export function stationView(row: StationRow): StationView {
  return {
    id: row.id,
    vendor: row.vendor,
    model: row.model,
    serial: row.serial,
    firmwareVersion: row.firmware_version,
    ocppVersion: row.ocpp_version,
    registrationStatus: row.registration_status,
    registrationStatusAt: iso(row.registration_status_at),
    firstSeenAt: iso(row.first_seen_at),
    lastSeenAt: iso(row.last_seen_at),
    lastBootAt: iso(row.last_boot_at),
    heartbeatIntervalS: row.heartbeat_interval_s,
    offlineSince: iso(row.offline_since),
    online: row.offline_since === null && row.last_seen_at !== null,
  }
}

/** Stations ordered by id (the cursor is the last id). */
export async function listStations(
  db: Kysely<Database>,
  f: StationFilter,
): Promise<{ items: StationView[]; nextCursor: string | null }> {
  let q = db.selectFrom('stations').select(STATION_COLUMNS)
  if (f.registrationStatus !== undefined) q = q.where('registration_status', '=', f.registrationStatus)
  if (f.vendor !== undefined) q = q.where('vendor', '=', f.vendor)
  if (f.lastSeenSince !== undefined) q = q.where('last_seen_at', '>=', new Date(f.lastSeenSince))
  if (f.lastSeenBefore !== undefined) {
    const before = new Date(f.lastSeenBefore)
    q = q.where((eb) => eb.or([eb('last_seen_at', '<', before), eb('last_seen_at', 'is', null)]))
  }
  if (f.connectorStatus !== undefined) {
    const status = f.connectorStatus
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('connectors')
          .select(sql`1`.as('one'))
          .whereRef('connectors.station_id', '=', 'stations.id')
          .where('connectors.status', '=', status),
      ),
    )
  }
  if (f.cursor !== undefined) {
    const [afterId] = decodeCursor('stations', f.cursor, ['string']) as [string]
    q = q.where('id', '>', afterId)
  }
  const rows = await q
    .orderBy('id')
    .limit(f.limit + 1)
    .execute()
  return pageOf(rows, f.limit, stationView, (r) => encodeCursor('stations', [r.id]))
}

export function connectorView(row: {
  connector_id: number
  status: string
  error_code: string
  info: string | null
  vendor_id: string | null
  vendor_error_code: string | null
  status_at: Date
  meter_register_wh: string | null
  meter_register_at: Date | null
}): ConnectorView {
  return {
    connectorId: row.connector_id,
    status: row.status,
    errorCode: row.error_code,
    info: row.info,
    vendorId: row.vendor_id,
    vendorErrorCode: row.vendor_error_code,
    statusAt: iso(row.status_at),
    meterRegisterWh: num(row.meter_register_wh),
    meterRegisterAt: iso(row.meter_register_at),
  }
}

const CONNECTOR_COLUMNS = [
  'connector_id',
  'status',
  'error_code',
  'info',
  'vendor_id',
  'vendor_error_code',
  'status_at',
  'meter_register_wh',
  'meter_register_at',
] as const

export async function findStation(db: Kysely<Database>, id: string): Promise<StationView | undefined> {
  const row = await db.selectFrom('stations').select(STATION_COLUMNS).where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : stationView(row)
}

export async function listConnectors(db: Kysely<Database>, stationId: string): Promise<ConnectorView[]> {
  const rows = await db
    .selectFrom('connectors')
    .select(CONNECTOR_COLUMNS)
    .where('station_id', '=', stationId)
    .orderBy('connector_id')
    .execute()
  return rows.map(connectorView)
}

export async function findConnector(
  db: Kysely<Database>,
  stationId: string,
  connectorId: number,
): Promise<ConnectorView | undefined> {
  const row = await db
    .selectFrom('connectors')
    .select(CONNECTOR_COLUMNS)
    .where('station_id', '=', stationId)
    .where('connector_id', '=', connectorId)
    .executeTakeFirst()
  return row === undefined ? undefined : connectorView(row)
}

/**
 * Records an operator's registration decision, unless a newer decision is already stored (the station
 * booted again later and the gateway decided). Returns the station as stored, or undefined when unknown.
 * Runs in the caller's transaction (the KV write happens before commit).
 */
export async function decideRegistration(
  trx: Kysely<Database>,
  stationId: string,
  status: RegistrationStatus,
  at: Date,
): Promise<StationView | undefined> {
  const current = await trx
    .selectFrom('stations')
    .select(['id', 'registration_status_at'])
    .where('id', '=', stationId)
    .forUpdate()
    .executeTakeFirst()
  if (current === undefined) return undefined
  await trx
    .updateTable('stations')
    .set({ registration_status: status, registration_status_at: at, updated_at: at })
    .where('id', '=', stationId)
    .where((eb) => eb.or([eb('registration_status_at', 'is', null), eb('registration_status_at', '<=', at)]))
    .execute()
  return findStation(trx, stationId)
}
