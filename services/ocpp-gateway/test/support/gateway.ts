import { randomUUID } from 'node:crypto'
import { connectBus } from '@chargebus/bus'
import type { StationMessage } from '@chargebus/events'
import { loadConfig } from '@chargebus/platform'
import { type IdTagRecord, idTagKey, KvBuckets, kvKey, type StationRecord } from '@chargebus/station-registry'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace as namespaceWithPrefix } from '../../../../test/support/nats.ts'
import { buildApp } from '../../src/app.ts'
import { GatewayConfig } from '../../src/config.ts'
import type { JournaledFault } from '../../src/data-access/fault-journal.ts'
import { type OpenedDependencies, openGatewayDependencies } from '../../src/deps.ts'

export const V16_NS = 'urn://Ocpp/Cs/2015/10/'
export const V15_NS = 'urn://Ocpp/Cs/2012/06/'
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope'
export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/'
export const WSA = 'http://www.w3.org/2005/08/addressing'

export interface TestGateway {
  app: ReturnType<typeof buildApp>
  deps: OpenedDependencies
  namespace: string
  /** POSTs a SOAP body (text is sent as UTF-8, bytes as they are); returns status, content type and body text. */
  post(
    xml: string | Buffer,
    opts?: { path?: string; contentType?: string; authorization?: string },
  ): Promise<{ status: number; contentType: string; body: string; headers: Record<string, unknown> }>
  putIdTag(tag: string, record: IdTagRecord): Promise<void>
  putStation(id: string, record: StationRecord): Promise<void>
  /** Every station message of the namespace's OCPP_IN stream (`ocpp.in.>`), oldest first, with its subject. */
  stored(): Promise<Array<{ subject: string; msgId: string | undefined; data: StationMessage }>>
  /** The fault journal (`ocpp.fault.>` in OCPP_IN), oldest first. */
  faults(): Promise<Array<{ subject: string; msgId: string | undefined; data: JournaledFault }>>
  close(): Promise<void>
}

/**
 * The real gateway (real NATS, real Postgres through pgbouncer) in its own bus namespace, built with
 * `buildApp` (not listening). `env` overrides configuration variables; `namespace` joins another test
 * gateway's bus namespace (two replicas sharing streams and KV buckets).
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  opts: { namespace?: string } = {},
): Promise<TestGateway> {
  // A given namespace is shared with another test gateway (a second replica): that one cleans it up.
  const namespace = opts.namespace ?? uniqueNamespace()
  const ownsNamespace = opts.namespace === undefined
  const config = loadConfig(GatewayConfig, {
    DATABASE_URL: process.env.DATABASE_URL,
    NATS_URL,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    OCPP_TRANSACTION_ID_BLOCK_SIZE: '50',
    ...env,
  })
  const logger = pino({ level: config.LOG_LEVEL })
  const deps = await openGatewayDependencies(config, logger, { namespace, streamMaxBytes: 16 * 1024 * 1024 })
  const app = buildApp(deps)
  await app.ready()
  const admin = await openAdmin()
  const prefix = `${namespace.toUpperCase()}_`

  async function waitFor(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000
    while (!check()) {
      if (Date.now() > deadline) throw new Error('KV change did not reach the gateway cache')
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  return {
    app,
    deps,
    namespace,
    async post(xml, opts = {}) {
      const headers: Record<string, string> = {
        'content-type': opts.contentType ?? 'application/soap+xml; charset=utf-8',
      }
      if (opts.authorization !== undefined) headers.authorization = opts.authorization
      const res = await app.inject({ method: 'POST', url: opts.path ?? '/ocpp/1.6', headers, payload: xml })
      return {
        status: res.statusCode,
        contentType: String(res.headers['content-type']),
        body: res.body,
        headers: res.headers,
      }
    },
    async putIdTag(tag, record) {
      const kv = await deps.bus.kv(KvBuckets.idTags)
      await kv.put(idTagKey(tag), JSON.stringify(record))
      await waitFor(() => JSON.stringify(deps.idTags.get(idTagKey(tag))) === JSON.stringify(record))
    },
    async putStation(id, record) {
      const kv = await deps.bus.kv(KvBuckets.stations)
      await kv.put(kvKey(id), JSON.stringify(record))
      await waitFor(() => JSON.stringify(deps.stations.get(kvKey(id))) === JSON.stringify(record))
    },
    async stored() {
      const all = await readStream(admin.jsm, `${prefix}OCPP_IN`)
      return all.filter((m) => m.subject.startsWith(`${namespace}.ocpp.in.`))
    },
    async faults() {
      const all = await readStream(admin.jsm, `${prefix}OCPP_IN`)
      return all
        .filter((m) => m.subject.startsWith(`${namespace}.ocpp.fault.`))
        .map((m) => ({ ...m, data: m.data as unknown as JournaledFault }))
    },
    async close() {
      await app.close()
      await deps.close()
      await admin.nc.close()
      // On a connection of its own: the gateway's may run through a paused proxy (NATS-down tests).
      if (ownsNamespace) await deleteNamespace(namespace)
    },
  }
}

/** Deletes a test namespace's streams and KV buckets over a direct connection to NATS. */
export async function deleteNamespace(namespace: string): Promise<void> {
  const bus = await connectBus({
    servers: NATS_URL,
    name: 'ocpp-gateway-test-cleanup',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  try {
    await bus.deleteNamespace()
  } finally {
    await bus.close()
  }
}

export async function openAdmin(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: NATS_URL, name: 'ocpp-gateway-test-admin' })
  return { nc, jsm: await jetstreamManager(nc) }
}

