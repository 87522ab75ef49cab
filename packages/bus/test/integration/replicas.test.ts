import { OcppMessageReceived, Streams } from '@chargebus/events'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { type NatsCluster, startNatsCluster } from '../../../../test/support/nats-cluster.ts'
import { type Bus, connectBus, InvalidBusOptionsError, StreamConflictError } from '../../src/index.ts'
import { aStationMessage, closeTestBus, NATS_URL, openAdmin, testLogger, uniqueNamespace } from './helpers.ts'

/*
 * NATS_STREAM_REPLICAS reaches every stream and KV bucket a bus declares. The shared server is one node: it
 * shows the R1 path and that a count it cannot host is refused with nothing changed. A private 3-node cluster
 * shows R3 creation and the decision for an existing stream or bucket at another count: scaled in place.
 */

const SMALL = 1024 * 1024

function open(servers: string, namespace: string, replicas?: number): Promise<Bus> {
  return connectBus({
    servers,
    name: 'replicas-test',
    namespace,
    logger: testLogger,
    ...(replicas !== undefined ? { replicas } : {}),
  })
}

async function replicasOf(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).config.num_replicas
}

test.each([0, 6, 2.5, -1])('replicas %p is refused before anything connects', async (replicas) => {
  await expect(open('nats://127.0.0.1:1', uniqueNamespace(), replicas)).rejects.toThrow(
    new InvalidBusOptionsError('replicas must be an integer from 1 to 5'),
  )
})

describe('on the shared single server', () => {
  let admin: Awaited<ReturnType<typeof openAdmin>>
  const buses: Bus[] = []
  beforeAll(async () => {
    admin = await openAdmin()
  })
  afterAll(async () => {
    await admin.nc.close()
    for (const bus of buses) await closeTestBus(bus)
  })

  test('replicas 1 (the default) declares R1 streams and buckets', async () => {
    const bus = await open(NATS_URL, uniqueNamespace(), 1)
    buses.push(bus)
    await bus.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    await (await bus.kv('replica_probe')).put('k', 'v')
    const prefix = bus.namespace.toUpperCase()
    expect(await replicasOf(admin.jsm, `${prefix}_OCPP_IN`)).toBe(1)
    expect(await replicasOf(admin.jsm, `KV_${prefix}_replica_probe`)).toBe(1)
  })

  test('replicas 3 is refused by a single server before anything is declared; R1 streams and buckets stay', async () => {
    const namespace = uniqueNamespace()
    const r1 = await open(NATS_URL, namespace)
    buses.push(r1)
    await r1.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    await r1.publish(OcppMessageReceived, aStationMessage(), { msgId: 'r-1' })
    await (await r1.kv('replica_probe')).put('k', 'kept')

    // nats-server 2.9 alone would accept raising the stream to 3 and report 3 while it keeps one copy.
    await expect(open(NATS_URL, namespace, 3)).rejects.toThrow(
      new InvalidBusOptionsError(
        `replicas 3 needs a JetStream cluster; the NATS server at ${NATS_URL} is a single server (use replicas 1)`,
      ),
    )
    const info = await admin.jsm.streams.info(`${namespace.toUpperCase()}_OCPP_IN`)
    expect(info.config.num_replicas).toBe(1)
    expect(info.state.messages).toBe(1)
    expect(await replicasOf(admin.jsm, `KV_${namespace.toUpperCase()}_replica_probe`)).toBe(1)
    expect((await (await r1.kv('replica_probe')).get('k'))?.string()).toBe('kept')
  })
})

describe('on a 3-node cluster', () => {
  let cluster: NatsCluster
  let nc: NatsConnection
  let jsm: JetStreamManager
  const buses: Bus[] = []
  beforeAll(async () => {
    cluster = await startNatsCluster(3)
    nc = await connect({ servers: [...cluster.servers] })
    jsm = await jetstreamManager(nc)
  }, 60_000)
  afterAll(async () => {
    for (const bus of buses) await bus.close()
    await nc?.close()
    await cluster?.stop()
  })

  test('replicas 3 creates R3 streams and buckets, placed on every node', async () => {
    const bus = await open(cluster.url, uniqueNamespace(), 3)
    buses.push(bus)
    await bus.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    await (await bus.kv('replica_probe')).put('k', 'v')
    const prefix = bus.namespace.toUpperCase()
    const info = await jsm.streams.info(`${prefix}_OCPP_IN`)
    expect(info.config.num_replicas).toBe(3)
    // The leader plus two followers: three copies.
    expect(info.cluster?.replicas).toHaveLength(2)
    expect(await replicasOf(jsm, `KV_${prefix}_replica_probe`)).toBe(3)
    expect((await bus.publish(OcppMessageReceived, aStationMessage(), { msgId: 'c-1' })).seq).toBe(1)
  })

  test('an existing R1 stream and bucket are scaled to R3 in place, their content kept', async () => {
    const namespace = uniqueNamespace()
    const r1 = await open(cluster.url, namespace)
    buses.push(r1)
    await r1.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    for (let n = 1; n <= 3; n++) await r1.publish(OcppMessageReceived, aStationMessage(), { msgId: `s-${n}` })
    await (await r1.kv('replica_probe')).put('k', 'kept')
    const stream = `${namespace.toUpperCase()}_OCPP_IN`
    expect(await replicasOf(jsm, stream)).toBe(1)

    const r3 = await open(cluster.url, namespace, 3)
    buses.push(r3)
    await r3.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    const kv = await r3.kv('replica_probe')

    const info = await jsm.streams.info(stream)
    expect(info.config.num_replicas).toBe(3)
    expect(info.state.messages).toBe(3)
    expect(await replicasOf(jsm, `KV_${namespace.toUpperCase()}_replica_probe`)).toBe(3)
    expect((await kv.get('k'))?.string()).toBe('kept')
    // Declaring again at the same count changes nothing (idempotent).
    await r3.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    expect((await jsm.streams.info(stream)).config.num_replicas).toBe(3)
  })

  test('a count the cluster cannot host (5 on 3 nodes) is refused with the counts named; nothing changes', async () => {
    const namespace = uniqueNamespace()
    const r1 = await open(cluster.url, namespace)
    buses.push(r1)
    await r1.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    await r1.publish(OcppMessageReceived, aStationMessage(), { msgId: 'f-1' })
    await (await r1.kv('replica_probe')).put('k', 'kept')
    const stream = `${namespace.toUpperCase()}_OCPP_IN`

    const r5 = await open(cluster.url, namespace, 5)
    buses.push(r5)
    const refused = r5.ensureStreams([Streams.OCPP_IN], { maxBytes: SMALL })
    await expect(refused).rejects.toBeInstanceOf(StreamConflictError)
    await expect(refused).rejects.toThrow(
      `stream ${stream}: cannot update num_replicas (num_replicas 1 -> 5): `,
    )
    await expect(r5.kv('replica_probe')).rejects.toThrow(
      /^kv replica_probe: cannot change num_replicas 1 -> 5: /,
    )
    const info = await jsm.streams.info(stream)
    expect(info.config.num_replicas).toBe(1)
    expect(info.state.messages).toBe(1)
    expect(await replicasOf(jsm, `KV_${namespace.toUpperCase()}_replica_probe`)).toBe(1)
    expect((await (await r1.kv('replica_probe')).get('k'))?.string()).toBe('kept')
  })
})
