import { type Database, type Kysely, sql, type Transaction } from '@chargebus/db'
import { mergeStatusRecord, NO_CONNECTOR_FACTS } from '../domain/connector-rollup.ts'
import type { StatusRecord } from '../domain/connector-time.ts'
import type { ConnectorEntity, SessionEntity } from '../domain/entities.ts'
import type { ConnectorKey, SessionKey } from '../event-inputs.ts'

type Db = Kysely<Database> | Transaction<Database>

const sessionId = (k: SessionKey) => `${k.stationId}\u0000${k.transactionId}`
const connectorId = (k: ConnectorKey) => `${k.stationId}\u0000${k.connectorId}`

export { connectorId as connectorKeyId, sessionId as sessionKeyId }

/**
 * Locks the sessions' facts rows (creating empty ones first, so two writers of a new session serialise on its
 * row), in key order so concurrent batches never deadlock. Returns every entity by key id.
 */
export async function lockSessions(
  trx: Transaction<Database>,
  keys: readonly SessionKey[],
  zoneOf: (stationId: string) => string,
): Promise<Map<string, SessionEntity>> {
  const out = new Map<string, SessionEntity>()
  if (keys.length === 0) return out
  const sorted = [...keys].sort((a, b) => cmp(sessionId(a), sessionId(b)))
  await trx
    .insertInto('aggregator_sessions')
    .values(
      sorted.map((k) => ({
        station_id: k.stationId,
        transaction_id: k.transactionId,
        time_zone: zoneOf(k.stationId),
      })),
    )
    .onConflict((oc) => oc.columns(['station_id', 'transaction_id']).doNothing())
    .execute()
  const rows = await trx
    .selectFrom('aggregator_sessions')
    .selectAll()
    .where(({ eb, refTuple, tuple }) =>
      eb(
        refTuple('station_id', 'transaction_id'),
        'in',
        sorted.map((k) => tuple(k.stationId, k.transactionId)),
      ),
    )
    .orderBy('station_id')
    .orderBy('transaction_id')
    .forUpdate()
    .execute()
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
    out.set(sessionId(entity), entity)
  }
  return out
}

export async function saveSessions(
  trx: Transaction<Database>,
  entities: readonly SessionEntity[],
): Promise<void> {
  for (const e of entities) {
    await trx
      .updateTable('aggregator_sessions')
      .set({
        connector_id: e.connectorId,
        id_tag: e.idTag,
        started_at: e.facts.start ? new Date(e.facts.start.startedAt) : null,
        meter_start_wh: e.facts.start?.meterStartWh ?? null,
        stopped_at: e.facts.stop ? new Date(e.facts.stop.stoppedAt) : null,
        meter_stop_wh: e.facts.stop?.meterStopWh ?? null,
        samples: JSON.stringify([...e.facts.samples]),
        time_zone: e.timeZone,
        updated_at: sql`now()`,
      })
      .where('station_id', '=', e.stationId)
      .where('transaction_id', '=', e.transactionId)
      .execute()
  }
}

/** As {@link lockSessions}, for connectors. */
export async function lockConnectors(
  trx: Transaction<Database>,
  keys: readonly ConnectorKey[],
  zoneOf: (stationId: string) => string,
): Promise<Map<string, ConnectorEntity>> {
  const out = new Map<string, ConnectorEntity>()
  if (keys.length === 0) return out
  const sorted = [...keys].sort((a, b) => cmp(connectorId(a), connectorId(b)))
  await trx
    .insertInto('aggregator_connectors')
    .values(
      sorted.map((k) => ({
        station_id: k.stationId,
        connector_id: k.connectorId,
        time_zone: zoneOf(k.stationId),
      })),
    )
    .onConflict((oc) => oc.columns(['station_id', 'connector_id']).doNothing())
    .execute()
  const rows = await trx
    .selectFrom('aggregator_connectors')
    .selectAll()
    .where(({ eb, refTuple, tuple }) =>
      eb(
        refTuple('station_id', 'connector_id'),
        'in',
        sorted.map((k) => tuple(k.stationId, k.connectorId)),
      ),
    )
    .orderBy('station_id')
    .orderBy('connector_id')
    .forUpdate()
    .execute()
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
    out.set(connectorId(entity), entity)
  }
  return out
}

export async function saveConnectors(
  trx: Transaction<Database>,
  entities: readonly ConnectorEntity[],
): Promise<void> {
  for (const e of entities) {
    await trx
      .updateTable('aggregator_connectors')
      .set({
        records: JSON.stringify([...e.records.values()]),
        booked_to: e.bookedTo === null ? null : new Date(e.bookedTo),
        time_zone: e.timeZone,
        updated_at: sql`now()`,
      })
      .where('station_id', '=', e.stationId)
      .where('connector_id', '=', e.connectorId)
      .execute()
  }
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
