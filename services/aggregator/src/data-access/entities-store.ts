import { type Database, type Kysely, type Selectable, sql, type Transaction } from '@chargebus/db'
import { mergeStatusRecord, NO_CONNECTOR_FACTS, recordsInOrder } from '../domain/connector-rollup.ts'
import type { StatusRecord } from '../domain/connector-time.ts'
import type { ConnectorEntity, SessionEntity } from '../domain/entities.ts'
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

/** As {@link lockSessions}, for connectors. */
export async function lockConnectors(
  trx: Transaction<Database>,
  keys: readonly ConnectorKey[],
  zoneOf: (stationId: string) => string,
): Promise<Map<string, ConnectorEntity>> {
  const out = new Map<string, ConnectorEntity>()
  if (keys.length === 0) return out
  const sorted = [...keys].sort((a, b) => cmp(connectorKeyId(a), connectorKeyId(b)))
  const rows = await lockFactsRows<Selectable<Database['aggregator_connectors']>>(
    trx,
    'aggregator_connectors',
    'connector_id',
    sorted.map((k) => [k.stationId, k.connectorId, zoneOf(k.stationId)]),
  )
  for (const r of rows) {
    let records = NO_CONNECTOR_FACTS
    for (const rec of r.records as StatusRecord[]) records = mergeStatusRecord(records, rec)
    const entity: ConnectorEntity = {
      stationId: r.station_id,
      connectorId: r.connector_id,
      records,
      bookedTo: r.booked_to === null ? null : r.booked_to.getTime(),
      timeZone: r.time_zone,
    }
    out.set(connectorKeyId(entity), entity)
  }
  return out
}

/** The facts columns of `aggregator_connectors` (its key first). */
export const CONNECTOR_COLUMNS: readonly Column<ConnectorEntity>[] = [
  ['station_id', 'text', (e) => e.stationId],
  ['connector_id', 'integer', (e) => e.connectorId],
  ['records', 'jsonb', (e) => JSON.stringify(recordsInOrder(e.records))],
  ['booked_to', 'timestamptz', (e) => iso(e.bookedTo)],
  ['time_zone', 'text', (e) => e.timeZone],
]

/** As {@link saveSessions}, for connectors. */
export async function saveConnectors(
  trx: Transaction<Database>,
  entities: readonly ConnectorEntity[],
): Promise<void> {
  if (entities.length === 0) return
  await sql`
    update aggregator_connectors c
    set records = u.records, booked_to = u.booked_to, time_zone = u.time_zone, updated_at = now()
    from ${unnestRows(CONNECTOR_COLUMNS, entities)} as u(${columnNames(CONNECTOR_COLUMNS)})
    where c.station_id = u.station_id and c.connector_id = u.connector_id`.execute(trx)
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
