import { type Bus, type Consumption, connectBus } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { AppError } from '@chargebus/errors'
import { allStreams, OcppMessageReceived, Streams, sampleEvents } from '@chargebus/events'
import { pino } from 'pino'
import { issueApiKey, revokeApiKey } from '../../services/api/src/admin.ts'
import { eventually } from '../support/eventually.ts'
import { NATS_URL, uniqueNamespace } from '../support/nats.ts'
import { type ServiceProcess, startServiceProcess } from '../support/service-process.ts'

/*
 * The REST API as a hostile client meets it: the real API process in production mode against the run's
 * Postgres and a NATS namespace of its own. Items 7 to 10 of the security review (SECURITY.md).
 */

const SLOW = 60_000
const namespace = uniqueNamespace('hxa')
const station = `HA-${Date.now().toString(36)}`
let api: ServiceProcess
let bus: Bus
let db: Kysely<Database>
let poisoned: Consumption | undefined
const keys: Record<'read' | 'write' | 'admin', string> = { read: '', write: '', admin: '' }

async function call(path: string, init: RequestInit & { key?: string; from?: string } = {}) {
  const headers = new Headers(init.headers)
  if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`)
  if (init.from !== undefined) headers.set('x-forwarded-for', init.from)
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  const res = await fetch(`${api.url}${path}`, { ...init, headers })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text.startsWith('{') ? JSON.parse(text) : undefined,
  }
}

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'hostile-api',
    namespace,
    logger: pino({ level: 'silent' }),
  })
  await bus.ensureStreams(allStreams, { maxBytes: 8 * 1024 * 1024 })
  db = createDb({ url: process.env.DATABASE_URL as string, poolSize: 2, applicationName: 'hostile-api' })
  for (const scope of ['read', 'write', 'admin'] as const)
    keys[scope] = (await issueApiKey(db, { name: `hostile ${scope}`, scopes: [scope] })).key
  await db
    .insertInto('stations')
    .values({ id: station, ocpp_version: '1.6', registration_status: 'Accepted' })
    .execute()
  api = await startServiceProcess('api', {
    NODE_ENV: 'production',
    BUS_NAMESPACE: namespace,
    API_AUTH_FAILURES_MAX: '5',
    API_SSE_KEY_RECHECK_MS: '200',
    API_KEY_CACHE_TTL_MS: '0',
    HTTP_TRUST_PROXY: '127.0.0.1',
  })
}, SLOW)

afterAll(async () => {
  await poisoned?.stop()
  await api?.stop()
  await bus?.deleteNamespace().catch(() => {})
  await bus?.close()
  await db?.destroy()
}, SLOW)

describe('7. API keys', () => {
  test('the development key is nobody in production', async () => {
    expect((await call('/v1/stations', { key: 'dev-admin-key' })).status).toBe(401)
  })

  test('an address that presents bad keys is refused with 429 before any lookup; another address is not', async () => {
    const made = `cbk_${'x'.repeat(43)}`
    for (let i = 0; i < 5; i++)
      expect((await call('/v1/stations', { key: made, from: '198.51.100.70' })).status).toBe(401)
    const refused = await call('/v1/stations', { key: keys.read, from: '198.51.100.70' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).not.toBeNull()
    expect((await call('/v1/stations', { key: keys.read, from: '198.51.100.71' })).status).toBe(200)
  })
})

describe('8. CSV exports', () => {
  test('a formula in an id tag comes out as text', async () => {
    await db
      .insertInto('transactions')
      .values({
        id: 2_000_000_001,
        station_id: station,
        connector_id: 1,
        id_tag: "=cmd|'/C calc'!A0",
        meter_start: 0,
        started_at: new Date('2026-11-22T08:00:00Z'),
      })
      .execute()
    const biKey = (await issueApiKey(db, { name: 'hostile bi', scopes: ['bi'] })).key
    const csv = await call(
      `/v1/exports/sessions.csv?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&station=${station}`,
      { key: biKey },
    )
    expect(csv.status).toBe(200)
    expect(csv.text).toContain(`,'=cmd|'/C calc'!A0,`)
    expect(csv.text).not.toMatch(/,=cmd/)
  })
})

