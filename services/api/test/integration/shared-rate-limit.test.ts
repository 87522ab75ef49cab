import { createDb, type Database, type Kysely, withDatabaseName } from '@chargebus/db'
import { createLogger } from '@chargebus/platform'
import { testDb } from '../../../../test/support/database.ts'
import { issueApiKey } from '../../src/data-access/api-keys.ts'
import {
  countRequests,
  postgresRateLimitStore,
  type RateLimitStore,
  sweepRateLimits,
} from '../../src/data-access/rate-limit-store.ts'
import { startTestApi, type TestApi } from '../support/api.ts'

/*
 * Two API replicas (two apps, one database) share one budget per key: the counters live in Postgres. Both
 * replicas read the same injected clock, so windows end when the test says.
 */

const SLOW = 30_000
const WINDOW_MS = 60_000
// Real time at the start (only moved forward): other test files' replicas, on the system clock, sweep the
// windows that ended by their time, never these.
let now = new Date()
const clock = () => now
let a: TestApi
let b: TestApi
let db: Kysely<Database>

beforeAll(async () => {
  const env = { API_RATE_LIMIT_MAX: '3', API_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) }
  a = await startTestApi(env, { clock })
  b = await startTestApi(env, { clock })
  db = testDb()
}, SLOW)

afterAll(async () => {
  await a?.close()
  await b?.close()
  await db?.destroy()
})

const limitHeaders = (r: { status: number; headers: Record<string, unknown> }) => ({
  status: r.status,
  limit: r.headers['x-ratelimit-limit'],
  remaining: r.headers['x-ratelimit-remaining'],
  reset: r.headers['x-ratelimit-reset'],
})

test('a key has one budget across replicas, with the same headers, until its window ends', async () => {
  const key = a.keys.read
  const get = (api: TestApi) => api.request('GET', '/v1/stations?limit=1', { key })
  expect(limitHeaders(await get(a))).toEqual({ status: 200, limit: '3', remaining: '2', reset: '60' })
  now = new Date(now.getTime() + 15_000)
  expect(limitHeaders(await get(b))).toEqual({ status: 200, limit: '3', remaining: '1', reset: '45' })
  expect(limitHeaders(await get(a))).toEqual({ status: 200, limit: '3', remaining: '0', reset: '45' })
  const refused = await get(b)
  expect(limitHeaders(refused)).toEqual({ status: 429, limit: '3', remaining: '0', reset: '45' })
  expect(refused.headers['retry-after']).toBe('45')
  expect(refused.json).toMatchObject({ status: 429, code: 'API_ERR_RATE_LIMITED' })
  // Another key is not affected.
  expect((await get(b)).status).toBe(429)
  expect((await b.request('GET', '/v1/stations?limit=1', { key: b.keys.read })).status).toBe(200)

  now = new Date(now.getTime() + 45_000) // the window of the first request has ended
  expect(limitHeaders(await get(b))).toEqual({ status: 200, limit: '3', remaining: '2', reset: '60' })
})

test('concurrent requests on both replicas are counted exactly: the budget, no more', async () => {
  const { key } = await issueApiKey(a.deps.db, { name: 'concurrent', scopes: ['read'] })
  const both = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? a : b).request('GET', '/v1/sessions?limit=1', { key }),
    ),
  )
  const statuses = both.map((r) => r.status)
  expect(statuses.filter((s) => s === 429)).toHaveLength(9)
  expect(statuses.filter((s) => s !== 429)).toHaveLength(3)
})

test('ended windows are swept; live ones stay', async () => {
  const t0 = new Date('2020-01-01T00:00:00Z') // long past: no other test's window ends by then
  const old = `test:old:${Math.random()}`
  const live = `test:live:${Math.random()}`
  await countRequests(db, old, WINDOW_MS, t0)
  await countRequests(db, live, WINDOW_MS, new Date(t0.getTime() + 30_000))
  expect(await countRequests(db, live, WINDOW_MS, new Date(t0.getTime() + 40_000))).toEqual({
    hits: 2,
    startedAt: new Date(t0.getTime() + 30_000),
  })
  await sweepRateLimits(db, WINDOW_MS, new Date(t0.getTime() + WINDOW_MS))
  const left = await db.selectFrom('api_rate_limits').select('key').where('key', 'in', [old, live]).execute()
  expect(left.map((r) => r.key)).toEqual([live])
})

