import type { Database, Kysely } from '@chargebus/db'
import { kvKey, type StationRecord } from '@chargebus/station-registry'
import { testDb } from '../../../../test/support/database.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'
import { aConnector, aStation, statusEvent, uniquePrefix } from '../support/seed.ts'

const SLOW = 30_000
let api: TestApi
let db: Kysely<Database>
const p = uniquePrefix('st')

beforeAll(async () => {
  api = await startTestApi()
  db = testDb()
  await aStation(db, `${p}A`, { vendor: `${p}ACME`, registration_status: 'Accepted' })
  await aStation(db, `${p}B`, { vendor: `${p}ACME`, registration_status: 'Pending', last_seen_at: null })
  await aStation(db, `${p}C`, {
    vendor: `${p}Other`,
    registration_status: 'Rejected',
    last_seen_at: new Date('2026-10-01T00:00:00Z'),
  })
  await aConnector(db, `${p}A`, 1, 'Charging')
  await aConnector(db, `${p}A`, 2, 'Available')
  await aConnector(db, `${p}C`, 1, 'Faulted')
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
})

const ids = (body: { data: Array<{ id: string }> }) => body.data.map((s) => s.id)

test('lists stations by id with filters on registration status, connector status, vendor and last seen', async () => {
  const vendor = (v: string) => `vendor=${encodeURIComponent(`${p}${v}`)}`
  expect(ids((await api.request('GET', `/v1/stations?${vendor('ACME')}`, { key: 'read' })).json)).toEqual([
    `${p}A`,
    `${p}B`,
  ])
  expect(
    ids((await api.request('GET', `/v1/stations?${vendor('ACME')}&registrationStatus=Pending`)).json),
  ).toEqual([`${p}B`])
  expect(
    ids((await api.request('GET', `/v1/stations?${vendor('Other')}&connectorStatus=Faulted`)).json),
  ).toEqual([`${p}C`])
  expect(
    ids((await api.request('GET', `/v1/stations?${vendor('ACME')}&connectorStatus=Faulted`)).json),
  ).toEqual([])
  const since = (await api.request('GET', `/v1/stations?lastSeenSince=2026-11-01T00:00:00Z&limit=500`)).json
  expect(ids(since)).toContain(`${p}A`)
  expect(ids(since)).not.toContain(`${p}C`)
  const before = (await api.request('GET', `/v1/stations?lastSeenBefore=2026-11-01T00:00:00Z&limit=500`)).json
  expect(ids(before)).toEqual(expect.arrayContaining([`${p}B`, `${p}C`]))
  expect(ids(before)).not.toContain(`${p}A`)
})

