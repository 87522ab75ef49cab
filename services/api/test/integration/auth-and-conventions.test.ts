import { gunzipSync } from 'node:zlib'
import type { Database, Kysely } from '@chargebus/db'
import { testDb } from '../../../../test/support/database.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'
import { aStation, uniquePrefix } from '../support/seed.ts'

const SLOW = 30_000
let api: TestApi
let db: Kysely<Database>
const p = uniquePrefix('auth')
const opened: TestApi[] = []

beforeAll(async () => {
  api = await startTestApi()
  db = testDb()
  for (let i = 0; i < 30; i++) await aStation(db, `${p}${String(i).padStart(2, '0')}`, { vendor: `${p}V` })
}, SLOW)

afterAll(async () => {
  for (const a of [api, ...opened]) expectContractKept(a)
  for (const a of [api, ...opened]) await a?.close()
  await db?.destroy()
}, SLOW)

async function another(env: Record<string, string>): Promise<TestApi> {
  const a = await startTestApi(env)
  opened.push(a)
  return a
}

const UUID = '00000000-0000-4000-8000-000000000000'
const FILE = '00000000-0000-4000-8000-00000000f11e'
const RANGE = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z'
const AGG = `interval=day&groupBy=station&${RANGE}`
/** Every operation of the document with the scope it needs (a test below keeps this list complete). */
const ROUTES: Array<[method: string, url: string, scope: 'read' | 'write' | 'admin' | 'bi']> = [
  ['GET', '/v1/stations', 'read'],
  ['GET', '/v1/stations/X', 'read'],
  ['POST', '/v1/stations/X/registration', 'write'],
  ['GET', '/v1/stations/X/connectors', 'read'],
  ['GET', '/v1/stations/X/connectors/1', 'read'],
  ['GET', '/v1/stations/X/connectors/1/status-events', 'read'],
  ['GET', '/v1/stations/X/messages', 'read'],
  ['GET', '/v1/sessions', 'read'],
  ['GET', '/v1/sessions/1', 'read'],
  ['GET', '/v1/sessions/1/meter-values', 'read'],
  ['GET', '/v1/id-tags', 'read'],
  ['GET', '/v1/id-tags/T', 'read'],
  ['POST', '/v1/id-tags', 'write'],
  ['PATCH', '/v1/id-tags/T', 'write'],
  ['POST', '/v1/id-tags/T/block', 'write'],
  ['DELETE', '/v1/id-tags/T', 'write'],
  ['GET', '/v1/api-keys', 'admin'],
  ['POST', '/v1/api-keys', 'admin'],
  ['DELETE', `/v1/api-keys/${UUID}`, 'admin'],
  ['GET', '/v1/events', 'read'],
  ['GET', `/v1/exports/sessions.csv?${RANGE}`, 'bi'],
  ['GET', `/v1/exports/meter-values.csv?${RANGE}`, 'bi'],
  ['GET', `/v1/exports/aggregates/energy.csv?${AGG}`, 'bi'],
  ['GET', `/v1/exports/aggregates/utilization.csv?${AGG}`, 'bi'],
  ['GET', `/v1/exports/aggregates/faults.csv?${AGG}`, 'bi'],
  ['GET', `/v1/aggregates/energy?${AGG}`, 'read'],
  ['GET', `/v1/aggregates/utilization?${AGG}`, 'read'],
  ['GET', `/v1/aggregates/faults?${AGG}`, 'read'],
  ['POST', '/v1/stations/X/commands', 'write'],
  ['GET', '/v1/stations/X/commands', 'read'],
  ['GET', `/v1/commands/${UUID}`, 'read'],
  ['GET', '/v1/archive', 'read'],
  ['GET', '/v1/dead-letters', 'read'],
  ['GET', '/v1/dead-letters/1', 'read'],
  ['POST', '/v1/dead-letters/1/retry', 'admin'],
  ['DELETE', '/v1/dead-letters/1', 'admin'],
  ['GET', '/v1/stations/X/files', 'read'],
  ['GET', `/v1/files/${FILE}`, 'read'],
  ['GET', `/v1/files/${FILE}/content`, 'read'],
  ['GET', '/v1/firmware', 'read'],
  ['GET', '/v1/firmware/F', 'read'],
  ['GET', '/v1/firmware/F/content', 'read'],
  ['PUT', '/v1/firmware/F?version=1', 'admin'],
  ['DELETE', '/v1/firmware/F', 'admin'],
]

