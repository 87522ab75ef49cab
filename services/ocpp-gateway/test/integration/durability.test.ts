import { parseDatabaseUrl, sql, withPort } from '@chargebus/db'
import { testDb } from '../../../../test/support/database.ts'
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.ts'
import {
  envelope,
  hasElement,
  NATS_URL,
  openAdmin,
  readStream,
  startTestGateway,
  type TestGateway,
  textOf,
} from '../support/gateway.ts'

/*
 * "Durable before answered": a station gets a success only after JetStream stored its message, a retry is
 * stored once and answered as the first time, and Postgres being down does not stop the station traffic.
 */

const start = (station: string, messageId?: string | null) =>
  envelope({
    identity: station,
    messageId,
    body:
      '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>ANY</cs:idTag>' +
      '<cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>',
  })

const heartbeat = (station: string) => envelope({ identity: station, body: '<cs:heartbeatRequest/>' })

describe('a retried message', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway({ OCPP_AUTHORIZE_UNKNOWN: 'true' })
  })
  afterAll(() => gw?.close())

  test('is stored once and gets the same transactionId', async () => {
    const first = start('CP-retry')
    const a = await gw.post(first.xml)
    const b = await gw.post(first.xml)
    expect(a.status).toBe(200)
    expect(b.status).toBe(200)
    expect(textOf(b.body, 'transactionId')).toBe(textOf(a.body, 'transactionId'))
    expect(textOf(b.body, 'RelatesTo')).toBe(first.messageId)
    expect((await gw.stored()).filter((m) => m.data.stationId === 'CP-retry')).toHaveLength(1)

    // a new MessageID is a new transaction
    const c = await gw.post(start('CP-retry').xml)
    expect(textOf(c.body, 'transactionId')).not.toBe(textOf(a.body, 'transactionId'))
    expect((await gw.stored()).filter((m) => m.data.stationId === 'CP-retry')).toHaveLength(2)
  })

  test('transaction ids come from a block reserved in Postgres', async () => {
    const res = await gw.post(start('CP-seq').xml)
    const id = Number(textOf(res.body, 'transactionId'))
    const db = testDb({ poolSize: 1 })
    try {
      const { rows } = await sql<{ last_value: number }>`select last_value from transaction_id_seq`.execute(
        db,
      )
      // the sequence moved past the whole block this gateway holds, so no other allocator can get `id`
      expect(Number(rows[0]?.last_value)).toBeGreaterThanOrEqual(id + gw.deps.transactionIds.available())
    } finally {
      await db.destroy()
    }
  })

  test('is answered from the stored copy by another gateway replica (own id blocks)', async () => {
    const replica = await startTestGateway({ OCPP_AUTHORIZE_UNKNOWN: 'true' }, { namespace: gw.namespace })
    try {
      const msg = start('CP-replica')
      const a = await gw.post(msg.xml)
      const viaReplica = await replica.post(msg.xml)
      expect(viaReplica.status).toBe(200)
      expect(textOf(viaReplica.body, 'transactionId')).toBe(textOf(a.body, 'transactionId'))
      // the replica reserved its own block: a new message there gets an id from it
      const fresh = await replica.post(start('CP-replica').xml)
      expect(textOf(fresh.body, 'transactionId')).not.toBe(textOf(a.body, 'transactionId'))
      expect((await gw.stored()).filter((m) => m.data.stationId === 'CP-replica')).toHaveLength(2)
    } finally {
      await replica.close()
    }
  })

  test('without a MessageID, a byte-identical retry is stored once (content hash)', async () => {
    const msg = start('CP-nomid', null)
    const a = await gw.post(msg.xml)
    const b = await gw.post(msg.xml)
    expect(textOf(b.body, 'transactionId')).toBe(textOf(a.body, 'transactionId'))
    expect(hasElement(a.body, 'RelatesTo')).toBe(false)
    const stored = (await gw.stored()).filter((m) => m.data.stationId === 'CP-nomid')
    expect(stored).toHaveLength(1)
    expect(stored[0]?.data.quirks).toContain('no-message-id')
    expect(stored[0]?.msgId).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  test('the same MessageID from two stations is two messages', async () => {
    const a = start('CP-a', 'urn:uuid:shared-id')
    const b = start('CP-b', 'urn:uuid:shared-id')
    await gw.post(a.xml)
    await gw.post(b.xml)
    const stored = (await gw.stored()).filter((m) => m.data.messageId === 'urn:uuid:shared-id')
    expect(stored.map((m) => m.data.stationId).sort()).toEqual(['CP-a', 'CP-b'])
  })
})

