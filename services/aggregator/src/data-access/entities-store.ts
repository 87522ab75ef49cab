import { type Database, type Kysely, type Selectable, sql, type Transaction } from '@chargebus/db'
import type { StatusRecord } from '../domain/connector-time.ts'
import type { ConnectorEntity, RecordWindow, SessionEntity } from '../domain/entities.ts'
import { samplesInOrder } from '../domain/session-rollup.ts'
import { type ConnectorKey, connectorKeyId, type SessionKey, sessionKeyId } from '../event-inputs.ts'
import { type Column, columnNames, unnestRows } from './columns.ts'

type Db = Kysely<Database> | Transaction<Database>

/**
 * Locks the sessions' facts rows, creating empty ones for new sessions, in two statements that each take the keys
 * in order: an insert of the missing rows (`on conflict do nothing`: an existing row is not rewritten), then
 * `select ... order by key for update`. Batches applied at once (AGGREGATOR_MAX_IN_FLIGHT) never deadlock: a batch
 * that meets another's new row in its insert waits there, before it locks anything with its select, and the
 * selects lock in one order; two writers of a new session serialise on its row. Returns every entity by key id.
 */
export async function lockSessions(
  trx: Transaction<Database>,
  keys: readonly SessionKey[],
  zoneOf: (stationId: string) => string,
): Promise<Map<string, SessionEntity>> {
  const out = new Map<string, SessionEntity>()
  if (keys.length === 0) return out
  const sorted = [...keys].sort((a, b) => cmp(sessionKeyId(a), sessionKeyId(b)))
  const rows = await lockFactsRows<Selectable<Database['aggregator_sessions']>>(
    trx,
    'aggregator_sessions',
    'transaction_id',
    sorted.map((k) => [k.stationId, k.transactionId, zoneOf(k.stationId)]),
  )
  for (const r of rows) {
    const entity: SessionEntity = {
      stationId: r.station_id,
      transactionId: r.transaction_id,
      connectorId: r.connector_id,
      idTag: r.id_tag,
      timeZone: r.time_zone,
      facts: {
        start:
          r.started_at === null || r.meter_start_wh === null
            ? undefined
            : { startedAt: r.started_at.getTime(), meterStartWh: Number(r.meter_start_wh) },
        stop:
          r.stopped_at === null || r.meter_stop_wh === null
            ? undefined
            : { stoppedAt: r.stopped_at.getTime(), meterStopWh: Number(r.meter_stop_wh) },
        samples: new Map(r.samples),
      },
    }
    out.set(sessionKeyId(entity), entity)
  }
  return out
}

/**
 * {@link lockSessions}' two statements for either facts table, keyed by (station_id, `idColumn`): the missing rows
 * inserted, then every row selected FOR UPDATE, both in the order of `keys` (sorted by the caller).
 */
async function lockFactsRows<Row>(
  trx: Transaction<Database>,
  table: 'aggregator_sessions' | 'aggregator_connectors',
  idColumn: 'transaction_id' | 'connector_id',
  keys: readonly (readonly [stationId: string, id: number, timeZone: string])[],
): Promise<Row[]> {
  const stations = keys.map((k) => k[0])
  const ids = keys.map((k) => k[1])
  const id = sql.id(idColumn)
  await sql`
    insert into ${sql.table(table)} (station_id, ${id}, time_zone)
    select * from unnest(${stations}::text[], ${ids}::integer[], ${keys.map((k) => k[2])}::text[])
    on conflict (station_id, ${id}) do nothing`.execute(trx)
  const { rows } = await sql<Row>`
    select f.* from ${sql.table(table)} f
      join unnest(${stations}::text[], ${ids}::integer[]) as k(station_id, ${id}) using (station_id, ${id})
    order by f.station_id, ${sql.ref(`f.${idColumn}`)}
    for update of f`.execute(trx)
  return rows
}

const iso = (ms: number | null | undefined) =>
  ms === undefined || ms === null ? null : new Date(ms).toISOString()