test(
  'API_RATE_LIMIT_STORE=memory counts per process (a single replica only)',
  async () => {
    const env = { API_RATE_LIMIT_MAX: '1', API_RATE_LIMIT_STORE: 'memory' }
    const one = await startTestApi(env, { clock })
    const two = await startTestApi(env, { clock, namespace: one.namespace })
    try {
      const { key } = await issueApiKey(one.deps.db, { name: 'memory', scopes: ['read'] })
      const get = (api: TestApi) => api.request('GET', '/v1/stations?limit=1', { key })
      expect((await get(one)).status).toBe(200)
      expect((await get(two)).status).toBe(200) // its own counter
      expect((await get(one)).status).toBe(429)
    } finally {
      await two.close()
      await one.close()
    }
  },
  SLOW,
)

test('countRequests adds a batch of requests to the window, and a batch past its end starts a new one', async () => {
  const t0 = new Date('2020-01-02T00:00:00Z')
  const key = `test:batch:${Math.random()}`
  expect(await countRequests(db, key, WINDOW_MS, t0, 5)).toEqual({ hits: 5, startedAt: t0 })
  expect(await countRequests(db, key, WINDOW_MS, new Date(t0.getTime() + 1000), 3)).toEqual({
    hits: 8,
    startedAt: t0,
  })
  const later = new Date(t0.getTime() + WINDOW_MS)
  expect(await countRequests(db, key, WINDOW_MS, later, 2)).toEqual({ hits: 2, startedAt: later })
})

/** `incr` as a promise: the count and ttl the plugin would get, or the error. */
const incr = (store: RateLimitStore, key: string) =>
  new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (err, res) => (err || res === undefined ? reject(err) : resolve(res)), WINDOW_MS),
  )
const silent = createLogger({ name: 'test', level: 'silent' })

test('concurrent requests of one key on two replicas get every count from 1 to N once', async () => {
  const key = `test:coalesced:${Math.random()}`
  const Replica = () => new (postgresRateLimitStore({ db, clock, logger: silent }))()
  const [one, two] = [Replica(), Replica()]
  const counted = await Promise.all(Array.from({ length: 80 }, (_, i) => incr(i % 2 === 0 ? one : two, key)))
  expect(counted.map((c) => c.current).sort((x, y) => x - y)).toEqual(
    Array.from({ length: 80 }, (_, i) => i + 1),
  )
  expect(new Set(counted.map((c) => c.ttl))).toEqual(new Set([WINDOW_MS]))
  const row = await db
    .selectFrom('api_rate_limits')
    .select('hits')
    .where('key', '=', key)
    .executeTakeFirstOrThrow()
  expect(row.hits).toBe(80)
  // Counted in order of arrival on each replica: a replica's later request never gets a smaller count.
  const onOne = counted.filter((_, i) => i % 2 === 0).map((c) => c.current)
  expect(onOne).toEqual([...onOne].sort((x, y) => x - y))
})

test('when Postgres does not answer, every waiting request gets the error (and is let through), and later ones are tried again', async () => {
  const url = withDatabaseName(process.env.DATABASE_ADMIN_URL ?? '', `missing_${Date.now()}`)
  const unreachable = createDb({ url, poolSize: 1 })
  try {
    const store = new (postgresRateLimitStore({ db: unreachable, clock, logger: silent }))()
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => incr(store, 'test:down')))
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'))
    await expect(incr(store, 'test:down')).rejects.toThrow(/does not exist/)
  } finally {
    await unreachable.destroy()
  }
})