test('a station with its connectors; unknown ids are 404 problems', async () => {
  const res = await api.request('GET', `/v1/stations/${p}A`, { key: 'read' })
  expect(res.status).toBe(200)
  expect(res.json).toMatchObject({
    id: `${p}A`,
    vendor: `${p}ACME`,
    registrationStatus: 'Accepted',
    online: true,
    connectors: [
      { connectorId: 1, status: 'Charging', errorCode: 'NoError' },
      { connectorId: 2, status: 'Available' },
    ],
  })
  const missing = await api.request('GET', `/v1/stations/${p}nope`)
  expect(missing.status).toBe(404)
  expect(missing.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  expect(missing.json).toEqual({
    type: 'urn:chargebus:problem:station-not-found',
    title: 'Station not found',
    status: 404,
    detail: `station ${p}nope does not exist`,
    instance: `/v1/stations/${p}nope`,
    code: 'API_ERR_STATION_NOT_FOUND',
  })
  expect((await api.request('GET', `/v1/stations/${p}A/connectors`)).json.data).toHaveLength(2)
  expect((await api.request('GET', `/v1/stations/${p}A/connectors/2`)).json.status).toBe('Available')
  expect((await api.request('GET', `/v1/stations/${p}A/connectors/9`)).json.code).toBe(
    'API_ERR_CONNECTOR_NOT_FOUND',
  )
  expect((await api.request('GET', `/v1/stations/${p}zz/connectors/1`)).json.code).toBe(
    'API_ERR_STATION_NOT_FOUND',
  )
})

test('pagination walks every station once in id order while stations are inserted concurrently', async () => {
  const q = uniquePrefix('pg')
  const initial = Array.from({ length: 37 }, (_, i) => `${q}${String(i * 2 + 10).padStart(3, '0')}`)
  for (const id of initial) await aStation(db, id, { vendor: `${q}V` })
  const seen: string[] = []
  const behind: string[] = []
  const ahead: string[] = []
  let url: string | null = `/v1/stations?vendor=${encodeURIComponent(`${q}V`)}&limit=5`
  for (let page = 0; url !== null; page++) {
    const res: { json: { data: Array<{ id: string }>; next: string | null; nextCursor: string | null } } =
      await api.request('GET', url, { key: 'read' })
    seen.push(...ids(res.json))
    // Between pages, concurrent writers add a station the walk already passed and one still ahead of it.
    behind.push(`${q}000-${String(page).padStart(2, '0')}`)
    ahead.push(`${q}999-${String(page).padStart(2, '0')}`)
    await Promise.all([
      aStation(db, behind.at(-1) as string, { vendor: `${q}V` }),
      aStation(db, ahead.at(-1) as string, { vendor: `${q}V` }),
    ])
    url = res.json.next
    if (url !== null) expect(url).toContain(`cursor=${res.json.nextCursor}`)
  }
  expect(new Set(seen).size).toBe(seen.length) // no duplicates
  expect(seen).toEqual([...seen].sort()) // stable order
  expect(seen).toEqual(expect.arrayContaining(initial)) // no gaps
  // Rows inserted ahead of the walk are reached (all but the very last, inserted after the last page);
  // rows inserted behind it are not revisited.
  expect(seen).toEqual(expect.arrayContaining(ahead.slice(0, -1)))
  expect(seen.filter((id) => behind.includes(id))).toEqual([])
})

test('limit above 500, a bad enum and a tampered cursor are validation problems naming the field', async () => {
  const res = await api.request('GET', '/v1/stations?limit=501&registrationStatus=Maybe')
  expect(res.status).toBe(400)
  expect(res.json.code).toBe('API_ERR_VALIDATION')
  expect(res.json.errors.map((e: { name: string }) => e.name).sort()).toEqual(['limit', 'registrationStatus'])
  const cursor = await api.request('GET', '/v1/stations?cursor=bm90LWEtY3Vyc29y')
  expect(cursor.status).toBe(400)
  expect(cursor.json.errors).toEqual([{ name: 'cursor', reason: expect.any(String) }])
  const otherListing = Buffer.from(JSON.stringify(['sessions', 'x', 1])).toString('base64url')
  expect((await api.request('GET', `/v1/stations?cursor=${otherListing}`)).status).toBe(400)
})

test('ETag: the same answer again with If-None-Match is 304 without a body; a change gives a new tag', async () => {
  const first = await api.request('GET', `/v1/stations/${p}A`, { key: 'read' })
  const etag = first.headers.etag as string
  expect(etag).toMatch(/^"/)
  const again = await api.request('GET', `/v1/stations/${p}A`, {
    key: 'read',
    headers: { 'if-none-match': etag },
  })
  expect(again.status).toBe(304)
  expect(again.body).toBe('')
  await db
    .updateTable('connectors')
    .set({ status: 'Faulted' })
    .where('station_id', '=', `${p}A`)
    .where('connector_id', '=', 2)
    .execute()
  const changed = await api.request('GET', `/v1/stations/${p}A`, {
    key: 'read',
    headers: { 'if-none-match': etag },
  })
  expect(changed.status).toBe(200)
  expect(changed.headers.etag).not.toBe(etag)
})

test("a connector's status history: time range, oldest first, paged", async () => {
  const s = `${p}H`
  await aStation(db, s)
  await aConnector(db, s, 1)
  const times = Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2026, 10, 20, 10, i)))
  for (const [i, at] of times.entries()) await statusEvent(db, s, 1, i % 2 ? 'Charging' : 'Available', at)
  await statusEvent(db, s, 2, 'Faulted', times[3] as Date)
  const url = `/v1/stations/${s}/connectors/1/status-events?from=2026-11-20T10:01:00Z&to=2026-11-20T10:06:00Z&limit=2`
  const seen: string[] = []
  let next: string | null = url
  while (next !== null) {
    const res: { json: { data: Array<{ statusAt: string; connectorId: number }>; next: string | null } } =
      await api.request('GET', next, { key: 'read' })
    expect(res.json.data.every((e) => e.connectorId === 1)).toBe(true)
    seen.push(...res.json.data.map((e) => e.statusAt))
    next = res.json.next
  }
  expect(seen).toEqual(times.slice(1, 6).map((t) => t.toISOString()))
  expect((await api.request('GET', `/v1/stations/${p}none/connectors/1/status-events`)).status).toBe(404)
})

