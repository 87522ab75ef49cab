import type { StoredEvent } from '@chargebus/bus'
import { sql } from '@chargebus/db'
import {
  type AnyEventDefinition,
  FtpFileParsed,
  FtpFileReceived,
  FtpFileRejected,
  MeterSampled,
  Streams,
} from '@chargebus/events'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { startTestEdge, type TestEdge } from '../../services/ftp-ingest/test/support/ftp-edge.ts'
import {
  domainEvents,
  type IngestWorld,
  SLOW,
  startTestIngest,
  type TestIngest,
} from '../../services/ingest/test/support/ingest.ts'
import { eventually } from '../support/eventually.ts'
import { NATS_URL } from '../support/nats.ts'

/*
 * Issue 16's promise for meter logs, end to end with the real services: a CSV uploaded with basic-ftp through
 * the FTP edge is parsed by ftp-ingest's consumer and stored by ingest's consumer in meter_values, each reading
 * once: the same bytes again, a redelivered event, or another file repeating rows add no row and no event; a
 * file with a formula is rejected whole and stays stored.
 */

const STATION = 'CP-CSV'
const HEADER = 'timestamp,connector_id,measurand,value,unit,transaction_id'
const FIRST = [
  HEADER,
  '2026-11-26T10:00:00Z,1,Energy.Active.Import.Register,15.2,kWh,42',
  '2026-11-26T11:15:00+01:00,1,Energy.Active.Import.Register,15900,Wh,42',
  '2026-11-26T10:15:00Z,1,Voltage,231.4,V',
].join('\r\n')
// Overlaps FIRST on two readings (one with another value: the first stored stays) and adds one.
const OVERLAPPING = [
  '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,15.9,kWh,42',
  '2026-11-26T10:15:00Z,1,Voltage,999,V',
  '2026-11-26T10:30:00Z,1,Energy.Active.Import.Register,16.4,kWh,42',
].join('\n')

let edge: TestEdge
let ingest: TestIngest
let world: IngestWorld
let nc: NatsConnection

beforeAll(async () => {
  edge = await startTestEdge()
  await edge.addStation(STATION, 'pw-csv')
  nc = await connect({ servers: NATS_URL, name: 'ftp-meter-logs-test' })
  // Ingest on the edge's database and namespace: the two services meet on the FTP stream as in production.
  world = {
    namespace: edge.namespace,
    database: edge.database,
    db: edge.db,
    admin: { nc, jsm: await jetstreamManager(nc) },
    publisher: edge.bus,
    close: async () => {},
  }
  ingest = await startTestIngest(world)
}, SLOW)

afterAll(async () => {
  await ingest?.close()
  await edge?.close()
  await nc?.close()
}, SLOW)

async function upload(name: string, text: string): Promise<string> {
  const reply = await edge.upload(STATION, 'pw-csv', name, Buffer.from(text))
  expect(reply.code).toBe(226)
  const row = await edge.db
    .selectFrom('ftp_files')
    .select('id')
    .where('name', '=', name)
    .orderBy('received_at', 'desc')
    .executeTakeFirstOrThrow()
  return row.id
}

/** Both consumers on the FTP stream have nothing pending or unacked. */
async function settled(): Promise<void> {
  const stream = `${edge.namespace.toUpperCase()}_FTP`
  await eventually(async () => {
    for (const durable of ['ftp-ingest-meter-logs', 'ingest-ftp-meter-logs']) {
      const info = await world.admin.jsm.consumers.info(stream, durable).catch(() => null)
      if (info === null || info.num_pending > 0 || info.num_ack_pending > 0) return false
    }
    return true
  })
}

async function ftpEvents<E extends AnyEventDefinition>(event: E) {
  const bounds = await edge.bus.streamBounds(Streams.FTP)
  const out: StoredEvent<E>[] = []
  if (bounds.messages === 0) return out
  for await (const page of edge.bus.read(Streams.FTP, [event], {
    from: { seq: bounds.firstSeq },
    toSeq: bounds.lastSeq,
    pageSize: 100,
  }))
    out.push(...page.events)
  return out
}