/** The facts columns of `aggregator_sessions` (its key first). */
export const SESSION_COLUMNS: readonly Column<SessionEntity>[] = [
  ['station_id', 'text', (e) => e.stationId],
  ['transaction_id', 'integer', (e) => e.transactionId],
  ['connector_id', 'integer', (e) => e.connectorId],
  ['id_tag', 'text', (e) => e.idTag],
  ['started_at', 'timestamptz', (e) => iso(e.facts.start?.startedAt)],
  ['meter_start_wh', 'bigint', (e) => e.facts.start?.meterStartWh ?? null],
  ['stopped_at', 'timestamptz', (e) => iso(e.facts.stop?.stoppedAt)],
  ['meter_stop_wh', 'bigint', (e) => e.facts.stop?.meterStopWh ?? null],
  // canonical (by instant), so the same facts are the same jsonb whatever order they were merged in
  ['samples', 'jsonb', (e) => JSON.stringify(samplesInOrder(e.facts))],
  ['time_zone', 'text', (e) => e.timeZone],
]

/** Writes the sessions' facts back, in ONE statement. */
export async function saveSessions(
  trx: Transaction<Database>,
  entities: readonly SessionEntity[],
): Promise<void> {
  if (entities.length === 0) return
  await sql`
    update aggregator_sessions s
    set connector_id = u.connector_id, id_tag = u.id_tag, started_at = u.started_at,
      meter_start_wh = u.meter_start_wh, stopped_at = u.stopped_at, meter_stop_wh = u.meter_stop_wh,
      samples = u.samples, time_zone = u.time_zone, updated_at = now()
    from ${unnestRows(SESSION_COLUMNS, entities)} as u(${columnNames(SESSION_COLUMNS)})
    where s.station_id = u.station_id and s.transaction_id = u.transaction_id`.execute(trx)
}

/** A connector's facts row: the entity without its records (read apart, around what a batch changes). */
export type ConnectorRow = Omit<ConnectorEntity, 'records'>

/** As {@link lockSessions}, for connectors: their facts rows, without records (see {@link readConnectorRecords}). */
export async function lockConnectors(
  trx: Transaction<Database>,
  keys: readonly ConnectorKey[],
  zoneOf: (stationId: string) => string,
): Promise<Map<string, ConnectorRow>> {
  const out = new Map<string, ConnectorRow>()
  if (keys.length === 0) return out
  const sorted = [...keys].sort((a, b) => cmp(connectorKeyId(a), connectorKeyId(b)))
  const rows = await lockFactsRows<Selectable<Database['aggregator_connectors']>>(
    trx,
    'aggregator_connectors',
    'connector_id',
    sorted.map((k) => [k.stationId, k.connectorId, zoneOf(k.stationId)]),
  )
  for (const r of rows) {
    const row: ConnectorRow = {
      stationId: r.station_id,
      connectorId: r.connector_id,
      firstAt: r.first_at === null ? null : r.first_at.getTime(),
      bookedTo: r.booked_to === null ? null : r.booked_to.getTime(),
      timeZone: r.time_zone,
    }
    out.set(connectorKeyId(row), row)
  }
  return out
}

/** A window of one connector's stored records (see `RecordWindow`). */
export interface ConnectorRecordWindow {
  readonly key: ConnectorKey
  readonly window: RecordWindow
}

/** An instant as timestamptz text, the infinities included (a window over all time). */
const instantText = (at: number) =>
  at === Number.POSITIVE_INFINITY ? 'infinity' : at === Number.NEGATIVE_INFINITY ? '-infinity' : iso(at)

/**
 * The stored records the windows select, by connector key id, in ONE statement: per window, the last instant before
 * its start and the first after it are two index probes, then a range scan between them. `offset 0` keeps each
 * LATERAL subquery a subquery: flattened, Postgres hash-joined 200 windows with the whole table and ran the probes
 * per joined row (250 ms instead of 6 ms at 100 records per connector). Returns what
 * `recordsInWindows` gives over the connector's stored records (an integration test checks it); a record two
 * windows select comes twice.
 */