export async function readStream(
  jsm: JetStreamManager,
  stream: string,
): Promise<Array<{ subject: string; msgId: string | undefined; data: StationMessage }>> {
  const info = await jsm.streams.info(stream)
  const out: Array<{ subject: string; msgId: string | undefined; data: StationMessage }> = []
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const sm = await jsm.streams.getMessage(stream, { seq }).catch(() => null)
    if (!sm) continue
    out.push({ subject: sm.subject, msgId: sm.header?.get('Nats-Msg-Id'), data: sm.json<StationMessage>() })
  }
  return out
}

export interface EnvelopeOptions {
  version?: '1.5' | '1.6'
  /** Body element(s), prefix `cs:` bound to the version's namespace. */
  body: string
  identity?: string | null
  /** undefined: a fresh urn:uuid; null: no MessageID header. */
  messageId?: string | null
  action?: string
  soap?: '1.1' | '1.2'
  from?: string
  /** Namespace bound to `cs:` (wrong-namespace tests). */
  ns?: string
}

/** A station request envelope written the way zeep/gSOAP stations do (prefixes, mustUnderstand, WS-A). */
export function envelope(o: EnvelopeOptions): { xml: string; messageId: string | undefined } {
  const version = o.version ?? '1.6'
  const ns = o.ns ?? (version === '1.6' ? V16_NS : V15_NS)
  const env = o.soap === '1.1' ? SOAP11 : SOAP12
  const messageId = o.messageId === null ? undefined : (o.messageId ?? `urn:uuid:${randomUUID()}`)
  const identity =
    o.identity === null
      ? ''
      : `<cs:chargeBoxIdentity soap:mustUnderstand="true">${o.identity ?? 'CP-1'}</cs:chargeBoxIdentity>`
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${env}" xmlns:wsa="${WSA}" xmlns:cs="${ns}">` +
    `<soap:Header>${identity}` +
    (o.action === undefined ? '' : `<wsa:Action soap:mustUnderstand="true">${o.action}</wsa:Action>`) +
    (messageId === undefined ? '' : `<wsa:MessageID>${messageId}</wsa:MessageID>`) +
    `<wsa:From><wsa:Address>${o.from ?? 'http://10.1.2.3:8080/ocpp/cp/CP-1'}</wsa:Address></wsa:From>` +
    `<wsa:ReplyTo><wsa:Address>${WSA}/anonymous</wsa:Address></wsa:ReplyTo>` +
    `<wsa:To soap:mustUnderstand="true">http://127.0.0.1:3100/ocpp/${version}</wsa:To>` +
    `</soap:Header><soap:Body>${o.body}</soap:Body></soap:Envelope>`
  return { xml, messageId }
}

/** Text of the first element with this local name (any prefix), or undefined. */
export function textOf(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${local}>`).exec(xml)
  return m?.[1]
}

/** Whether the XML has an element with this local name. */
export function hasElement(xml: string, local: string): boolean {
  return new RegExp(`<(?:[\\w-]+:)?${local}[\\s/>]`).test(xml)
}

/** A namespace of this suite's own. */
export function uniqueNamespace(): string {
  return namespaceWithPrefix('gw')
}

export { NATS_URL }
