import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Database, Kysely } from '@chargebus/db'
import { testClock } from '../../../../test/support/clock.ts'
import { testDb } from '../../../../test/support/database.ts'
import { addFirmwareImage } from '../../src/data-access/firmware-catalogue.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'

const SLOW = 30_000
const MAX_BYTES = 64 * 1024
let api: TestApi
let db: Kysely<Database>
let storageDir: string
const clock = testClock('2026-12-06T09:30:00Z')
const imageName = (n: string) => `fw-${Date.now().toString(36)}${randomBytes(2).toString('hex')}-${n}.bin`
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const octets = { 'content-type': 'application/octet-stream' }

beforeAll(async () => {
  storageDir = mkdtempSync(join(tmpdir(), 'chargebus-api-firmware-'))
  api = await startTestApi({ STORAGE_URL: storageDir, API_FIRMWARE_MAX_BYTES: String(MAX_BYTES) }, { clock })
  db = testDb()
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
  rmSync(storageDir, { recursive: true, force: true })
})

/** Every object under firmware/ (what an upload may have left behind). */
async function storedObjects(): Promise<string[]> {
  const keys: string[] = []
  for await (const o of api.deps.storage.list('firmware/')) keys.push(o.key)
  return keys
}

function put(name: string, bytes: Buffer, query = 'version=2.1.0', key = 'admin') {
  return api.request('PUT', `/v1/firmware/${name}?${query}`, { key, headers: octets, payload: bytes })
}

test('upload, get, list, download and delete a firmware image', async () => {
  const name = imageName('ok')
  const bytes = randomBytes(40_000)
  const created = await put(name, bytes, 'version=2.1.0&description=night%20build')
  expect(created.status).toBe(201)
  expect(created.headers.location).toBe(`/v1/firmware/${name}`)
  const view = {
    name,
    version: '2.1.0',
    size: bytes.length,
    sha256: sha256(bytes),
    createdAt: clock().toISOString(),
    description: 'night build',
  }
  expect(created.json).toEqual(view)
  const row = await db
    .selectFrom('firmware_images')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirstOrThrow()
  expect(row).toMatchObject({ size: String(bytes.length), sha256: sha256(bytes) })

  expect((await api.request('GET', `/v1/firmware/${name}`, { key: 'read' })).json).toEqual(view)
  const listed = await api.request('GET', '/v1/firmware?limit=500', { key: 'read' })
  expect(listed.json.data).toContainEqual(view)

  const content = await api.request('GET', `/v1/firmware/${name}/content`, {
    key: 'read',
    headers: { 'accept-encoding': 'gzip' },
  })
  expect(content.status).toBe(200)
  expect(content.headers['content-encoding']).toBeUndefined()
  expect(content.headers['content-length']).toBe(String(bytes.length))
  expect(content.headers.etag).toBe(`"${sha256(bytes)}"`)
  expect(content.headers['content-disposition']).toContain(`filename="${name}"`)
  expect(content.raw.equals(bytes)).toBe(true)

  const deleted = await api.request('DELETE', `/v1/firmware/${name}`)
  expect(deleted.status).toBe(204)
  expect(await db.selectFrom('firmware_images').select('id').where('name', '=', name).execute()).toEqual([])
  expect(await api.deps.storage.head(row.object_key)).toBeUndefined()
  for (const path of [`/v1/firmware/${name}`, `/v1/firmware/${name}/content`]) {
    const gone = await api.request('GET', path, { key: 'read' })
    expect(gone.status).toBe(404)
    expect(gone.json.code).toBe('API_ERR_FIRMWARE_NOT_FOUND')
  }
  expect((await api.request('DELETE', `/v1/firmware/${name}`)).json.code).toBe('API_ERR_FIRMWARE_NOT_FOUND')
})

test('the list pages by name', async () => {
  const prefix = imageName('page').slice(0, -4)
  const names = ['c', 'a', 'b'].map((n) => `${prefix}-${n}.bin`)
  for (const n of names) expect((await put(n, randomBytes(10))).status).toBe(201)
  const all: string[] = []
  let url: string | null = '/v1/firmware?limit=1'
  while (url !== null) {
    const res = await api.request('GET', url, { key: 'read' })
    all.push(...res.json.data.map((i: { name: string }) => i.name))
    url = res.json.next
  }
  expect(all.filter((n) => n.startsWith(prefix))).toEqual([...names].sort())
  expect(all).toEqual([...all].sort())
})

