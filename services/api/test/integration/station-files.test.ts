import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Database, Kysely } from '@chargebus/db'
import { testDb } from '../../../../test/support/database.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'

const SLOW = 30_000
let api: TestApi
let db: Kysely<Database>
let storageDir: string
const station = (n: string) => `FILES-${Date.now().toString(36)}${randomBytes(2).toString('hex')}-${n}`
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

beforeAll(async () => {
  storageDir = mkdtempSync(join(tmpdir(), 'chargebus-api-files-'))
  api = await startTestApi({ STORAGE_URL: storageDir })
  db = testDb()
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
  rmSync(storageDir, { recursive: true, force: true })
})

/** A first copy as ftp-ingest leaves it: the object stored, then its row. */
async function upload(stationId: string, name: string, bytes: Buffer, receivedAt: string) {
  const id = randomUUID()
  const objectKey = `ftp/${stationId}/${id}`
  await api.deps.storage.put(objectKey, bytes)
  await db
    .insertInto('ftp_files')
    .values({
      id,
      station_id: stationId,
      name,
      object_key: objectKey,
      size: bytes.length,
      sha256: sha256(bytes),
      received_at: receivedAt,
      remote_address: '192.0.2.7',
    })
    .execute()
  return id
}

test("a station's files are listed newest first, page by page, with from/to and prefix filters", async () => {
  const s = station('list')
  const ids: string[] = []
  for (const [i, at] of [
    '2026-12-01T10:00:00.000001Z',
    '2026-12-01T11:00:00Z',
    '2026-12-01T11:00:00Z', // a tie: id breaks it
    '2026-12-01T12:00:00Z',
    '2026-12-01T13:00:00Z',
  ].entries()) {
    ids.push(await upload(s, i % 2 === 0 ? `diag-${i}.log` : `meter-${i}.csv`, randomBytes(10 + i), at))
  }
  const expected = await db
    .selectFrom('ftp_files')
    .select('id')
    .where('station_id', '=', s)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .execute()

  const seen: string[] = []
  let url: string | null = `/v1/stations/${s}/files?limit=2`
  let pages = 0
  while (url !== null) {
    const res = await api.request('GET', url, { key: 'read' })
    expect(res.status).toBe(200)
    seen.push(...res.json.data.map((f: { id: string }) => f.id))
    url = res.json.next
    pages++
  }
  expect(pages).toBe(3)
  expect(seen).toEqual(expected.map((r) => r.id))
  expect(new Set(seen)).toEqual(new Set(ids))

  const ranged = await api.request(
    'GET',
    `/v1/stations/${s}/files?from=2026-12-01T11:00:00Z&to=2026-12-01T13:00:00Z`,
    { key: 'read' },
  )
  expect(ranged.json.data.map((f: { receivedAt: string }) => f.receivedAt)).toEqual([
    '2026-12-01T12:00:00.000Z',
    '2026-12-01T11:00:00.000Z',
    '2026-12-01T11:00:00.000Z',
  ])
  const diag = await api.request('GET', `/v1/stations/${s}/files?prefix=diag-`, { key: 'read' })
  expect(diag.json.data.map((f: { name: string }) => f.name)).toEqual([
    'diag-4.log',
    'diag-2.log',
    'diag-0.log',
  ])
  // A LIKE wildcard in the prefix means itself.
  const wildcard = await api.request('GET', `/v1/stations/${s}/files?prefix=diag_`, { key: 'read' })
  expect(wildcard.json).toMatchObject({ data: [] })
})

