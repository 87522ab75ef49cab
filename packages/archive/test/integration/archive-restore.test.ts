import { OcppMessageReceived, Streams } from '@chargebus/events'
import type { ObjectStorage } from '@chargebus/storage'
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import {
  archiveStatus,
  archiveStream,
  checkpointOf,
  manifests,
  restore,
  verifyStream,
} from '../../src/index.ts'
import {
  type ArchiveWorld,
  aStationMessage,
  localDirectory,
  logger,
  openWorld,
  type StorageBackend,
  s3,
} from '../support/archive-fixture.ts'

const limits = { maxMessages: 40, maxBytes: 1024 * 1024, delayMs: 0 }
const now = () => new Date()

/** Every message of a physical stream, as JetStream holds it. */
/** When JetStream stored a message of OCPP_IN: the time restore's from/to are compared with. */
async function storedAt(world: ArchiveWorld, seq: number): Promise<Date> {
  const stored = await world.access.jsm.streams.getMessage(world.access.ns.stream('OCPP_IN'), { seq })
  if (!stored) throw new Error(`OCPP_IN has no message ${seq}`)
  return stored.time
}

async function readAll(world: ArchiveWorld, physical: string): Promise<JsMsg[]> {
  const info = await world.access.jsm.streams.info(physical)
  const consumer = await world.access.js.consumers.get(physical, { deliver_policy: DeliverPolicy.All })
  const out: JsMsg[] = []
  while (out.length < info.state.messages) {
    const batch = await consumer.fetch({ max_messages: 500, expires: 2000 })
    for await (const m of batch) out.push(m)
  }
  return out
}

function headerPairs(m: JsMsg): Array<[string, string[]]> {
  return m.headers ? m.headers.keys().map((k) => [k, m.headers?.values(k) ?? []]) : []
}

describe.each<[string, () => StorageBackend]>([
  ['local directory', localDirectory],
  ['S3', s3],
])('archive and restore (%s)', (_name, makeBackend) => {
  const backend = makeBackend()
  let world: ArchiveWorld
  let storage: ObjectStorage

  beforeAll(async () => {
    await backend.start()
  }, 20_000)
  afterAll(async () => {
    await backend.stop()
  })
  beforeEach(async () => {
    world = await openWorld()
    storage = await backend.open()
    await world.bus.ensureStreams([Streams.OCPP_IN, Streams.DOMAIN])
  })
  afterEach(async () => {
    await world.close()
  })

  const archiveOnce = () =>
    archiveStream({
      access: world.access,
      storage,
      stream: 'OCPP_IN',
      limits,
      gzipLevel: 1,
      now,
      logger,
      once: true,
    })

  test('round-trips messages byte-identical, headers included, and a rerun changes nothing', async () => {
    for (let i = 0; i < 100; i++)
      await world.bus.publish(OcppMessageReceived, aStationMessage(new Date(), `CP-${i % 7}`), {
        msgId: `m-${i}`,
        headers: { 'X-Custom': `v${i}` },
      })
    // A payload that is not UTF-8, with a repeated header, published as any client could.
    const h = headers()
    h.append('Nats-Msg-Id', 'binary-1')
    h.append('X-Twice', 'a')
    h.append('X-Twice', 'b')
    await world.access.js.publish(
      `${world.namespace}.ocpp.in.1_6.CP-9.DataTransfer`,
      new Uint8Array([0xff, 0xfe, 0x00, 0x41]),
      { headers: h },
    )

    const run = await archiveOnce()
    expect(run).toMatchObject({ messages: 101, lost: 0, lastSeq: 101 })
    expect(run.batches).toBeGreaterThanOrEqual(3)
    const again = await archiveOnce()
    expect(again).toMatchObject({ batches: 0, messages: 0, lastSeq: 101 })

    const report = await verifyStream(storage, 'OCPP_IN')
    expect(report).toMatchObject({
      ok: true,
      messages: 101,
      firstSeq: 1,
      lastSeq: 101,
      gaps: [],
      orphans: [],
    })
    const status = (await archiveStatus(world.access, now)).find((s) => s.stream === 'OCPP_IN')
    expect(status).toMatchObject({ archivedSeq: 101, unarchivedMessages: 0, ratio: 0 })

    const result = await restore({
      access: world.access,
      storage,
      stream: 'OCPP_IN',
      // The range in the stream's own clock (nats-server's), which this test's clock need not share.
      from: await storedAt(world, 1),
      to: new Date((await storedAt(world, 101)).getTime() + 1),
      intoMaxBytes: 1024 * 1024,
    })
    expect(result).toMatchObject({ into: 'RESTORED_OCPP_IN', published: 101, duplicates: 0 })

    const originals = await readAll(world, world.access.ns.stream('OCPP_IN'))
    const restored = await readAll(world, world.access.ns.stream('RESTORED_OCPP_IN'))
    expect(restored).toHaveLength(originals.length)
    for (const [i, o] of originals.entries()) {
      const r = restored[i] as JsMsg
      expect(r.subject).toBe(
        `${world.namespace}.restored.RESTORED_OCPP_IN.${world.access.ns.logicalSubject(o.subject)}`,
      )
      expect(Buffer.from(r.data).equals(Buffer.from(o.data))).toBe(true)
      expect(headerPairs(r)).toEqual(headerPairs(o))
    }
    expect(headerPairs(restored.at(-1) as JsMsg)).toEqual([
      ['Nats-Msg-Id', ['binary-1']],
      ['X-Twice', ['a', 'b']],
    ])
  }, 30_000)

  test('two archivers at once: manifests tile the stream with no gap and no duplicate', async () => {
    for (let i = 0; i < 300; i++)
      await world.bus.publish(OcppMessageReceived, aStationMessage(new Date()), { msgId: `m-${i}` })
    const runs = await Promise.all([1, 2].map(() => archiveOnce()))
    expect(Math.max(...runs.map((r) => r.lastSeq))).toBe(300)
    const report = await verifyStream(storage, 'OCPP_IN')
    expect(report).toMatchObject({ ok: true, messages: 300, firstSeq: 1, lastSeq: 300 })
    expect(await checkpointOf(storage, 'OCPP_IN')).toBe(300)
  }, 30_000)

  test('messages that left the stream before archiving are counted as lost, deleted ones as skipped', async () => {
    for (let i = 0; i < 20; i++)
      await world.bus.publish(OcppMessageReceived, aStationMessage(new Date()), { msgId: `m-${i}` })
    const physical = world.access.ns.stream('OCPP_IN')
    await world.access.jsm.streams.purge(physical, { seq: 6 }) // 1..5 gone, as if aged out
    await world.access.jsm.streams.deleteMessage(physical, 10)
    await archiveOnce()
    const all = []
    for await (const m of manifests(storage, 'OCPP_IN')) all.push(m)
    expect(all.flatMap((m) => m.lost)).toEqual([[1, 5]])
    expect(all.flatMap((m) => m.skipped)).toEqual([[10, 10]])
    const report = await verifyStream(storage, 'OCPP_IN')
    expect(report).toMatchObject({ ok: true, messages: 14, lost: 5, firstSeq: 1, lastSeq: 20 })
  }, 30_000)
})