test('the same name twice is 409 and leaves the first image and no second object', async () => {
  const name = imageName('twice')
  const first = randomBytes(1000)
  expect((await put(name, first)).status).toBe(201)
  const before = await storedObjects()
  const again = await put(name, randomBytes(1000), 'version=2.2.0')
  expect(again.status).toBe(409)
  expect(again.json.code).toBe('API_ERR_FIRMWARE_EXISTS')
  expect(await storedObjects()).toEqual(before)
  const content = await api.request('GET', `/v1/firmware/${name}/content`, { key: 'read' })
  expect(content.raw.equals(first)).toBe(true)
})

test('a too large upload is 413 and leaves no row and no object', async () => {
  const before = await storedObjects()
  for (const [name, headers] of [
    [imageName('big'), octets], // Content-Length says so: refused before reading
    [imageName('big-chunked'), { ...octets, 'transfer-encoding': 'chunked' }], // found while streaming
  ] as const) {
    const res = await api.request('PUT', `/v1/firmware/${name}?version=1`, {
      headers,
      payload: randomBytes(MAX_BYTES + 1),
    })
    expect(res.status).toBe(413)
    expect(res.json.code).toBe('API_ERR_BODY_TOO_LARGE')
    expect(await db.selectFrom('firmware_images').select('id').where('name', '=', name).execute()).toEqual([])
  }
  expect(await storedObjects()).toEqual(before)
  // Exactly the limit is fine.
  expect((await put(imageName('limit'), randomBytes(MAX_BYTES))).status).toBe(201)
})

test('bad names, a missing version and a JSON body are refused and store nothing', async () => {
  const before = await storedObjects()
  for (const name of ['.hidden', 'a%2Fb', 'sp%20ace', 'x'.repeat(129)]) {
    const res = await put(name, randomBytes(10))
    expect(res.status).toBe(400)
    expect(res.json.errors).toEqual([expect.objectContaining({ name: 'name' })])
  }
  const noVersion = await put(imageName('nov'), randomBytes(10), '')
  expect(noVersion.status).toBe(400)
  expect(noVersion.json.errors).toEqual([expect.objectContaining({ name: 'version' })])
  const json = await api.request('PUT', `/v1/firmware/${imageName('json')}?version=1`, { body: { a: 1 } })
  expect(json.status).toBe(415)
  expect(await storedObjects()).toEqual(before)
})

test('writes need admin (as UpdateFirmware does); reads need read', async () => {
  const name = imageName('scope')
  for (const key of ['read', 'write', 'bi']) {
    const res = await put(name, randomBytes(10), 'version=1', key)
    expect(res.status).toBe(403)
  }
  expect((await put(name, randomBytes(10), 'version=1', 'admin')).status).toBe(201)
  expect((await api.request('GET', `/v1/firmware/${name}`, { key: 'bi' })).status).toBe(403)
  expect((await api.request('GET', `/v1/firmware/${name}/content`, { key: null })).status).toBe(401)
  expect((await api.request('DELETE', `/v1/firmware/${name}`, { key: 'write' })).status).toBe(403)
  expect((await api.request('GET', `/v1/firmware/${name}`, { key: 'read' })).status).toBe(200)
})

test('an upload without a body is refused as 415', async () => {
  const res = await api.request('PUT', `/v1/firmware/${imageName('nobody')}?version=1`)
  expect(res.status).toBe(415)
  expect(res.json.code).toBe('API_ERR_MEDIA_TYPE')
})

test('the OpenAPI document describes the upload body as bytes', async () => {
  const doc = (await api.app.inject({ url: '/openapi.json' })).json()
  const put = doc.paths['/v1/firmware/{name}'].put
  expect(Object.keys(put.requestBody.content)).toEqual(['application/octet-stream'])
  expect(doc.paths['/v1/firmware/{name}/content'].get.responses['200'].content).toHaveProperty(
    'application/octet-stream',
  )
})

test('two uploads of one name at once: one wins, the other is 409 and its object is removed', async () => {
  const name = imageName('race')
  const before = await storedObjects()
  const add = (bytes: Buffer) =>
    addFirmwareImage(api.deps.db, api.deps.storage, () => bytes, {
      name,
      version: '1',
      description: null,
      maxBytes: MAX_BYTES,
      at: clock(),
    })
  const [a, b] = [randomBytes(5000), randomBytes(5000)]
  const results = await Promise.allSettled([add(a), add(b)])
  const won = results.filter((r) => r.status === 'fulfilled')
  const lost = results.filter((r) => r.status === 'rejected')
  expect(won).toHaveLength(1)
  expect(lost.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['API_ERR_FIRMWARE_EXISTS'])
  const after = await storedObjects()
  expect(after.filter((k) => !before.includes(k))).toHaveLength(1)
  const content = await api.request('GET', `/v1/firmware/${name}/content`, { key: 'read' })
  const winner = results[0]?.status === 'fulfilled' ? a : b
  expect(content.raw.equals(winner)).toBe(true)
})
