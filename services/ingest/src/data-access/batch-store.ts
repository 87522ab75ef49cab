import type { Database, Transaction } from '@chargebus/db'
import { sql } from '@chargebus/db'
import type { BatchChanges } from '../domain/batch/apply-batch.ts'
import type { BatchNeeds } from '../domain/batch/batch-needs.ts'
import {
  type BatchState,
  type ConnectorState,
  connectorKey,
  PLACEHOLDER_STATUS_AT,
  type StationState,
  type TransactionState,
} from '../domain/batch/batch-state.ts'
import type { StatusReport } from '../domain/batch/connector-status.ts'
import type { MeterSample } from '../domain/batch/meter-sample.ts'
import type { StationMessageRecord } from '../domain/batch/station-message-record.ts'
import type { UnmatchedStop } from '../domain/batch/transaction.ts'
import { columnList, type RowOf, recordOf, rowOf, type UnnestColumn, unnestRows } from './unnest.ts'

/*
 * The rows of one batch, inside the batch's transaction. `loadState` makes sure every station, status-reporting
 * connector and started/stopped transaction of the batch has a row (placeholders, INSERT ... ON CONFLICT DO
 * NOTHING) and locks them (SELECT ... FOR UPDATE, in sorted order so concurrent batches do not deadlock), so
 * the pure `applyBatch` decides on exact current state. `writeChanges` then writes whole rows back and inserts
 * the append-only rows with ON CONFLICT DO NOTHING (their unique keys make a replay a no-op). Each table's
 * column list below is its row shape: which columns hold the domain record's fields (see `unnest.ts`).
 */

type Trx = Transaction<Database>

export async function loadState(trx: Trx, needs: BatchNeeds): Promise<BatchState> {
  const stations = new Map<string, StationState>()
  const connectors = new Map<string, ConnectorState>()
  const transactions = new Map<number, TransactionState>()

  if (needs.stationIds.length > 0) {
    await sql`insert into stations (id) select * from unnest(${needs.stationIds}::text[]) on conflict do nothing`.execute(
      trx,
    )
    const rows = await trx
      .selectFrom('stations')
      .selectAll()
      .where('id', '=', sql<string>`any(${needs.stationIds}::text[])`)
      .orderBy('id')
      .forUpdate()
      .execute()
    for (const r of rows) stations.set(r.id, recordOf(STATION_COLUMNS, r))
  }

  if (needs.statusConnectors.length > 0) {
    await sql`
      insert into connectors (station_id, connector_id, status, status_at)
      select s, c, 'Unavailable', ${PLACEHOLDER_STATUS_AT.toISOString()}::timestamptz
        from unnest(${needs.statusConnectors.map((c) => c.stationId)}::text[],
                    ${needs.statusConnectors.map((c) => c.connectorId)}::integer[]) as u(s, c)
      on conflict do nothing`.execute(trx)
  }
  if (needs.connectors.length > 0) {
    const { rows } = await sql<{ station_id: string; connector_id: number }>`
      select c.* from connectors c
        join unnest(${needs.connectors.map((c) => c.stationId)}::text[],
                    ${needs.connectors.map((c) => c.connectorId)}::integer[]) as u(s, n)
          on c.station_id = u.s and c.connector_id = u.n
       order by c.station_id, c.connector_id
         for update of c`.execute(trx)
    for (const r of rows)
      connectors.set(connectorKey(r.station_id, r.connector_id), recordOf(CONNECTOR_COLUMNS, r))
  }

  if (needs.transactions.length > 0) {
    const ids = needs.transactions.map((t) => t.id)
    await sql`
      insert into transactions (id, station_id)
      select * from unnest(${ids}::integer[], ${needs.transactions.map((t) => t.stationId)}::text[])
      on conflict do nothing`.execute(trx)
    const rows = await trx
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', sql<number>`any(${ids}::integer[])`)
      .orderBy('id')
      .forUpdate()
      .execute()
    for (const r of rows) transactions.set(r.id, recordOf(TRANSACTION_COLUMNS, r))
  }
  return { stations, connectors, transactions }
}

const STATION_COLUMNS: readonly UnnestColumn<StationState>[] = [
  { name: 'id', type: 'text' },
  { name: 'vendor', type: 'text' },
  { name: 'model', type: 'text' },
  { name: 'serial', type: 'text' },
  { name: 'charge_box_serial', type: 'text' },
  { name: 'firmware_version', type: 'text' },
  { name: 'iccid', type: 'text' },
  { name: 'imsi', type: 'text' },
  { name: 'meter_type', type: 'text' },
  { name: 'meter_serial', type: 'text' },
  { name: 'ocpp_version', type: 'text' },
  { name: 'endpoint_url', type: 'text' },
  { name: 'registration_status', type: 'text' },
  { name: 'registration_status_at', type: 'timestamptz' },
  { name: 'first_seen_at', type: 'timestamptz' },
  { name: 'last_seen_at', type: 'timestamptz' },
  { name: 'last_boot_at', type: 'timestamptz' },
  { name: 'heartbeat_interval_s', type: 'integer' },
  { name: 'offline_since', type: 'timestamptz' },
  { name: 'clock_skew_ms', type: 'bigint' },
  { name: 'clock_skew_at', type: 'timestamptz' },
  { name: 'firmware_status', type: 'text' },
  { name: 'firmware_status_at', type: 'timestamptz' },
  { name: 'diagnostics_status', type: 'text' },
  { name: 'diagnostics_status_at', type: 'timestamptz' },
]