test('the auth matrix covers every operation of the OpenAPI document', async () => {
  const doc = (await api.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, object> }
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  )
  const template = (url: string) =>
    (url.split('?')[0] as string)
      .replace(/^\/v1\/stations\/X/, '/v1/stations/{stationId}')
      .replace(/connectors\/1/, 'connectors/{connectorId}')
      .replace(/sessions\/1/, 'sessions/{sessionId}')
      .replace(/id-tags\/T/, 'id-tags/{idTag}')
      .replace(`commands/${UUID}`, 'commands/{commandId}')
      .replace(UUID, '{keyId}')
      .replace(/dead-letters\/1/, 'dead-letters/{id}')
      .replace(`files/${FILE}`, 'files/{fileId}')
      .replace(/firmware\/F/, 'firmware/{name}')
  expect(ROUTES.map(([m, u]) => `${m} ${template(u)}`).sort()).toEqual(documented.sort())
})

test.each(ROUTES)(
  '%s %s: no key or an unknown key is 401 with WWW-Authenticate: Bearer',
  async (method, url) => {
    for (const key of [null, 'cbk_not-a-real-key']) {
      const res = await api.request(method, url, { key })
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="chargebus"')
      expect(res.json).toMatchObject({ status: 401, code: 'API_ERR_UNAUTHENTICATED' })
    }
    const malformed = await api.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: 'Basic abc' },
    })
    expect(malformed.statusCode).toBe(401)
  },
)

test.each(ROUTES)(
  '%s %s: keys without the %s scope are 403, keys with it (or admin) pass',
  async (method, url, scope) => {
    for (const held of ['read', 'write', 'bi', 'admin'] as const) {
      const allowed = held === scope || held === 'admin'
      if (allowed && url === '/v1/events') continue // endless stream: covered by the SSE tests
      const res = await api.request(method, url, { key: held })
      if (allowed) expect([401, 403]).not.toContain(res.status)
      else {
        expect(res.status).toBe(403)
        expect(res.json).toMatchObject({
          code: 'API_ERR_FORBIDDEN',
          detail: `this API key lacks the ${scope} scope`,
        })
      }
    }
  },
)

test(
  'the development key works only in development on a loopback address',
  async () => {
    const dev = await another({ NODE_ENV: 'development', HOST: '127.0.0.1' })
    expect((await dev.request('GET', '/v1/api-keys', { key: 'dev-admin-key' })).status).toBe(200)
    for (const env of [
      { NODE_ENV: 'development', HOST: '0.0.0.0' }, // a container, a shared host
      { NODE_ENV: 'test', HOST: '127.0.0.1' },
      { NODE_ENV: 'production', HOST: '127.0.0.1' },
    ]) {
      const other = await another(env)
      expect((await other.request('GET', '/v1/stations', { key: 'dev-admin-key' })).status).toBe(401)
      expect((await other.request('GET', '/v1/stations', { key: 'read' })).status).toBe(200)
    }
  },
  SLOW,
)

test(
  'an address that keeps presenting bad keys gets 429 before any lookup; good keys elsewhere are not affected',
  async () => {
    const throttled = await another({ API_AUTH_FAILURES_MAX: '3', API_AUTH_FAILURE_WINDOW_MS: '60000' })
    const from = (ip: string, key: string | null) =>
      throttled.app.inject({
        method: 'GET',
        url: '/v1/stations?limit=1',
        remoteAddress: ip,
        headers: key === null ? {} : { authorization: `Bearer ${key}` },
      })
    const made = `cbk_${'A'.repeat(43)}`
    expect((await from('203.0.113.7', null)).statusCode).toBe(401)
    expect((await from('203.0.113.7', 'not-a-key')).statusCode).toBe(401)
    expect((await from('203.0.113.7', made)).statusCode).toBe(401)
    const refused = await from('203.0.113.7', throttled.keys.read)
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toMatchObject({ code: 'API_ERR_RATE_LIMITED' })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect((await from('203.0.113.8', throttled.keys.read)).statusCode).toBe(200)
  },
  SLOW,
)

test('routes declare their scope: a /v1 route without one does not register', async () => {
  const { requireDeclaredScope } = await import('../../src/entry-points/http/auth.ts')
  expect(() => requireDeclaredScope({ method: 'GET', url: '/v1/x', handler: () => {} })).toThrow(
    /declare config.scope/,
  )
  expect(() =>
    requireDeclaredScope({ method: 'GET', url: '/v1/x', handler: () => {}, config: { public: true } }),
  ).not.toThrow()
})