describe('NATS down', () => {
  let proxy: TcpProxy
  let gw: TestGateway
  beforeAll(async () => {
    const nats = new URL(NATS_URL)
    proxy = await startTcpProxy({ targetHost: nats.hostname, targetPort: Number(nats.port || 4222) })
    gw = await startTestGateway({
      NATS_URL: `nats://127.0.0.1:${proxy.port}`,
      OCPP_PUBLISH_TIMEOUT_MS: '400',
    })
  })
  afterAll(async () => {
    await proxy?.resume().catch(() => {})
    await gw?.close()
    await proxy?.close()
  })

  test('a station gets a Receiver fault and nothing is stored', async () => {
    expect((await gw.post(heartbeat('CP-before').xml)).status).toBe(200)
    await proxy.pause('refuse')

    const res = await gw.post(start('CP-down').xml)
    expect(res.status).toBe(500)
    expect(textOf(res.body, 'Value')).toBe('s:Receiver')
    expect(res.body).toContain('the message could not be stored, try again later')
    expect(res.body).not.toMatch(/nats|timeout|PubAck/i) // no internals leak
    expect(textOf(res.body, 'Action')).toBe('http://www.w3.org/2005/08/addressing/soap/fault')

    const ready = await gw.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)

    // an outside observer, straight to NATS: only the message from before the outage is there
    const admin = await openAdmin()
    try {
      const stored = await readStream(admin.jsm, `${gw.namespace.toUpperCase()}_OCPP_IN`)
      expect(stored.map((m) => m.data.stationId)).toEqual(['CP-before'])
    } finally {
      await admin.nc.close()
    }
  })
})

describe('Postgres down', () => {
  let proxy: TcpProxy
  let gw: TestGateway
  beforeAll(async () => {
    const url = process.env.DATABASE_URL as string
    const { host, port } = parseDatabaseUrl(url)
    proxy = await startTcpProxy({ targetHost: host, targetPort: port })
    gw = await startTestGateway({
      DATABASE_URL: withPort(url, proxy.port),
      OCPP_TRANSACTION_ID_BLOCK_SIZE: '10',
      OCPP_AUTHORIZE_UNKNOWN: 'true',
    })
  })
  afterAll(async () => {
    await proxy?.resume().catch(() => {})
    await gw?.close()
    await proxy?.close()
  })

  test('stations keep getting answers, StartTransaction from the reserved block until it is used up', async () => {
    expect(gw.deps.transactionIds.available()).toBe(10)
    await proxy.pause('refuse')

    const ids: number[] = []
    for (let i = 0; i < 10; i++) {
      const res = await gw.post(start(`CP-pg-${i}`).xml)
      expect(res.status).toBe(200)
      ids.push(Number(textOf(res.body, 'transactionId')))
    }
    expect(new Set(ids).size).toBe(10)
    expect((await gw.post(heartbeat('CP-pg-hb').xml)).status).toBe(200)
    expect((await gw.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)

    // reserve used up while Postgres is still down: the station is told to retry, nothing is stored
    const exhausted = start('CP-pg-late')
    const res = await gw.post(exhausted.xml)
    expect(res.status).toBe(500)
    expect(textOf(res.body, 'Value')).toBe('s:Receiver')
    expect((await gw.stored()).some((m) => m.data.stationId === 'CP-pg-late')).toBe(false)
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toContain('ocpp_gateway_transaction_id_refill_failing 1')

    // Postgres back: the background refill succeeds and the retry is answered
    await proxy.resume()
    const deadline = Date.now() + 15_000
    while (gw.deps.transactionIds.available() === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const retried = await gw.post(exhausted.xml)
    expect(retried.status).toBe(200)
    expect(ids).not.toContain(Number(textOf(retried.body, 'transactionId')))
  }, 30_000)
})