const CONNECTOR_COLUMNS: readonly UnnestColumn<ConnectorState>[] = [
  { name: 'station_id', type: 'text' },
  { name: 'connector_id', type: 'integer' },
  { name: 'status', type: 'text' },
  { name: 'error_code', type: 'text' },
  { name: 'info', type: 'text' },
  { name: 'vendor_id', type: 'text' },
  { name: 'vendor_error_code', type: 'text' },
  { name: 'status_at', type: 'timestamptz' },
  { name: 'meter_register_wh', type: 'numeric' },
  { name: 'meter_register_at', type: 'timestamptz' },
]

const TRANSACTION_COLUMNS: readonly UnnestColumn<TransactionState>[] = [
  { name: 'id', type: 'integer' },
  { name: 'station_id', type: 'text' },
  { name: 'connector_id', type: 'integer' },
  { name: 'id_tag', type: 'text' },
  { name: 'id_tag_status', type: 'text' },
  { name: 'reservation_id', type: 'integer' },
  { name: 'meter_start', type: 'integer' },
  { name: 'started_at', type: 'timestamptz' },
  { name: 'start_message_id', type: 'text' },
  { name: 'start_received_at', type: 'timestamptz' },
  { name: 'stop_id_tag', type: 'text' },
  { name: 'stop_id_tag_status', type: 'text' },
  { name: 'meter_stop', type: 'integer' },
  { name: 'stopped_at', type: 'timestamptz' },
  { name: 'stop_reason', type: 'text' },
  { name: 'stop_message_id', type: 'text' },
  { name: 'stop_received_at', type: 'timestamptz' },
]

const METER_VALUE_COLUMNS: readonly UnnestColumn<MeterSample>[] = [
  { name: 'station_id', type: 'text' },
  { name: 'connector_id', type: 'integer' },
  { name: 'transaction_id', type: 'integer' },
  { name: 'sampled_at', type: 'timestamptz' },
  { name: 'measurand', type: 'text' },
  { name: 'phase', type: 'text' },
  { name: 'location', type: 'text' },
  { name: 'context', type: 'text' },
  { name: 'format', type: 'text' },
  { name: 'unit', type: 'text' },
  { name: 'value_raw', type: 'text' },
  { name: 'value', type: 'numeric' },
  { name: 'base_unit', type: 'text' },
  { name: 'received_at', type: 'timestamptz' },
  { name: 'source_action', type: 'text' },
  { name: 'source_message_id', type: 'text' },
  { name: 'sample_index', type: 'integer' },
]

const STATUS_EVENT_COLUMNS: readonly UnnestColumn<StatusReport>[] = [
  { name: 'station_id', type: 'text' },
  { name: 'connector_id', type: 'integer' },
  { name: 'status', type: 'text' },
  { name: 'error_code', type: 'text' },
  { name: 'info', type: 'text' },
  { name: 'vendor_id', type: 'text' },
  { name: 'vendor_error_code', type: 'text' },
  { name: 'status_at', type: 'timestamptz' },
  { name: 'station_timestamp', type: 'boolean' },
  { name: 'received_at', type: 'timestamptz' },
  { name: 'source_message_id', type: 'text' },
]

const STATION_MESSAGE_COLUMNS: readonly UnnestColumn<StationMessageRecord>[] = [
  { name: 'station_id', type: 'text' },
  { name: 'source_message_id', type: 'text' },
  { name: 'action', type: 'text' },
  { name: 'received_at', type: 'timestamptz' },
  { name: 'vendor_id', type: 'text' },
  { name: 'data_message_id', type: 'text' },
  { name: 'data', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'payload', type: 'jsonb' },
  { name: 'response', type: 'jsonb' },
]

const UNMATCHED_STOP_COLUMNS: readonly UnnestColumn<UnmatchedStop>[] = [
  { name: 'station_id', type: 'text' },
  { name: 'source_message_id', type: 'text' },
  { name: 'transaction_id', type: 'integer' },
  { name: 'id_tag', type: 'text' },
  { name: 'meter_stop', type: 'integer' },
  { name: 'stopped_at', type: 'timestamptz' },
  { name: 'stop_reason', type: 'text' },
  { name: 'received_at', type: 'timestamptz' },
]

/** A meter sample as its `meter_values` row (the benches insert these plainly to compare with ingest). */
export type SampleRow = RowOf<MeterSample>