test('API keys: created with scopes (shown once), listed without secrets, revoked', async () => {
  const created = await api.request('POST', '/v1/api-keys', {
    key: 'admin',
    body: { name: `${p}grafana`, scopes: ['read', 'bi'] },
  })
  expect(created.status).toBe(201)
  expect(created.headers['cache-control']).toBe('no-store')
  const { key, id, prefix } = created.json
  expect(key).toMatch(/^cbk_[A-Za-z0-9_-]{43}$/)
  expect(key.startsWith(prefix)).toBe(true)
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  expect(row.key_hash).toHaveLength(32)
  expect(JSON.stringify(row)).not.toContain(key.slice(prefix.length))

  expect((await api.request('GET', '/v1/stations', { key })).status).toBe(200)
  expect((await api.request('GET', '/v1/id-tags/X', { key, body: undefined })).status).toBe(404)
  expect((await api.request('POST', '/v1/id-tags', { key, body: { idTag: 'X' } })).status).toBe(403)

  const list = await api.request('GET', '/v1/api-keys?limit=500')
  const listed = list.json.data.find((k: { id: string }) => k.id === id)
  expect(listed).toEqual({
    id,
    name: `${p}grafana`,
    prefix,
    scopes: ['read', 'bi'],
    createdAt: expect.any(String),
    revokedAt: null,
  })
  expect(list.body).not.toContain(key)

  const revoked = await api.request('DELETE', `/v1/api-keys/${id}`)
  expect(revoked.status).toBe(200)
  expect(revoked.json.revokedAt).toEqual(expect.any(String))
  expect((await api.request('GET', '/v1/stations', { key })).status).toBe(401) // this instance: at once
  const after = await api.request('GET', '/v1/api-keys?limit=500')
  expect(after.json.data.map((k: { id: string }) => k.id)).not.toContain(id)
  const withRevoked = await api.request('GET', '/v1/api-keys?limit=500&includeRevoked=true')
  expect(withRevoked.json.data.map((k: { id: string }) => k.id)).toContain(id)
  expect((await api.request('DELETE', `/v1/api-keys/${UUID}`)).json.code).toBe('API_ERR_API_KEY_NOT_FOUND')

  const bad = await api.request('POST', '/v1/api-keys', { body: { name: '', scopes: ['root'] } })
  expect(bad.status).toBe(400)
  expect(bad.json.errors.map((e: { name: string }) => e.name).sort()).toEqual(['name', 'scopes.0'])
})

test(
  'another instance sees a revocation once its lookup cache expires (API_KEY_CACHE_TTL_MS)',
  async () => {
    const other = await another({ API_KEY_CACHE_TTL_MS: '2000' })
    const { key, id } = (
      await api.request('POST', '/v1/api-keys', { body: { name: `${p}ttl`, scopes: ['read'] } })
    ).json
    expect((await other.request('GET', '/v1/stations', { key })).status).toBe(200) // cached now
    await api.request('DELETE', `/v1/api-keys/${id}`)
    expect((await other.request('GET', '/v1/stations', { key })).status).toBe(200) // still cached
    await new Promise((r) => setTimeout(r, 2100))
    expect((await other.request('GET', '/v1/stations', { key })).status).toBe(401)
  },
  SLOW,
)

test(
  'rate limit per key: 429 problem with Retry-After; other keys are not affected',
  async () => {
    const limited = await another({ API_RATE_LIMIT_MAX: '3', API_RATE_LIMIT_WINDOW_MS: '60000' })
    for (let i = 0; i < 3; i++)
      expect((await limited.request('GET', '/v1/stations?limit=1', { key: 'read' })).status).toBe(200)
    const res = await limited.request('GET', '/v1/stations?limit=1', { key: 'read' })
    expect(res.status).toBe(429)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    expect(res.json).toMatchObject({
      status: 429,
      code: 'API_ERR_RATE_LIMITED',
      type: 'urn:chargebus:problem:rate-limited',
    })
    expect((await limited.request('GET', '/v1/stations?limit=1', { key: 'write' })).status).toBe(403) // its own budget
  },
  SLOW,
)

