import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ArchiveAccess,
  archiveStatus,
  openArchiveAccess,
  readPosition,
  verifyStream,
} from '@chargebus/archive'
import { type Bus, connectBus, streamLimitsFrom } from '@chargebus/bus'
import { OcppMessageReceived, Streams } from '@chargebus/events'
import { createStorage } from '@chargebus/storage'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { pino } from 'pino'
import { eventually } from '../../../../test/support/eventually.ts'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { type ServiceProcess, startServiceProcess } from '../../../../test/support/service-process.ts'

const logger = pino({ level: 'silent' })

let n = 0
function aStationMessage() {
  n++
  return {
    stationId: `CP-${n % 13}`,
    ocppVersion: '1.6' as const,
    action: 'MeterValues',
    messageId: `urn:uuid:archiver-${process.pid}-${n}`,
    receivedAt: new Date().toISOString(),
    payload: { connectorId: 1, values: [{ wh: 1000 + n, pad: 'x'.repeat(600) }] },
    quirks: [],
  }
}

describe('the archiver process', () => {
  let namespace: string
  let dir: string
  let bus: Bus
  let access: ArchiveAccess
  let archiver: ServiceProcess | undefined
  const limitsEnv = { BUS_STREAM_OCPP_IN_MAX_BYTES: '256KiB', BUS_STREAM_OCPP_IN_MAX_AGE: '1h' }

  beforeEach(async () => {
    namespace = uniqueNamespace('arc')
    dir = await mkdtemp(join(tmpdir(), 'chargebus-archiver-'))
    bus = await connectBus({
      servers: NATS_URL,
      name: 'archiver-test',
      namespace,
      logger,
      streamLimits: streamLimitsFrom(limitsEnv),
    })
    await bus.ensureStreams([Streams.OCPP_IN])
    access = await openArchiveAccess({ access: { servers: NATS_URL }, name: 'archiver-test', namespace })
  })

  afterEach(async () => {
    await archiver?.kill()
    archiver = undefined
    await access.close()
    await bus.close()
    const nc = await connect({ servers: NATS_URL })
    const jsm = await jetstreamManager(nc)
    for await (const name of jsm.streams.names())
      if (name.startsWith(`${namespace.toUpperCase()}_`) || name.startsWith(`KV_${namespace.toUpperCase()}_`))
        await jsm.streams.delete(name)
    await nc.close()
    await rm(dir, { recursive: true, force: true })
  })

  const start = () =>
    startServiceProcess('archiver', {
      BUS_NAMESPACE: namespace,
      STORAGE_URL: dir,
      ARCHIVE_STREAMS: 'OCPP_IN',
      ARCHIVE_BATCH_MAX_MESSAGES: '40',
      ARCHIVE_DELAY_MS: '0',
      ...limitsEnv,
    })

  const publish = async (count: number) => {
    for (let i = 0; i < count; i++)
      await bus.publish(OcppMessageReceived, aStationMessage(), { msgId: `m-${n + 1}` })
  }

  const lastSeq = async () => (await access.jsm.streams.info(access.ns.stream('OCPP_IN'))).state.last_seq

  test('killed (SIGKILL) mid-hour, it resumes with no gap, no duplicate and nothing lost', async () => {
    // 120 messages (~110 KB) stay within the 256 KiB stream: whatever the archiver misses, the stream still has.
    archiver = await start()
    await publish(60)
    await eventually(async () => ((await readPosition(access, 'OCPP_IN'))?.lastSeq ?? 0) > 0, 15_000)
    await Promise.all([publish(40), archiver.kill()])
    await publish(20)
    archiver = await start()
    const target = await lastSeq()
    await eventually(async () => (await readPosition(access, 'OCPP_IN'))?.lastSeq === target, 20_000)

    const report = await verifyStream(await createStorage(dir), 'OCPP_IN')
    expect(report).toMatchObject({ ok: true, firstSeq: 1, lastSeq: 120, gaps: [], problems: [] })
    expect(report.lost).toBe(0)
    expect(report.messages).toBe(120)
  }, 60_000)

  test('a tiny stream keeps accepting station messages past its limit; stopped, the alert ratio crosses 0.5', async () => {
    archiver = await start()
    await publish(600) // ~550 KB into a 256 KiB stream: every publish is accepted
    const info = await access.jsm.streams.info(access.ns.stream('OCPP_IN'))
    expect(info.state.last_seq).toBe(600)
    expect(info.state.first_seq).toBeGreaterThan(1)
    expect(info.config.discard).toBe('old')
    await eventually(async () => (await readPosition(access, 'OCPP_IN'))?.lastSeq === 600, 20_000)
    const metrics = await archiver.metrics()
    expect(metrics).toMatch(/chargebus_archive_unarchived_ratio\{[^}]*stream="OCPP_IN"[^}]*\} 0\b/)

    await archiver.stop()
    archiver = undefined
    await publish(200) // ~180 KB unarchived of 256 KiB
    const status = (await archiveStatus(access, () => new Date())).find((s) => s.stream === 'OCPP_IN')
    expect(status?.unarchivedMessages).toBe(200)
    expect(status?.ratio).toBeGreaterThan(0.5)
  }, 60_000)
})