/**
 * The row ingest writes for a sample.
 *
 * ### Examples
 * ```ts
 * await db.insertInto('meter_values').values(meterSamples(m.meterValue, ctx).map(sampleRow)).execute()
 * ```
 */
export function sampleRow(sample: MeterSample): SampleRow {
  return rowOf(METER_VALUE_COLUMNS, sample)
}

/** Rows actually inserted (duplicates of earlier deliveries are not counted) or updated, by table. */
export type RowCounts = Record<
  | 'stations'
  | 'connectors'
  | 'transactions'
  | 'status_events'
  | 'meter_values'
  | 'station_messages'
  | 'unmatched_stops',
  number
>

/** Whole-row updates set every column the domain manages, key columns excepted. */
function assignments<T>(columns: readonly UnnestColumn<T>[], keys: readonly string[]) {
  return sql.raw(
    columns
      .filter((c) => !keys.includes(c.name))
      .map((c) => `${c.name} = u.${c.name}`)
      .join(', '),
  )
}

export async function writeChanges(trx: Trx, changes: BatchChanges): Promise<RowCounts> {
  const counts: RowCounts = {
    stations: 0,
    connectors: 0,
    transactions: 0,
    status_events: 0,
    meter_values: 0,
    station_messages: 0,
    unmatched_stops: 0,
  }
  if (changes.stations.length > 0) {
    const r = await sql`
      update stations t set ${assignments(STATION_COLUMNS, ['id'])}, updated_at = now()
        from ${unnestRows(STATION_COLUMNS, changes.stations)}
       where t.id = u.id`.execute(trx)
    counts.stations = Number(r.numAffectedRows ?? 0)
  }
  if (changes.connectors.length > 0) {
    const r = await sql`
      update connectors t set ${assignments(CONNECTOR_COLUMNS, ['station_id', 'connector_id'])}, updated_at = now()
        from ${unnestRows(CONNECTOR_COLUMNS, changes.connectors)}
       where t.station_id = u.station_id and t.connector_id = u.connector_id`.execute(trx)
    counts.connectors = Number(r.numAffectedRows ?? 0)
  }
  if (changes.transactions.length > 0) {
    const r = await sql`
      update transactions t set ${assignments(TRANSACTION_COLUMNS, ['id', 'station_id'])}, updated_at = now()
        from ${unnestRows(TRANSACTION_COLUMNS, changes.transactions)}
       where t.id = u.id`.execute(trx)
    counts.transactions = Number(r.numAffectedRows ?? 0)
  }
  counts.status_events = await insertIgnoring(
    trx,
    'status_events',
    STATUS_EVENT_COLUMNS,
    changes.statusReports,
  )
  counts.meter_values = await insertIgnoring(trx, 'meter_values', METER_VALUE_COLUMNS, changes.meterSamples)
  counts.station_messages = await insertIgnoring(
    trx,
    'station_messages',
    STATION_MESSAGE_COLUMNS,
    changes.stationMessages,
  )
  counts.unmatched_stops = await insertIgnoring(
    trx,
    'unmatched_stops',
    UNMATCHED_STOP_COLUMNS,
    changes.unmatchedStops,
  )
  return counts
}

/** `INSERT ... SELECT * FROM unnest(...) ON CONFLICT DO NOTHING`; returns the rows inserted. */
export async function insertIgnoring<T>(
  trx: Trx,
  table: string,
  columns: readonly UnnestColumn<T>[],
  records: readonly T[],
): Promise<number> {
  if (records.length === 0) return 0
  const r = await sql`
    insert into ${sql.table(table)} (${columnList(columns)})
    select * from ${unnestRows(columns, records)}
    on conflict do nothing`.execute(trx)
  return Number(r.numAffectedRows ?? 0)
}

/**
 * Inserts samples with ON CONFLICT DO NOTHING and returns the ones that were new (by source message id, which
 * names a sample within its station and time: `samples` must not repeat one, see `dedupeSamples`). The CSV
 * meter-log consumer publishes events for exactly these.
 */
export async function insertNewMeterSamples(
  trx: Trx,
  samples: readonly MeterSample[],
): Promise<MeterSample[]> {
  if (samples.length === 0) return []
  const { rows } = await sql<{ station_id: string; source_message_id: string; sample_index: number }>`
    insert into meter_values (${columnList(METER_VALUE_COLUMNS)})
    select * from ${unnestRows(METER_VALUE_COLUMNS, samples)}
    on conflict do nothing
    returning station_id, source_message_id, sample_index`.execute(trx)
  const key = (s: { station_id: string; source_message_id: string; sample_index: number }) =>
    `${s.station_id}\n${s.source_message_id}\n${s.sample_index}`
  const inserted = new Set(rows.map(key))
  return samples.filter((s) =>
    inserted.has(
      key({ station_id: s.stationId, source_message_id: s.sourceMessageId, sample_index: s.sampleIndex }),
    ),
  )
}