test('a registration decision is written to Postgres and to the gateway KV (keeping the record)', async () => {
  const s = `${p}P`
  await aStation(db, s, { registration_status: 'Pending' })
  const kv = api.deps.kv.stations
  const existing: StationRecord = {
    registrationStatus: 'Pending',
    firstSeenAt: '2026-11-27T10:00:00.000Z',
    source: 'gateway',
  }
  await kv.put(kvKey(s), JSON.stringify(existing))

  const res = await api.request('POST', `/v1/stations/${s}/registration`, {
    key: 'write',
    body: { status: 'Accepted' },
  })
  expect(res.status).toBe(200)
  expect(res.json).toMatchObject({ id: s, registrationStatus: 'Accepted' })
  const row = await db.selectFrom('stations').selectAll().where('id', '=', s).executeTakeFirstOrThrow()
  expect(row.registration_status).toBe('Accepted')
  expect(row.registration_status_at).not.toBeNull()
  const record = (await kv.get(kvKey(s)))?.json<StationRecord>()
  expect(record).toEqual({
    registrationStatus: 'Accepted',
    firstSeenAt: '2026-11-27T10:00:00.000Z',
    source: 'api',
    updatedAt: row.registration_status_at?.toISOString(),
  })

  const reject = await api.request('POST', `/v1/stations/${s}/registration`, {
    key: 'write',
    body: { status: 'Rejected' },
  })
  expect(reject.json.registrationStatus).toBe('Rejected')
  expect((await kv.get(kvKey(s)))?.json<StationRecord>().registrationStatus).toBe('Rejected')
})

test('a bad registration body or an unknown station changes nothing', async () => {
  const s = `${p}Q`
  await aStation(db, s, { registration_status: 'Pending' })
  const kv = api.deps.kv.stations
  const bad = await api.request('POST', `/v1/stations/${s}/registration`, {
    key: 'write',
    body: { status: 'Pending' },
  })
  expect(bad.status).toBe(400)
  expect(bad.json.errors).toEqual([{ name: 'status', reason: 'must be one of Accepted, Rejected' }])
  const extra = await api.request('POST', `/v1/stations/${s}/registration`, {
    key: 'write',
    body: { status: 'Accepted', because: 'yes' },
  })
  expect(extra.json.errors).toEqual([{ name: 'because', reason: 'is not a known field' }])
  const unknown = await api.request('POST', `/v1/stations/${p}ghost/registration`, {
    key: 'write',
    body: { status: 'Accepted' },
  })
  expect(unknown.status).toBe(404)
  const row = await db
    .selectFrom('stations')
    .select('registration_status')
    .where('id', '=', s)
    .executeTakeFirstOrThrow()
  expect(row.registration_status).toBe('Pending')
  expect(await kv.get(kvKey(s))).toBeNull()
  expect(await kv.get(kvKey(`${p}ghost`))).toBeNull()
})
