import { sql } from '@chargebus/db'
import {
  count,
  createWorld,
  domainEvents,
  eventually,
  type IngestWorld,
  startTestIngest,
  type TestIngest,
} from '../../services/ingest/test/support/ingest.ts'
import {
  envelope,
  startTestGateway,
  type TestGateway,
  textOf,
} from '../../services/ocpp-gateway/test/support/gateway.ts'

/*
 * End to end through the real gateway (`buildApp`, SOAP envelopes) and the real ingest, sharing one bus
 * namespace: SOAP request -> JetStream (ocpp.in.>) -> ingest -> Postgres rows and DOMAIN events.
 */

const SLOW = 60_000
let world: IngestWorld
let gateway: TestGateway
let ingest: TestIngest

beforeAll(async () => {
  world = await createWorld()
  gateway = await startTestGateway(
    { OCPP_DATA_TRANSFER_VENDOR_IDS: 'com.acme', OCPP_REGISTRATION: 'known-only' },
    { namespace: world.namespace },
  )
  await gateway.putIdTag('TAG-OK', { status: 'Accepted', parentIdTag: 'FLEET-1' })
  ingest = await startTestIngest(world)
}, SLOW)

afterAll(async () => {
  await ingest?.close()
  await gateway?.close()
  await world?.close()
}, SLOW)

async function call(version: '1.5' | '1.6', identity: string, body: string): Promise<string> {
  const { xml } = envelope({ version, identity, body, from: `http://10.9.0.1:8080/${identity}` })
  const res = await gateway.post(xml, { path: `/ocpp/${version}` })
  expect(res.status).toBe(200)
  return res.body
}

test(
  'a Pending station appears in stations with its registration status, without a callback address',
  async () => {
    await call(
      '1.6',
      'CP-PENDING',
      '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>New-1</cs:chargePointModel></cs:bootNotificationRequest>',
    )
    await eventually(async () => (await count(world.db, 'stations', sql`id = 'CP-PENDING'`)) === 1)
    const s = await world.db
      .selectFrom('stations')
      .selectAll()
      .where('id', '=', 'CP-PENDING')
      .executeTakeFirstOrThrow()
    expect(s).toMatchObject({
      registration_status: 'Pending',
      vendor: 'ACME',
      model: 'New-1',
      ocpp_version: '1.6',
    })
    // Not trusted with a callback until it is Accepted: whoever boots an identity cannot steer its commands.
    expect(s.endpoint_url).toBeNull()
    await eventually(async () =>
      (await domainEvents(world)).some(
        (e) =>
          e.name === 'station.registered' &&
          e.data.stationId === 'CP-PENDING' &&
          e.data.registrationStatus === 'Pending',
      ),
    )
  },
  SLOW,
)

const TS = '2026-11-26T10:00:00.000Z'
const TS_END = '2026-11-26T10:45:00.000Z'

