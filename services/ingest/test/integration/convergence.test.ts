import { sql } from '@chargebus/db'
import { testClock } from '../../../../test/support/clock.ts'
import {
  count,
  domainEvents,
  drained,
  eventually,
  type IngestWorld,
  ingestAll,
  SLOW,
  startTestIngest,
  type TestIngest,
  tableCounts,
  useWorldAndIngest,
} from '../support/ingest.ts'
import {
  aBoot,
  aHeartbeat,
  aMeterValues,
  aStart,
  aStatus,
  aStop,
  registerReading,
} from '../support/messages.ts'

/*
 * Idempotency and convergence against real Postgres (through pgbouncer) and JetStream: raw station messages
 * published exactly as the gateway does, consumed by the real ingest app.
 */

let world: IngestWorld
let ingest: TestIngest
useWorldAndIngest((w, i) => {
  world = w
  ingest = i
})

describe('a session, then the same messages again', () => {
  const station = 'CP-DUP'
  const messages = [
    aBoot({ stationId: station, receivedAt: '2026-11-26T09:59:00.000Z' }),
    aStatus({ stationId: station, status: 'Preparing', timestamp: '2026-11-26T09:59:30.000Z' }),
    aStart({
      stationId: station,
      transactionId: 9001,
      meterStart: 1000,
      timestamp: '2026-11-26T10:00:00.000Z',
    }),
    aStatus({ stationId: station, status: 'Charging', timestamp: '2026-11-26T10:00:01.000Z' }),
    aMeterValues({
      stationId: station,
      transactionId: 9001,
      receivedAt: '2026-11-26T10:15:00.000Z',
      values: [
        registerReading('2026-11-26T10:05:00.000Z', 1500),
        registerReading('2026-11-26T10:10:00.000Z', 2.1, { unit: 'kWh' }),
        {
          timestamp: '2026-11-26T10:10:00.000Z',
          sampledValue: [
            { value: '7.4', measurand: 'Power.Active.Import', unit: 'kW' },
            { value: '16', measurand: 'Current.Import', unit: 'A', phase: 'L1' },
          ],
        },
      ],
    }),
    aStop({
      stationId: station,
      transactionId: 9001,
      meterStop: 5000,
      timestamp: '2026-11-26T11:00:00.000Z',
      reason: 'Local',
    }),
    aHeartbeat({ stationId: station, receivedAt: '2026-11-26T11:01:00.000Z' }),
  ]

  test(
    'is written once: rows, values normalised, session completed with energy and duration',
    async () => {
      await ingestAll(world, messages)
      const t = await world.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', 9001)
        .executeTakeFirstOrThrow()
      expect(t).toMatchObject({
        state: 'completed',
        energy_wh: '4000',
        duration_s: 3600,
        connector_id: 1,
        stop_reason: 'Local',
      })
      const values = await world.db
        .selectFrom('meter_values')
        .select(['value_raw', 'value', 'unit', 'base_unit', 'measurand', 'phase', 'sample_index'])
        .where('station_id', '=', station)
        .orderBy('sample_index')
        .execute()
      expect(values).toEqual([
        {
          value_raw: '1500',
          value: '1500',
          unit: 'Wh',
          base_unit: 'Wh',
          measurand: 'Energy.Active.Import.Register',
          phase: null,
          sample_index: 0,
        },
        {
          value_raw: '2.1',
          value: '2100',
          unit: 'kWh',
          base_unit: 'Wh',
          measurand: 'Energy.Active.Import.Register',
          phase: null,
          sample_index: 1,
        },
        {
          value_raw: '7.4',
          value: '7400',
          unit: 'kW',
          base_unit: 'W',
          measurand: 'Power.Active.Import',
          phase: null,
          sample_index: 2,
        },
        {
          value_raw: '16',
          value: '16',
          unit: 'A',
          base_unit: 'A',
          measurand: 'Current.Import',
          phase: 'L1',
          sample_index: 3,
        },
      ])
      const s = await world.db
        .selectFrom('stations')
        .selectAll()
        .where('id', '=', station)
        .executeTakeFirstOrThrow()
      expect(s).toMatchObject({ vendor: 'ACME', registration_status: 'Accepted', heartbeat_interval_s: 300 })
      expect(s.last_seen_at).toEqual(new Date('2026-11-26T11:01:00.000Z'))
      expect(s.first_seen_at).toEqual(new Date('2026-11-26T09:59:00.000Z'))
      const c = await world.db
        .selectFrom('connectors')
        .selectAll()
        .where('station_id', '=', station)
        .executeTakeFirstOrThrow()
      expect(c).toMatchObject({ status: 'Charging', meter_register_wh: '2100' })

      await eventually(async () => (await domainEvents(world)).some((e) => e.name === 'session.completed'))
      const names = (await domainEvents(world)).filter((e) => e.data.stationId === station).map((e) => e.name)
      expect(names.sort()).toEqual(
        [
          'station.registered',
          'connector.status_changed',
          'connector.status_recorded',
          'session.started',
          'connector.status_changed',
          'connector.status_recorded',
          'meter.sampled',
          'session.completed',
        ].sort(),
      )
      const sampled = (await domainEvents(world)).find((e) => e.name === 'meter.sampled')
      expect(sampled?.data).toMatchObject({
        transactionId: 9001,
        readings: [
          { at: '2026-11-26T10:05:00.000Z', registerWh: 1500 },
          { at: '2026-11-26T10:10:00.000Z', registerWh: 2100 },
        ],
      })
      const completed = (await domainEvents(world)).find((e) => e.name === 'session.completed')
      expect(completed?.data).toMatchObject({ energyWh: 4000, durationS: 3600, transactionId: 9001 })
      expect(await count(world.db, 'ingest_outbox')).toBe(0)
    },
    SLOW,
  )

  test(
    'delivered twice (new Nats-Msg-Ids, so JetStream stores them again): nothing changes, no new events',
    async () => {
      const before = await tableCounts(world.db)
      const eventsBefore = (await domainEvents(world)).length
      await ingestAll(world, messages, (m) => `again/${m.messageId}`)
      expect(await tableCounts(world.db)).toEqual(before)
      expect((await domainEvents(world)).length).toBe(eventsBefore)
    },
    SLOW,
  )

  test(
    'replayed from the start of the stream by a second consumer: nothing changes, no new events',
    async () => {
      const before = await tableCounts(world.db)
      const eventsBefore = (await domainEvents(world)).length
      // Five minutes after the station's last heartbeat: online, whatever the replay goes through.
      const replayer = await startTestIngest(
        world,
        { INGEST_DURABLE: 'replay' },
        { clock: testClock('2026-11-26T11:06:00.000Z') },
      )
      try {
        await drained(world, 'replay')
        await replayer.app.maintenance.runOnce()
      } finally {
        await replayer.close()
      }
      expect(await tableCounts(world.db)).toEqual(before)
      expect((await domainEvents(world)).length).toBe(eventsBefore)
    },
    SLOW,
  )
})