describe('8b. aggregates', () => {
  const RANGE = 'interval=month&from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z'
  let biKey = ''
  beforeAll(async () => {
    biKey = (await issueApiKey(db, { name: 'hostile aggregates bi', scopes: ['bi'] })).key
    await db
      .insertInto('aggregates')
      .values({
        metric: 'energy_wh',
        bucketing: 'local:month',
        bucket_start: new Date('2026-02-28T23:00:00Z'),
        station_id: station,
        connector_id: 1,
        dim: '@SUM(1+1)*cmd',
        time_zone: 'Europe/Berlin',
        value: 7,
      })
      .execute()
  })

  test('the CSV export inlines its parameters as literals: a quote in a station id stays a value', async () => {
    const evil = encodeURIComponent(`${station}' or ''='`)
    const csv = await call(`/v1/exports/aggregates/energy.csv?${RANGE}&groupBy=idTag&stationId=${evil}`, {
      key: biKey,
    })
    expect(csv.status).toBe(200)
    expect(csv.text.trim().split('\n')).toHaveLength(1) // the header: no station has that id
    const mine = await call(`/v1/exports/aggregates/energy.csv?${RANGE}&groupBy=idTag&stationId=${station}`, {
      key: biKey,
    })
    expect(mine.text).toContain(",'@SUM(1+1)*cmd,7,")
    expect(mine.text).not.toMatch(/,@SUM/)
  })

  test('forged cursors, a range past the bound and a read key on the CSV are refused, never a 500', async () => {
    const forged = Buffer.from(
      JSON.stringify(['aggregates:energy:month:station', 'not-a-time', 'UTC', station]),
    ).toString('base64url')
    const cursor = await call(`/v1/aggregates/energy?${RANGE}&groupBy=station&cursor=${forged}`, {
      key: keys.read,
    })
    expect(cursor.status).toBe(400)
    expect(cursor.json.errors).toEqual([{ name: 'cursor', reason: expect.any(String) }])
    const long = await call(
      '/v1/aggregates/energy?interval=hour&groupBy=connector&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z',
      { key: keys.read },
    )
    expect(long.status).toBe(400)
    expect(long.json.errors[0].name).toBe('to')
    expect(
      (await call(`/v1/exports/aggregates/energy.csv?${RANGE}&groupBy=station`, { key: keys.read })).status,
    ).toBe(403)
  })
})