test('unknown routes, bad media types, malformed JSON and oversized bodies are problems', async () => {
  const unknown = await api.request('GET', '/v1/nothing-here')
  expect(unknown.status).toBe(404)
  expect(unknown.json).toMatchObject({ code: 'API_ERR_NOT_FOUND', instance: '/v1/nothing-here' })
  expect((await api.request('GET', '/elsewhere', { key: null })).json.code).toBe('API_ERR_NOT_FOUND')

  const media = await api.request('POST', '/v1/id-tags', {
    payload: 'idTag=X',
    headers: { 'content-type': 'text/plain' },
  })
  expect(media.status).toBe(415)
  expect(media.json.code).toBe('API_ERR_MEDIA_TYPE')
  const malformed = await api.request('POST', '/v1/id-tags', {
    payload: '{"idTag":',
    headers: { 'content-type': 'application/json' },
  })
  expect(malformed.status).toBe(400)
  expect(malformed.json.code).toBe('API_ERR_BAD_REQUEST')
  const big = await api.request('POST', '/v1/id-tags', {
    payload: JSON.stringify({ idTag: 'X', note: 'x'.repeat(70 * 1024) }),
    headers: { 'content-type': 'application/json' },
  })
  expect(big.status).toBe(413)
  expect(big.json.code).toBe('API_ERR_BODY_TOO_LARGE')
  expect(
    await db.selectFrom('id_tags').select('id_tag').where('id_tag', '=', 'X').executeTakeFirst(),
  ).toBeUndefined()
})

test(
  'a bug is a 500 problem that says nothing about it',
  async () => {
    const broken = await another({})
    await broken.deps.db.destroy() // every query now throws a plain Error
    const res = await broken.request('GET', '/v1/stations', { key: 'read' })
    expect(res.status).toBe(500)
    expect(res.json).toEqual({
      type: 'urn:chargebus:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: 'internal error',
      instance: '/v1/stations',
      code: 'API_ERR_INTERNAL',
    })
    expect(res.body).not.toMatch(/pool|at .*\.ts/i)
  },
  SLOW,
)

test('CORS: none by default (same origin only)', async () => {
  const pre = await api.app.inject({
    method: 'OPTIONS',
    url: '/v1/stations',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
  })
  expect(pre.headers['access-control-allow-origin']).toBeUndefined()
  const get = await api.request('GET', '/v1/stations?limit=1', {
    key: 'read',
    headers: { origin: 'https://app.example.com' },
  })
  expect(get.status).toBe(200)
  expect(get.headers['access-control-allow-origin']).toBeUndefined()
})

test(
  'CORS: preflight and simple requests from configured origins only',
  async () => {
    const cors = await another({ API_CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' })
    const pre = await cors.app.inject({
      method: 'OPTIONS',
      url: '/v1/stations',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    })
    expect(pre.statusCode).toBe(204)
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(String(pre.headers['access-control-allow-headers'])).toContain('authorization')
    const get = await cors.request('GET', '/v1/stations?limit=1', {
      headers: { origin: 'https://admin.example.com' },
    })
    expect(get.headers['access-control-allow-origin']).toBe('https://admin.example.com')
    expect(String(get.headers['access-control-expose-headers'])).toContain('etag')
    const foreign = await cors.request('GET', '/v1/stations?limit=1', {
      headers: { origin: 'https://evil.example.com' },
    })
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
  },
  SLOW,
)

test('large answers are compressed for clients that accept it', async () => {
  const res = await api.app.inject({
    url: `/v1/stations?vendor=${encodeURIComponent(`${p}V`)}&limit=30`,
    headers: { authorization: `Bearer ${api.keys.read}`, 'accept-encoding': 'gzip' },
  })
  expect(res.headers['content-encoding']).toBe('gzip')
  expect(JSON.parse(gunzipSync(res.rawPayload).toString()).data).toHaveLength(30)
})

test('the OpenAPI 3.1 document and the docs UI are served without a key', async () => {
  const doc = await api.app.inject({ url: '/openapi.json' })
  expect(doc.statusCode).toBe(200)
  expect(doc.json()).toMatchObject({ openapi: '3.1.0', info: { title: 'Chargebus API' } })
  const ui = await api.app.inject({ url: '/docs/' })
  expect(ui.statusCode).toBe(200)
  expect(ui.headers['content-type']).toContain('text/html')
  expect((await api.app.inject({ url: '/readyz' })).json()).toMatchObject({
    status: 'ok',
    checks: { postgres: { status: 'ok' }, nats: { status: 'ok' } },
  })
})