describe('out of order', () => {
  test(
    'StopTransaction before its StartTransaction and meter values before both converge to one completed session',
    async () => {
      const station = 'CP-OOO'
      await ingestAll(world, [
        aMeterValues({
          stationId: station,
          transactionId: 9100,
          values: [registerReading('2026-11-26T10:30:00.000Z', 3000)],
        }),
        aStop({
          stationId: station,
          transactionId: 9100,
          meterStop: 4500,
          timestamp: '2026-11-26T11:00:00.000Z',
        }),
      ])
      const stopOnly = await world.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', 9100)
        .executeTakeFirstOrThrow()
      expect(stopOnly).toMatchObject({
        state: 'stop_only',
        meter_stop: 4500,
        started_at: null,
        energy_wh: null,
      })

      await ingestAll(world, [
        aStart({
          stationId: station,
          transactionId: 9100,
          meterStart: 1500,
          timestamp: '2026-11-26T10:00:00.000Z',
        }),
      ])
      const t = await world.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', 9100)
        .executeTakeFirstOrThrow()
      expect(t).toMatchObject({ state: 'completed', energy_wh: '3000', duration_s: 3600, connector_id: 1 })
      expect(await count(world.db, 'meter_values', sql`transaction_id = 9100`)).toBe(1)
      await eventually(async () =>
        (await domainEvents(world)).some(
          (e) => e.name === 'session.completed' && e.data.transactionId === 9100,
        ),
      )
    },
    SLOW,
  )

  test(
    'an older StatusNotification goes to the history but does not overwrite the current status',
    async () => {
      const station = 'CP-STATUS'
      await ingestAll(world, [
        aStatus({ stationId: station, status: 'Charging', timestamp: '2026-11-26T10:10:00.000Z' }),
      ])
      await ingestAll(world, [
        aStatus({ stationId: station, status: 'Preparing', timestamp: '2026-11-26T10:05:00.000Z' }),
      ])
      const c = await world.db
        .selectFrom('connectors')
        .selectAll()
        .where('station_id', '=', station)
        .executeTakeFirstOrThrow()
      expect(c.status).toBe('Charging')
      expect(c.status_at).toEqual(new Date('2026-11-26T10:10:00.000Z'))
      expect(await count(world.db, 'status_events', sql`station_id = ${station}`)).toBe(2)
    },
    SLOW,
  )

  test(
    'last_seen_at is a max: an older message arriving later does not move it back',
    async () => {
      const station = 'CP-SEEN'
      await ingestAll(world, [aHeartbeat({ stationId: station, receivedAt: '2026-11-26T12:00:00.000Z' })])
      await ingestAll(world, [aHeartbeat({ stationId: station, receivedAt: '2026-11-26T11:00:00.000Z' })])
      const s = await world.db
        .selectFrom('stations')
        .selectAll()
        .where('id', '=', station)
        .executeTakeFirstOrThrow()
      expect(s.last_seen_at).toEqual(new Date('2026-11-26T12:00:00.000Z'))
      expect(s.first_seen_at).toEqual(new Date('2026-11-26T11:00:00.000Z'))
    },
    SLOW,
  )
})