test('metadata and content: the bytes stream back with their length, hash as ETag and a safe file name', async () => {
  const s = station('content')
  const bytes = randomBytes(300_000)
  const name = 'diag "1";\u00e9.log'
  const id = await upload(s, name, bytes, '2026-12-02T08:00:00Z')

  const meta = await api.request('GET', `/v1/files/${id}`, { key: 'read' })
  expect(meta.status).toBe(200)
  expect(meta.json).toEqual({
    id,
    stationId: s,
    name,
    size: bytes.length,
    sha256: sha256(bytes),
    receivedAt: '2026-12-02T08:00:00.000Z',
    duplicateOf: null,
    remoteAddress: '192.0.2.7',
  })

  const res = await api.request('GET', `/v1/files/${id}/content`, { key: 'read' })
  expect(res.status).toBe(200)
  expect(res.headers['content-type']).toBe('application/octet-stream')
  expect(res.headers['content-length']).toBe(String(bytes.length))
  expect(res.headers.etag).toBe(`"${sha256(bytes)}"`)
  expect(res.headers['content-disposition']).toBe(
    `attachment; filename="diag _1___.log"; filename*=UTF-8''diag%20%221%22%3B%C3%A9.log`,
  )
  expect(sha256(res.raw)).toBe(sha256(bytes))
  expect(res.raw.equals(bytes)).toBe(true)

  // Bytes go out as stored: no compression (octet-stream), so Content-Length and the hash hold.
  const gzipAsked = await api.request('GET', `/v1/files/${id}/content`, {
    key: 'read',
    headers: { 'accept-encoding': 'gzip' },
  })
  expect(gzipAsked.headers['content-encoding']).toBeUndefined()
  expect(gzipAsked.raw.equals(bytes)).toBe(true)

  const again = await api.request('GET', `/v1/files/${id}/content`, {
    key: 'read',
    headers: { 'if-none-match': res.headers.etag as string },
  })
  expect(again.status).toBe(304)
  expect(again.raw.length).toBe(0)

  const head = await api.app.inject({
    method: 'HEAD',
    url: `/v1/files/${id}/content`,
    headers: { authorization: `Bearer ${api.keys.read}` },
  })
  expect(head.statusCode).toBe(200)
  expect(head.headers['content-length']).toBe(String(bytes.length))
  expect(head.headers.etag).toBe(`"${sha256(bytes)}"`)
  expect(head.rawPayload.length).toBe(0)
})

test("a duplicate upload serves the first copy's bytes", async () => {
  const s = station('dup')
  const bytes = randomBytes(2048)
  const first = await upload(s, 'meter.csv', bytes, '2026-12-03T08:00:00Z')
  const dup = randomUUID()
  // Its own key names no object: only the first copy's object holds the bytes.
  await db
    .insertInto('ftp_files')
    .values({
      id: dup,
      station_id: s,
      name: 'meter-again.csv',
      object_key: `ftp/${s}/${dup}`,
      size: bytes.length,
      sha256: sha256(bytes),
      duplicate_of: first,
      received_at: '2026-12-03T09:00:00Z',
      remote_address: null,
    })
    .execute()
  const meta = await api.request('GET', `/v1/files/${dup}`, { key: 'read' })
  expect(meta.json).toMatchObject({ id: dup, duplicateOf: first, name: 'meter-again.csv' })
  const res = await api.request('GET', `/v1/files/${dup}/content`, { key: 'read' })
  expect(res.status).toBe(200)
  expect(res.raw.equals(bytes)).toBe(true)
  expect(res.headers['content-disposition']).toContain('filename="meter-again.csv"')
})

test('unknown stations and files are 404 problems; a station with no files is an empty list', async () => {
  const unknown = await api.request('GET', `/v1/stations/${station('none')}/files`, { key: 'read' })
  expect(unknown.status).toBe(404)
  expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(unknown.json.code).toBe('API_ERR_STATION_NOT_FOUND')

  const known = station('known')
  await db.insertInto('stations').values({ id: known }).execute()
  const empty = await api.request('GET', `/v1/stations/${known}/files`, { key: 'read' })
  expect(empty.status).toBe(200)
  expect(empty.json.data).toEqual([])

  for (const path of [`/v1/files/${randomUUID()}`, `/v1/files/${randomUUID()}/content`]) {
    const res = await api.request('GET', path, { key: 'read' })
    expect(res.status).toBe(404)
    expect(res.json.code).toBe('API_ERR_FILE_NOT_FOUND')
  }
  const bad = await api.request('GET', '/v1/files/not-a-uuid', { key: 'read' })
  expect(bad.status).toBe(400)
  expect(bad.json.errors).toEqual([expect.objectContaining({ name: 'fileId' })])
})

test('a file whose object is missing is a 404, not a broken stream', async () => {
  const s = station('lost')
  const id = await upload(s, 'lost.log', Buffer.from('gone soon'), '2026-12-04T08:00:00Z')
  const row = await db
    .selectFrom('ftp_files')
    .select('object_key')
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  await api.deps.storage.delete(row.object_key)
  const res = await api.request('GET', `/v1/files/${id}/content`, { key: 'read' })
  expect(res.status).toBe(404)
  expect(res.json.code).toBe('API_ERR_FILE_NOT_FOUND')
  expect(res.headers['content-disposition']).toBeUndefined()
})

test('reading files needs an API key with the read scope', async () => {
  const s = station('scope')
  const id = await upload(s, 'a.log', Buffer.from('x'), '2026-12-05T08:00:00Z')
  for (const path of [`/v1/stations/${s}/files`, `/v1/files/${id}`, `/v1/files/${id}/content`]) {
    expect((await api.request('GET', path, { key: null })).status).toBe(401)
    expect((await api.request('GET', path, { key: 'bi' })).status).toBe(403)
    expect((await api.request('GET', path, { key: 'read' })).status).toBe(200)
  }
})