async function meterValues() {
  const { rows } = await sql<{
    sampled_at: Date
    measurand: string
    value: string
    unit: string
    transaction_id: number | null
    source_action: string
  }>`select sampled_at, measurand, value::text as value, unit, transaction_id, source_action
       from meter_values where station_id = ${STATION} order by sampled_at, measurand`.execute(edge.db)
  return rows.map((r) => ({ ...r, sampled_at: r.sampled_at.toISOString() }))
}

async function fileRow(id: string) {
  return edge.db
    .selectFrom('ftp_files')
    .select([
      'parse_status',
      'parse_profile',
      'parsed_rows',
      'rejected_line',
      'rejected_code',
      'rejected_reason',
      'parsed_at',
      'object_key',
      'duplicate_of',
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

const sampledReadings = async () =>
  (await domainEvents(world))
    .filter((e) => e.name === MeterSampled.name)
    .map((e) => ({ msgId: e.msgId, readings: e.data.readings }))

let firstId: string

test(
  'a CSV uploaded over FTP becomes meter_values rows and meter.sampled, through both consumers',
  async () => {
    firstId = await upload('meter-1.csv', FIRST)
    await settled()
    await eventually(async () => (await meterValues()).length === 3)
    expect(await meterValues()).toEqual([
      {
        sampled_at: '2026-11-26T10:00:00.000Z',
        measurand: 'Energy.Active.Import.Register',
        value: '15200',
        unit: 'kWh',
        transaction_id: 42,
        source_action: 'FtpMeterLog',
      },
      {
        sampled_at: '2026-11-26T10:15:00.000Z',
        measurand: 'Energy.Active.Import.Register',
        value: '15900',
        unit: 'Wh',
        transaction_id: 42,
        source_action: 'FtpMeterLog',
      },
      {
        sampled_at: '2026-11-26T10:15:00.000Z',
        measurand: 'Voltage',
        value: '231.4',
        unit: 'V',
        transaction_id: null,
        source_action: 'FtpMeterLog',
      },
    ])
    expect(await fileRow(firstId)).toMatchObject({
      parse_status: 'parsed',
      parse_profile: 'default',
      parsed_rows: 3,
      rejected_line: null,
    })
    const parsed = await ftpEvents(FtpFileParsed)
    expect(parsed.map((e) => [e.msgId, e.data.part, e.data.parts, e.data.rows.length])).toEqual([
      [`ftp.file.parsed:${firstId}:1`, 1, 1, 3],
    ])
    await eventually(async () => (await sampledReadings()).length === 1)
    expect((await sampledReadings())[0]?.readings).toEqual([
      { at: '2026-11-26T10:00:00.000Z', registerWh: 15200 },
      { at: '2026-11-26T10:15:00.000Z', registerWh: 15900 },
    ])
  },
  SLOW,
)

test(
  'the same bytes again, a redelivered event and an overlapping file add only the reading that is new',
  async () => {
    const parsedAt = (await fileRow(firstId)).parsed_at
    const againId = await upload('meter-1-again.csv', FIRST)
    expect((await fileRow(againId)).duplicate_of).toBe(firstId)
    // A redelivery of the first file's event (a new msg id, so JetStream stores it again): parsed again, the same
    // parts republished under the same msg ids.
    const [received] = (await edge.received()).filter((e) => e.fileId === firstId)
    const redelivered = await edge.bus.publish(FtpFileReceived, received as never, {
      msgId: `redelivered:${firstId}`,
    })
    await settled()
    // ftp-ingest did handle it (acked past it), and what it republished was stored once.
    const parser = await world.admin.jsm.consumers.info(
      `${edge.namespace.toUpperCase()}_FTP`,
      'ftp-ingest-meter-logs',
    )
    expect(parser.ack_floor.stream_seq).toBeGreaterThanOrEqual(redelivered.seq)
    expect(await meterValues()).toHaveLength(3)
    expect(await ftpEvents(FtpFileParsed)).toHaveLength(1)
    expect(await fileRow(againId)).toMatchObject({ parse_status: null })
    expect((await fileRow(firstId)).parsed_at).toEqual(parsedAt)

    const overlapId = await upload('meter-2.csv', OVERLAPPING)
    await settled()
    await eventually(async () => (await meterValues()).length === 4)
    const rows = await meterValues()
    expect(rows.find((r) => r.measurand === 'Voltage')?.value).toBe('231.4')
    expect(rows.at(-1)).toMatchObject({ sampled_at: '2026-11-26T10:30:00.000Z', value: '16400' })
    expect(await fileRow(overlapId)).toMatchObject({ parse_status: 'parsed', parsed_rows: 3 })
    await eventually(async () => (await sampledReadings()).length === 2)
    expect((await sampledReadings())[1]?.readings).toEqual([
      { at: '2026-11-26T10:30:00.000Z', registerWh: 16400 },
    ])
    // Nothing left behind in ingest's outbox either.
    expect(await edge.db.selectFrom('ingest_outbox').select('id').execute()).toEqual([])
  },
  SLOW,
)

test(
  'a file with a formula on line 3 is rejected with line 3 and the reason, imports nothing and stays stored',
  async () => {
    const before = await meterValues()
    const bad = [
      HEADER,
      '2026-11-27T10:00:00Z,1,Energy.Active.Import.Register,20.0,kWh,43',
      '2026-11-27T10:15:00Z,1,Energy.Active.Import.Register,"=HYPERLINK(""http://evil"")",kWh,43',
      '2026-11-27T10:30:00Z,1,Energy.Active.Import.Register,21.0,kWh,43',
    ].join('\n')
    const badId = await upload('meter-bad.csv', bad)
    await settled()
    await eventually(async () => (await fileRow(badId)).parse_status !== null)
    const row = await fileRow(badId)
    expect(row).toMatchObject({
      parse_status: 'rejected',
      rejected_line: 3,
      rejected_code: 'formula',
      parsed_rows: null,
    })
    expect(row.rejected_reason).toMatch(/column 4 \(value\): .* starts like a spreadsheet formula/)
    const rejected = await ftpEvents(FtpFileRejected)
    expect(rejected.map((e) => [e.msgId, e.data.fileId, e.data.line, e.data.code])).toEqual([
      [`ftp.file.rejected:${badId}`, badId, 3, 'formula'],
    ])
    expect((await ftpEvents(FtpFileParsed)).filter((e) => e.data.fileId === badId)).toEqual([])
    expect(await meterValues()).toEqual(before)
    expect(await edge.deps.storage.head(row.object_key)).toBeDefined()
  },
  SLOW,
)

test(
  'files that are not meter logs are not parsed',
  async () => {
    const id = await upload('diagnostics.zip', 'PK\u0003\u0004 not a csv')
    await settled()
    expect(await fileRow(id)).toMatchObject({ parse_status: null, parsed_rows: null })
    // So far: meter-1 (twice: the redelivery parsed it again), meter-2; the bad file; one duplicate; this one.
    const metrics = (await edge.app.inject('/metrics')).body
    for (const [outcome, n] of [
      ['parsed', 3],
      ['rejected', 1],
      ['duplicate', 1],
      ['not-a-meter-log', 1],
    ] as const)
      expect(metrics).toContain(`ftp_meter_logs_total{outcome="${outcome}",service="ftp-ingest"} ${n}`)
    expect(
      [...(await ftpEvents(FtpFileParsed)), ...(await ftpEvents(FtpFileRejected))].map((e) => e.data.fileId),
    ).not.toContain(id)
  },
  SLOW,
)

test(
  'a log of 2,500 rows is published in three parts and stored whole',
  async () => {
    const start = Date.parse('2026-11-28T00:00:00Z')
    const lines = Array.from(
      { length: 2500 },
      (_, i) => `${new Date(start + i * 60_000).toISOString()},2,Voltage,${230 + (i % 10)},V`,
    )
    const before = (await meterValues()).length
    const id = await upload('meter-big.csv', lines.join('\n'))
    await settled()
    await eventually(async () => (await meterValues()).length === before + 2500)
    const parts = (await ftpEvents(FtpFileParsed)).filter((e) => e.data.fileId === id)
    expect(parts.map((e) => [e.msgId, e.data.part, e.data.parts, e.data.rows.length])).toEqual([
      [`ftp.file.parsed:${id}:1`, 1, 3, 1000],
      [`ftp.file.parsed:${id}:2`, 2, 3, 1000],
      [`ftp.file.parsed:${id}:3`, 3, 3, 500],
    ])
    expect(parts.flatMap((e) => e.data.rows.map((r) => r.line))).toEqual(lines.map((_, i) => i + 1))
    expect(await fileRow(id)).toMatchObject({ parse_status: 'parsed', parsed_rows: 2500 })
  },
  SLOW,
)