describe('StopTransaction for a transaction nobody started', () => {
  test(
    'a positive id is kept as a stop_only transaction; -1 goes to unmatched_stops',
    async () => {
      const station = 'CP-UNKNOWN'
      await ingestAll(world, [
        aStop({ stationId: station, transactionId: 777777, meterStop: 100 }),
        aStop({ stationId: station, transactionId: -1, meterStop: 200, idTag: 'TAG-OFFLINE' }),
      ])
      const t = await world.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', 777777)
        .executeTakeFirstOrThrow()
      expect(t).toMatchObject({ state: 'stop_only', station_id: station, meter_stop: 100 })
      const u = await world.db
        .selectFrom('unmatched_stops')
        .selectAll()
        .where('station_id', '=', station)
        .execute()
      expect(u).toMatchObject([
        { transaction_id: -1, meter_stop: 200, id_tag: 'TAG-OFFLINE', resolved_transaction_id: null },
      ])
    },
    SLOW,
  )
})

describe('partitions', () => {
  test(
    "rows land in their monthly partition, made for ingest's clock; a far-future station clock lands in the future catch-all",
    async () => {
      const station = 'CP-PART'
      const now = ingest.clock()
      await ingestAll(world, [
        aMeterValues({
          stationId: station,
          values: [registerReading(now.toISOString(), 10), registerReading('2099-06-01T00:00:00.000Z', 20)],
        }),
        aStatus({ stationId: station, timestamp: '2099-06-01T00:00:00.000Z' }),
      ])
      const { rows } = await sql<{ partition: string; value: string }>`
        select tableoid::regclass::text as partition, value::text from meter_values where station_id = ${station} order by sampled_at`.execute(
        world.db,
      )
      const month = `${now.getUTCFullYear()}_${String(now.getUTCMonth() + 1).padStart(2, '0')}`
      expect(rows).toEqual([
        { partition: `meter_values_${month}`, value: '10' },
        { partition: 'meter_values_future', value: '20' },
      ])
      const status = await sql<{ partition: string }>`
        select tableoid::regclass::text as partition from status_events where station_id = ${station}`.execute(
        world.db,
      )
      expect(status.rows).toEqual([{ partition: 'status_events_future' }])
    },
    SLOW,
  )

  test(
    "partitions follow ingest's clock, not the database server's",
    async () => {
      const later = await startTestIngest(
        world,
        { INGEST_DURABLE: 'partitions' },
        { clock: testClock('2031-03-15T12:00:00.000Z') },
      )
      try {
        const { rows } = await sql<{ name: string | null }>`
          select to_regclass(name)::text as name
            from unnest(array['meter_values_2031_02', 'meter_values_2031_03', 'meter_values_2031_04',
                              'status_events_2031_03', 'meter_values_2031_05']) as name`.execute(world.db)
        expect(rows.map((r) => r.name)).toEqual([
          'meter_values_2031_02',
          'meter_values_2031_03',
          'meter_values_2031_04',
          'status_events_2031_03',
          null,
        ])
      } finally {
        await later.close()
      }
    },
    SLOW,
  )
})