test.each(['1.6', '1.5'] as const)(
  'a full OCPP %s session: rows and domain events',
  async (version) => {
    const station = `CP-E2E-${version.replace('.', '')}`
    await gateway.putStation(station, { registrationStatus: 'Accepted' })
    const boot =
      version === '1.6'
        ? '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>Fast-1</cs:chargePointModel><cs:firmwareVersion>1.2</cs:firmwareVersion></cs:bootNotificationRequest>'
        : '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>Old-1</cs:chargePointModel></cs:bootNotificationRequest>'
    await call(version, station, boot)
    // The station's clock agrees with the gateway's here (no station.clock_skewed).
    const now = new Date().toISOString()
    await call(
      version,
      station,
      version === '1.6'
        ? `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Preparing</cs:status><cs:errorCode>NoError</cs:errorCode><cs:timestamp>${now}</cs:timestamp></cs:statusNotificationRequest>`
        : `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Occupied</cs:status><cs:errorCode>NoError</cs:errorCode><cs:timestamp>${now}</cs:timestamp></cs:statusNotificationRequest>`,
    )
    const started = await call(
      version,
      station,
      `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG-OK</cs:idTag><cs:timestamp>${TS}</cs:timestamp><cs:meterStart>1000</cs:meterStart></cs:startTransactionRequest>`,
    )
    const transactionId = Number(textOf(started, 'transactionId'))
    expect(transactionId).toBeGreaterThan(0)
    await call(
      version,
      station,
      version === '1.6'
        ? `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${transactionId}</cs:transactionId><cs:meterValue><cs:timestamp>2026-11-26T10:15:00.000Z</cs:timestamp><cs:sampledValue><cs:value>1.8</cs:value><cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:unit>kWh</cs:unit></cs:sampledValue><cs:sampledValue><cs:value>230.5</cs:value><cs:measurand>Voltage</cs:measurand><cs:phase>L1-N</cs:phase><cs:unit>V</cs:unit></cs:sampledValue></cs:meterValue></cs:meterValuesRequest>`
        : `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${transactionId}</cs:transactionId><cs:values><cs:timestamp>2026-11-26T10:15:00.000Z</cs:timestamp><cs:value unit="kWh" measurand="Energy.Active.Import.Register">1.8</cs:value><cs:value unit="Volt" measurand="Voltage">230.5</cs:value></cs:values></cs:meterValuesRequest>`,
    )
    await call(
      version,
      station,
      `<cs:stopTransactionRequest><cs:transactionId>${transactionId}</cs:transactionId><cs:idTag>TAG-OK</cs:idTag><cs:timestamp>${TS_END}</cs:timestamp><cs:meterStop>3500</cs:meterStop></cs:stopTransactionRequest>`,
    )
    await call(
      version,
      station,
      '<cs:dataTransferRequest><cs:vendorId>com.acme</cs:vendorId><cs:messageId>cfg</cs:messageId><cs:data>{"a":1}</cs:data></cs:dataTransferRequest>',
    )
    await call(
      version,
      station,
      '<cs:firmwareStatusNotificationRequest><cs:status>Installed</cs:status></cs:firmwareStatusNotificationRequest>',
    )
    await call(
      version,
      station,
      '<cs:diagnosticsStatusNotificationRequest><cs:status>Uploaded</cs:status></cs:diagnosticsStatusNotificationRequest>',
    )
    await call(version, station, '<cs:heartbeatRequest/>')

    await eventually(
      async () => (await count(world.db, 'station_messages', sql`station_id = ${station}`)) === 3,
    )
    await eventually(async () => {
      const t = await world.db
        .selectFrom('transactions')
        .select('state')
        .where('id', '=', transactionId)
        .executeTakeFirst()
      return t?.state === 'completed'
    })
    const t = await world.db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', transactionId)
      .executeTakeFirstOrThrow()
    expect(t).toMatchObject({
      station_id: station,
      connector_id: 1,
      id_tag: 'TAG-OK',
      id_tag_status: 'Accepted',
      meter_start: 1000,
      meter_stop: 3500,
      energy_wh: '2500',
      duration_s: 2700,
      stop_id_tag_status: 'Accepted',
    })
    const s = await world.db
      .selectFrom('stations')
      .selectAll()
      .where('id', '=', station)
      .executeTakeFirstOrThrow()
    expect(s).toMatchObject({
      registration_status: 'Accepted',
      vendor: 'ACME',
      ocpp_version: version,
      firmware_status: 'Installed',
      diagnostics_status: 'Uploaded',
    })
    const c = await world.db
      .selectFrom('connectors')
      .selectAll()
      .where('station_id', '=', station)
      .executeTakeFirstOrThrow()
    // 1.5 Occupied is stored as its 1.6 equivalent
    expect(c.status).toBe(version === '1.6' ? 'Preparing' : 'Charging')
    const values = await world.db
      .selectFrom('meter_values')
      .select(['measurand', 'unit', 'value', 'base_unit', 'transaction_id'])
      .where('station_id', '=', station)
      .orderBy('sample_index')
      .execute()
    expect(values).toEqual([
      {
        measurand: 'Energy.Active.Import.Register',
        unit: 'kWh',
        value: '1800',
        base_unit: 'Wh',
        transaction_id: transactionId,
      },
      { measurand: 'Voltage', unit: 'V', value: '230.5', base_unit: 'V', transaction_id: transactionId },
    ])
    const transfer = await world.db
      .selectFrom('station_messages')
      .selectAll()
      .where('station_id', '=', station)
      .where('action', '=', 'DataTransfer')
      .executeTakeFirstOrThrow()
    expect(transfer).toMatchObject({
      vendor_id: 'com.acme',
      data_message_id: 'cfg',
      data: '{"a":1}',
      status: 'Accepted',
    })

    await eventually(async () =>
      (await domainEvents(world)).some((e) => e.name === 'session.completed' && e.data.stationId === station),
    )
    const events = (await domainEvents(world)).filter((e) => e.data.stationId === station)
    expect(events.map((e) => e.name).sort()).toEqual(
      [
        'connector.status_changed',
        'connector.status_recorded',
        'meter.sampled',
        'session.completed',
        'session.started',
        'station.registered',
      ].sort(),
    )
    const completed = events.find((e) => e.name === 'session.completed')
    expect(completed?.data).toMatchObject({ transactionId, energyWh: 2500, durationS: 2700, idTag: 'TAG-OK' })
    expect(completed?.subject).toBe(`session.${station}.completed`)
    // Nats-Msg-Id derives from the source message, so a republish after a crash is stored once.
    expect(completed?.msgId).toMatch(new RegExp(`^session\\.completed:${station}/urn:uuid:`))
  },
  SLOW,
)
