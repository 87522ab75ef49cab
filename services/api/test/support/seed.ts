import type { Database, Kysely } from '@chargebus/db'

/*
 * Test data builders: each inserts rows the way ingest would leave them, with defaults a test
 * overrides. Ids carry a per-file prefix so files sharing the run's database never collide.
 */

export function uniquePrefix(label: string): string {
  return `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}-`
}

export async function aStation(
  db: Kysely<Database>,
  id: string,
  fields: Partial<{
    vendor: string
    model: string
    registration_status: 'Accepted' | 'Pending' | 'Rejected'
    last_seen_at: Date | null
    offline_since: Date | null
  }> = {},
): Promise<void> {
  await db
    .insertInto('stations')
    .values({
      id,
      vendor: fields.vendor ?? 'ACME',
      model: fields.model ?? 'Wallbox 22',
      ocpp_version: '1.6',
      registration_status: fields.registration_status ?? 'Accepted',
      first_seen_at: new Date('2026-11-01T00:00:00Z'),
      last_seen_at:
        fields.last_seen_at === undefined ? new Date('2026-11-27T10:00:00Z') : fields.last_seen_at,
      offline_since: fields.offline_since ?? null,
      heartbeat_interval_s: 300,
    })
    .execute()
}

export async function aConnector(
  db: Kysely<Database>,
  stationId: string,
  connectorId: number,
  status: 'Available' | 'Charging' | 'Faulted' | 'Unavailable' = 'Available',
): Promise<void> {
  await db
    .insertInto('connectors')
    .values({
      station_id: stationId,
      connector_id: connectorId,
      status,
      status_at: new Date('2026-11-27T09:00:00Z'),
    })
    .execute()
}

let nextTransactionId = 1_000_000 + Math.floor(Math.random() * 1_000_000_000)

/** A session (transaction); returns its id. Ids are unique per run. */
export async function aSession(
  db: Kysely<Database>,
  stationId: string,
  fields: Partial<{
    idTag: string
    startedAt: Date
    stoppedAt: Date | null
    meterStart: number
    meterStop: number
  }> = {},
): Promise<number> {
  const id = nextTransactionId++
  const stopped = fields.stoppedAt === undefined ? null : fields.stoppedAt
  await db
    .insertInto('transactions')
    .values({
      id,
      station_id: stationId,
      connector_id: 1,
      id_tag: fields.idTag ?? 'TAG-1',
      id_tag_status: 'Accepted',
      meter_start: fields.meterStart ?? 1000,
      started_at: fields.startedAt ?? new Date('2026-11-27T08:00:00Z'),
      meter_stop: stopped === null ? null : (fields.meterStop ?? 5000),
      stopped_at: stopped,
    })
    .execute()
  return id
}

export interface MeterSample {
  at: Date
  measurand?: string
  value: number
  unit?: string
  phase?: string
}

export async function meterValues(
  db: Kysely<Database>,
  stationId: string,
  transactionId: number | null,
  samples: MeterSample[],
  messageId = `msg-${Math.random().toString(36).slice(2)}`,
): Promise<void> {
  await db
    .insertInto('meter_values')
    .values(
      samples.map((s, i) => ({
        station_id: stationId,
        connector_id: 1,
        transaction_id: transactionId,
        sampled_at: s.at,
        measurand: s.measurand ?? 'Energy.Active.Import.Register',
        phase: s.phase ?? null,
        location: 'Outlet',
        context: 'Sample.Periodic',
        format: 'Raw',
        unit: s.unit ?? 'Wh',
        value_raw: String(s.value),
        value: s.value,
        base_unit: s.unit ?? 'Wh',
        received_at: s.at,
        source_action: 'MeterValues',
        source_message_id: messageId,
        sample_index: i,
      })),
    )
    .execute()
}

export async function statusEvent(
  db: Kysely<Database>,
  stationId: string,
  connectorId: number,
  status: string,
  at: Date,
  messageId = `st-${Math.random().toString(36).slice(2)}`,
): Promise<void> {
  await db
    .insertInto('status_events')
    .values({
      station_id: stationId,
      connector_id: connectorId,
      status,
      error_code: 'NoError',
      status_at: at,
      station_timestamp: true,
      received_at: at,
      source_message_id: messageId,
    })
    .execute()
}