describe('9. commands', () => {
  test('write cannot point a station at a file server or set its password; admin can, and read sees no secret', async () => {
    const firmware = {
      operation: 'UpdateFirmware',
      payload: { location: 'ftp://fw.example.com/x.bin', retrieveDate: '2030-01-01T00:00:00Z' },
    }
    const secret = {
      operation: 'ChangeConfiguration',
      payload: { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' },
    }
    for (const body of [firmware, secret])
      expect(
        (
          await call(`/v1/stations/${station}/commands`, {
            method: 'POST',
            key: keys.write,
            body: JSON.stringify(body),
          })
        ).status,
      ).toBe(403)
    const queued = await call(`/v1/stations/${station}/commands`, {
      method: 'POST',
      key: keys.admin,
      body: JSON.stringify(secret),
    })
    expect(queued.status).toBe(202)
    const seen = await call(`/v1/commands/${queued.json.id}`, { key: keys.read })
    expect(seen.json.payload).toEqual({ key: 'AuthorizationKey', value: '***' })
    expect(seen.text).not.toContain('0011223344')
  })
})

describe('10. the smaller items', () => {
  test('no CORS for any origin unless configured', async () => {
    const res = await call('/v1/stations', {
      key: keys.read,
      headers: { origin: 'https://evil.example.com' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('a forged cursor is a 400, not a 500', async () => {
    const forged = Buffer.from(JSON.stringify(['sessions', 'not-a-time', 1])).toString('base64url')
    const res = await call(`/v1/sessions?cursor=${forged}`, { key: keys.read })
    expect(res.status).toBe(400)
    expect(res.json.errors).toEqual([{ name: 'cursor', reason: expect.any(String) }])
  })

  test('the station message view: forged cursors, subject wildcards and hostile ids change nothing', async () => {
    for (const cursor of [
      Buffer.from(JSON.stringify(['station-messages', -1])).toString('base64url'),
      Buffer.from(JSON.stringify(['station-messages', 'ocpp.in.>'])).toString('base64url'),
      Buffer.from(JSON.stringify(['sessions', 1])).toString('base64url'),
    ]) {
      const res = await call(`/v1/stations/CP-1/messages?cursor=${cursor}`, { key: keys.read })
      expect(res.status).toBe(400)
    }
    // Wildcards and separators in an id are escaped into one subject token: never a filter over other stations.
    for (const id of ['*', '>', 'a.b', '%2A', ' ']) {
      const res = await call(`/v1/stations/${encodeURIComponent(id)}/messages`, { key: keys.read })
      expect(res.status).toBe(200)
      expect(res.json.data).toEqual([])
    }
    expect((await call('/v1/stations/CP-1/messages?action=a.b', { key: keys.read })).status).toBe(400)
    expect((await call('/v1/stations/CP-1/messages?limit=100000', { key: keys.read })).status).toBe(400)
    expect((await call('/v1/stations/CP-1/messages')).status).toBe(401)
  })

  test('dead letters: credentials never reach a read key; forged cursors, wildcards and huge ids change nothing', async () => {
    poisoned = await bus.consume({
      stream: Streams.OCPP_IN,
      durable: 'hostile',
      filterSubject: `ocpp.in.*.${station}.>`,
      events: OcppMessageReceived,
      handler: async () => {
        throw new AppError('TEST_ERR_POISON', 'refused', { retryable: false })
      },
    })
    const [sample] = sampleEvents('ocpp.message.received', { stations: [station] })
    await bus.publish(OcppMessageReceived, sample?.data as never, {
      msgId: `${station}/poison`,
      headers: { authorization: 'Basic b3BzOmh1bnRlcjI=', 'Nats-Auth-Token': 'nats-s3cr3t' },
    })
    await eventually(async () => (await bus.deadLetters.list({ consumer: 'hostile' })).items.length === 1)
    const { id } = (await bus.deadLetters.list({ consumer: 'hostile' })).items[0] as { id: number }
    for (const key of [keys.read, keys.admin]) {
      const seen = await call(`/v1/dead-letters/${id}`, { key })
      expect(seen.status).toBe(200)
      expect(seen.text).not.toMatch(/b3BzOmh1bnRlcjI|nats-s3cr3t/)
      expect(seen.json.redacted).toBe(true)
    }
    expect((await call(`/v1/dead-letters/${id}`, { key: keys.read, method: 'DELETE' })).status).toBe(403)
    expect((await call(`/v1/dead-letters/${id}/retry`, { key: keys.write, method: 'POST' })).status).toBe(403)

    for (const cursor of [
      Buffer.from(JSON.stringify(['dead-letters', -1])).toString('base64url'),
      Buffer.from(JSON.stringify(['dead-letters', 2 ** 60])).toString('base64url'),
      Buffer.from(JSON.stringify(['dead-letters', 'dlq.>'])).toString('base64url'),
      Buffer.from(JSON.stringify(['station-messages', 1])).toString('base64url'),
      'x'.repeat(1025),
    ]) {
      const res = await call(`/v1/dead-letters?cursor=${cursor}`, { key: keys.read })
      expect(res.status).toBe(400)
    }
    // Stream and consumer become subject tokens of `dlq.<stream>.<consumer>`: a wildcard or a dot never reaches NATS.
    for (const filter of [
      'stream=*',
      'stream=%3E',
      'consumer=*',
      'consumer=%3E',
      'stream=OCPP_IN.hostile',
      'consumer=a%00b',
    ])
      expect((await call(`/v1/dead-letters?${filter}`, { key: keys.read })).status).toBe(400)
    for (const bad of ['9007199254740993', '0', '-1', 'one', '9'.repeat(100)]) {
      for (const [method, path] of [
        ['GET', `/v1/dead-letters/${bad}`],
        ['POST', `/v1/dead-letters/${bad}/retry`],
        ['DELETE', `/v1/dead-letters/${bad}`],
      ] as const)
        expect([bad, (await call(path, { key: keys.admin, method })).status]).toEqual([bad, 400])
    }
    // Longer than the API's maxParamLength (255): refused by the router before any handler (414); up to it, the
    // handler answers (Fastify's own default is 100).
    expect((await call(`/v1/dead-letters/${'9'.repeat(256)}`, { key: keys.admin })).status).toBe(414)
    expect((await call(`/v1/dead-letters/${'9'.repeat(200)}`, { key: keys.admin })).status).toBe(400)
    expect((await call('/v1/dead-letters/123456789/retry', { key: keys.admin, method: 'POST' })).status).toBe(
      404,
    )
    expect((await bus.deadLetters.list({ consumer: 'hostile' })).items.map((l) => l.id)).toEqual([id])
  })

  test(
    'a revoked key loses its open event stream',
    async () => {
      const { key, id } = await issueApiKey(db, { name: 'hostile sse', scopes: ['read'] })
      const res = await fetch(`${api.url}/v1/events`, { headers: { authorization: `Bearer ${key}` } })
      expect(res.status).toBe(200)
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      let text = ''
      const ended = (async () => {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          text += new TextDecoder().decode(value)
        }
      })()
      await revokeApiKey(db, id, new Date())
      await ended
      expect(text).toContain(': the API key was revoked')
    },
    SLOW,
  )
})