export async function readConnectorRecords(
  trx: Transaction<Database>,
  windows: readonly ConnectorRecordWindow[],
): Promise<Map<string, StatusRecord[]>> {
  const out = new Map<string, StatusRecord[]>()
  if (windows.length === 0) return out
  const { rows } = await sql<Selectable<Database['aggregator_connector_records']>>`
    select r.* from unnest(
        ${windows.map((w) => w.key.stationId)}::text[], ${windows.map((w) => w.key.connectorId)}::integer[],
        ${windows.map((w) => instantText(w.window.from))}::timestamptz[],
        ${windows.map((w) => (w.window.to === undefined ? null : instantText(w.window.to)))}::timestamptz[]
      ) as w(station_id, connector_id, from_at, to_at)
      cross join lateral (
        select
          (select max(p.at) from aggregator_connector_records p
            where p.station_id = w.station_id and p.connector_id = w.connector_id and p.at < w.from_at) as lo,
          coalesce(w.to_at,
            (select min(n.at) from aggregator_connector_records n
              where n.station_id = w.station_id and n.connector_id = w.connector_id and n.at > w.from_at),
            w.from_at) as hi
        offset 0
      ) b
      cross join lateral (
        select * from aggregator_connector_records r
         where r.station_id = w.station_id and r.connector_id = w.connector_id
           and r.at >= coalesce(b.lo, w.from_at) and r.at <= b.hi
        offset 0
      ) r`.execute(trx)
  for (const r of rows) {
    const id = connectorKeyId({ stationId: r.station_id, connectorId: r.connector_id })
    const list = out.get(id) ?? []
    list.push({
      at: r.at.getTime(),
      status: r.status,
      errorCode: r.error_code,
      ...(r.vendor_error_code === '' ? {} : { vendorErrorCode: r.vendor_error_code }),
    })
    out.set(id, list)
  }
  return out
}

/** The facts columns of `aggregator_connectors` (its key first). */
export const CONNECTOR_COLUMNS: readonly Column<ConnectorRow>[] = [
  ['station_id', 'text', (e) => e.stationId],
  ['connector_id', 'integer', (e) => e.connectorId],
  ['first_at', 'timestamptz', (e) => iso(e.firstAt)],
  ['booked_to', 'timestamptz', (e) => iso(e.bookedTo)],
  ['time_zone', 'text', (e) => e.timeZone],
]

/** One status record of one connector, as `aggregator_connector_records` keeps it. */
export interface ConnectorRecordRow {
  readonly key: ConnectorKey
  readonly record: StatusRecord
}

/** The columns of `aggregator_connector_records` (all of them its key). */
export const RECORD_COLUMNS: readonly Column<ConnectorRecordRow>[] = [
  ['station_id', 'text', (r) => r.key.stationId],
  ['connector_id', 'integer', (r) => r.key.connectorId],
  ['at', 'timestamptz', (r) => iso(r.record.at)],
  ['status', 'text', (r) => r.record.status],
  ['error_code', 'text', (r) => r.record.errorCode],
  ['vendor_error_code', 'text', (r) => r.record.vendorErrorCode ?? ''],
]

/**
 * Writes the connectors' facts rows back and inserts their new records, in two statements. A record already
 * stored is an error, not skipped: the caller holds the connector's row lock and read its records around the new
 * ones, so one would mean that its delta counted the record twice.
 */
export async function saveConnectors(
  trx: Transaction<Database>,
  rows: readonly ConnectorRow[],
  newRecords: readonly ConnectorRecordRow[],
): Promise<void> {
  if (rows.length > 0)
    await sql`
      update aggregator_connectors c
      set first_at = u.first_at, booked_to = u.booked_to, time_zone = u.time_zone, updated_at = now()
      from ${unnestRows(CONNECTOR_COLUMNS, rows)} as u(${columnNames(CONNECTOR_COLUMNS)})
      where c.station_id = u.station_id and c.connector_id = u.connector_id`.execute(trx)
  if (newRecords.length > 0)
    await sql`
      insert into aggregator_connector_records (${columnNames(RECORD_COLUMNS)})
      select * from ${unnestRows(RECORD_COLUMNS, newRecords)}`.execute(trx)
}

/** Connectors whose booked time ends before `before`, oldest first (the timer advances them). */
export async function connectorsBehind(db: Db, before: Date, limit: number): Promise<ConnectorKey[]> {
  const rows = await db
    .selectFrom('aggregator_connectors')
    .select(['station_id', 'connector_id'])
    .where('booked_to', '<', before)
    .orderBy('booked_to')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ stationId: r.station_id, connectorId: r.connector_id }))
}

/** Stations' own time zones (null: none set) for the stations of a batch. */
export async function stationZones(
  db: Db,
  stationIds: readonly string[],
): Promise<Map<string, string | null>> {
  if (stationIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('stations')
    .select(['id', 'time_zone'])
    .where('id', 'in', stationIds)
    .execute()
  return new Map(rows.map((r) => [r.id, r.time_zone]))
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
