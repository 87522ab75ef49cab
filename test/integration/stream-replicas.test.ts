import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { freePort } from '../support/cp-server.ts'
import { eventually } from '../support/eventually.ts'
import { uniqueNamespace } from '../support/nats.ts'
import { type NatsCluster, startNatsCluster } from '../support/nats-cluster.ts'
import {
  runServiceToExit,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  startServiceProcess,
} from '../support/service-process.ts'

/*
 * NATS_STREAM_REPLICAS reaches every service: each runs as its own process against a private 3-node cluster
 * with NATS_STREAM_REPLICAS=3, and after each start every stream and KV bucket of the namespace is R3. A
 * service that ignored the setting would declare its streams or buckets at R1 (or scale the shared ones back).
 */

const SLOW = 120_000

describe('every service declares its streams and buckets with NATS_STREAM_REPLICAS', () => {
  const namespace = uniqueNamespace('rep')
  const storage = mkdtempSync(join(tmpdir(), 'replicas-storage-'))
  const running: ServiceProcess[] = []
  let cluster: NatsCluster
  let nc: NatsConnection
  let jsm: JetStreamManager

  beforeAll(async () => {
    cluster = await startNatsCluster(3)
    nc = await connect({ servers: [...cluster.servers] })
    jsm = await jetstreamManager(nc)
  }, SLOW)

  afterAll(async () => {
    await Promise.allSettled(running.map((p) => p.stop()))
    await nc?.close()
    await cluster?.stop()
    rmSync(storage, { recursive: true, force: true })
  }, SLOW)

  /** Every stream of the namespace (KV buckets are streams named KV_<bucket>) with its replica count. */
  async function replicasByStream(): Promise<Record<string, number>> {
    const prefix = `${namespace.toUpperCase()}_`
    const out: Record<string, number> = {}
    for await (const info of jsm.streams.list())
      if (info.config.name.startsWith(prefix) || info.config.name.startsWith(`KV_${prefix}`))
        out[info.config.name] = info.config.num_replicas
    return out
  }

  test(
    'each service, started one after the other, leaves every stream and bucket at R3',
    async () => {
      const env = {
        NATS_URL: cluster.url,
        NATS_STREAM_REPLICAS: '3',
        BUS_NAMESPACE: namespace,
        STORAGE_URL: storage,
      }
      const passive = String(await freePort())
      const extra: Partial<Record<ServiceName, Record<string, string>>> = {
        'ftp-ingest': { FTP_PORT: '0', FTP_PASSIVE_MIN_PORT: passive, FTP_PASSIVE_MAX_PORT: passive },
      }
      let seen = 0
      for (const service of SERVICES) {
        const p = await startServiceProcess(service, { ...env, ...extra[service] })
        running.push(p)
        await eventually(async () => (await fetch(`${p.url}/readyz`)).ok, 30_000).catch(() => {
          throw new Error(`${service} not ready:\n${p.output().slice(-3000)}`)
        })
        const streams = await replicasByStream()
        expect({ service, streams }).toEqual({
          service,
          streams: Object.fromEntries(Object.keys(streams).map((name) => [name, 3])),
        })
        seen = Object.keys(streams).length
      }
      // The catalog streams and the services' buckets (station registry, grants, archive positions...).
      expect(seen).toBeGreaterThanOrEqual(8)
    },
    SLOW,
  )
})

test(
  'a service pointed at a single server with NATS_STREAM_REPLICAS=3 does not start, and says why',
  async () => {
    const { code, output } = await runServiceToExit('ingest', {
      NATS_STREAM_REPLICAS: '3',
      BUS_NAMESPACE: uniqueNamespace('rep'),
    })
    expect(code).not.toBe(0)
    expect(output).toContain('replicas 3 needs a JetStream cluster')
  },
  SLOW,
)

test(
  'NATS_STREAM_REPLICAS outside 1..5 is a configuration error',
  async () => {
    const { code, output } = await runServiceToExit('aggregator', { NATS_STREAM_REPLICAS: '7' })
    expect(code).not.toBe(0)
    expect(output).toContain('NATS_STREAM_REPLICAS must be an integer from 1 to 5 (got "7")')
  },
  SLOW,
)
