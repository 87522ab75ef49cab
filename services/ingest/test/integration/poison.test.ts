import { sql } from '@chargebus/db'
import {
  count,
  drained,
  eventually,
  type IngestWorld,
  publishRaw,
  SLOW,
  type TestIngest,
  useWorldAndIngest,
} from '../support/ingest.ts'
import { aMeterValues, aStatus, registerReading } from '../support/messages.ts'

let world: IngestWorld
let ingest: TestIngest
// A long batch wait so the poison message shares a batch with the good ones.
useWorldAndIngest(
  (w, i) => {
    world = w
    ingest = i
  },
  { INGEST_BATCH_WAIT_MS: '500' },
)

test(
  'a message that cannot be mapped is dead-lettered alone; the rest of its batch is written',
  async () => {
    const good = Array.from({ length: 20 }, (_, i) =>
      aMeterValues({
        stationId: 'CP-POISON',
        values: [registerReading(`2026-11-26T10:${String(i).padStart(2, '0')}:00.000Z`, 100 + i)],
      }),
    )
    // Passes the catalog schema (payload is any object) but is no OCPP 1.6 StatusNotification.
    const poison = aStatus({ stationId: 'CP-POISON' })
    poison.payload = { connectorId: 1, status: 'Exploded', errorCode: 'NoError' }
    await publishRaw(world, [...good.slice(0, 10), poison, ...good.slice(10)])

    await eventually(
      async () => (await count(world.db, 'meter_values', sql`station_id = 'CP-POISON'`)) === 20,
    )
    const stream = `${world.namespace.toUpperCase()}_DEAD_LETTERS`
    await eventually(async () => (await world.admin.jsm.streams.info(stream)).state.messages === 1)
    const info = await world.admin.jsm.streams.info(stream)
    const stored = await world.admin.jsm.streams.getMessage(stream, { seq: info.state.last_seq })
    const record = stored?.json<Record<string, unknown>>() ?? {}
    expect(record).toMatchObject({
      stream: 'OCPP_IN',
      consumer: 'ingest',
      reason: 'non-retryable',
      error: { code: 'INGEST_ERR_INVALID_STATION_MESSAGE' },
      msgId: `CP-POISON/${poison.messageId}`,
    })
    expect(JSON.parse(String(record.payload))).toEqual(poison)
    const consumer = await world.admin.jsm.consumers.info(
      `${world.namespace.toUpperCase()}_OCPP_IN`,
      'ingest',
    )
    await drained(world)
    expect(consumer.config.durable_name).toBe('ingest')
    const metrics = await ingest.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toMatch(/ingest_dead_letters_total\{reason="non-retryable"[^}]*\} 1\n/)
    expect(metrics.body).toMatch(/ingest_rows_written_total\{table="meter_values"[^}]*\} 20\n/)
  },
  SLOW,
)

test(
  '/healthz, /readyz (Postgres and NATS) and /metrics answer',
  async () => {
    expect((await ingest.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const ready = await ingest.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({ checks: { postgres: { status: 'ok' }, nats: { status: 'ok' } } })
    const metrics = (await ingest.app.inject({ method: 'GET', url: '/metrics' })).body
    for (const name of [
      'ingest_batch_size',
      'ingest_lag_seconds',
      'ingest_messages_total',
      'ingest_batch_duration_seconds',
    ])
      expect(metrics).toContain(name)
  },
  SLOW,
)
