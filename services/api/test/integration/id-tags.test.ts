import type { Database, Kysely } from '@chargebus/db'
import { type IdTagRecord, idTagKey, KvBuckets } from '@chargebus/station-registry'
import type { KV } from '@nats-io/kv'
import { testDb } from '../../../../test/support/database.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'

const SLOW = 30_000
let api: TestApi
let db: Kysely<Database>
let kv: KV
const tag = (n: string) =>
  `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 6)}-${n}`

beforeAll(async () => {
  api = await startTestApi()
  db = testDb()
  kv = api.deps.kv.idTags
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
})

/** The gateway's view: read back from the KV bucket it mirrors, within a second. */
async function kvRecord(idTag: string): Promise<IdTagRecord | null> {
  const e = await kv.get(idTagKey(idTag))
  return e === null || e.operation !== 'PUT' ? null : e.json<IdTagRecord>()
}

test('create, read, update, block and delete an id tag; each change reaches the gateway KV', async () => {
  const t = tag('Ab')
  const created = await api.request('POST', '/v1/id-tags', {
    key: 'write',
    body: { idTag: t, expiryDate: '2027-01-01T00:00:00Z', parentIdTag: 'FLEET-1', note: 'van 7' },
  })
  expect(created.status).toBe(201)
  expect(created.headers.location).toBe(`/v1/id-tags/${t}`)
  expect(created.json).toMatchObject({
    idTag: t,
    status: 'Accepted',
    expiryDate: '2027-01-01T00:00:00.000Z',
    parentIdTag: 'FLEET-1',
    note: 'van 7',
  })
  expect(await kvRecord(t)).toEqual({
    status: 'Accepted',
    expiryDate: '2027-01-01T00:00:00.000Z',
    parentIdTag: 'FLEET-1',
    updatedAt: created.json.updatedAt,
  })

  expect((await api.request('GET', `/v1/id-tags/${t.toLowerCase()}`, { key: 'read' })).json.idTag).toBe(t)
  const dup = await api.request('POST', '/v1/id-tags', { key: 'write', body: { idTag: t.toUpperCase() } })
  expect(dup.status).toBe(409)
  expect(dup.json.code).toBe('API_ERR_ID_TAG_EXISTS')

  const patched = await api.request('PATCH', `/v1/id-tags/${t}`, {
    key: 'write',
    body: { expiryDate: null, note: 'moved' },
  })
  expect(patched.json).toMatchObject({
    status: 'Accepted',
    expiryDate: null,
    note: 'moved',
    parentIdTag: 'FLEET-1',
  })
  expect(await kvRecord(t)).toEqual({
    status: 'Accepted',
    parentIdTag: 'FLEET-1',
    updatedAt: patched.json.updatedAt,
  })

  const blocked = await api.request('POST', `/v1/id-tags/${t}/block`, { key: 'write' })
  expect(blocked.json.status).toBe('Blocked')
  expect((await kvRecord(t))?.status).toBe('Blocked')

  const listed = await api.request('GET', '/v1/id-tags?status=Blocked&limit=500')
  expect(listed.json.data.map((x: { idTag: string }) => x.idTag)).toContain(t)

  const deleted = await api.request('DELETE', `/v1/id-tags/${t}`, { key: 'write' })
  expect(deleted.status).toBe(204)
  expect(deleted.body).toBe('')
  expect(await kvRecord(t)).toBeNull()
  expect((await api.request('GET', `/v1/id-tags/${t}`)).status).toBe(404)
  expect((await api.request('DELETE', `/v1/id-tags/${t}`)).status).toBe(404)
})

test('a running gateway mirror sees a change within a second', async () => {
  const t = tag('W')
  const seen = new Promise<number>((resolve) => {
    const started = Date.now()
    void (async () => {
      const watch = await kv.watch({ key: idTagKey(t) })
      for await (const e of watch) {
        if (e.operation === 'PUT' && e.json<IdTagRecord>().status === 'Blocked') {
          resolve(Date.now() - started)
          watch.stop()
        }
      }
    })()
  })
  await api.request('POST', '/v1/id-tags', { body: { idTag: t, status: 'Blocked' } })
  expect(await seen).toBeLessThan(1000)
})

test('bad input names the fields and writes nothing (Postgres nor KV)', async () => {
  const t = tag('Bad')
  const res = await api.request('POST', '/v1/id-tags', {
    key: 'write',
    body: { idTag: t, status: 'Maybe', expiryDate: 'soon', colour: 'red' },
  })
  expect(res.status).toBe(400)
  expect(res.json.errors.map((e: { name: string }) => e.name).sort()).toEqual([
    'colour',
    'expiryDate',
    'status',
  ])
  const tooLong = await api.request('POST', '/v1/id-tags', { body: { idTag: 'x'.repeat(21) } })
  expect(tooLong.json.errors).toEqual([{ name: 'idTag', reason: 'must NOT have more than 20 characters' }])
  const missing = await api.request('POST', '/v1/id-tags', { body: {} })
  expect(missing.json.errors).toEqual([{ name: 'idTag', reason: "must have required property 'idTag'" }])
  const emptyPatch = await api.request('PATCH', `/v1/id-tags/${t}`, { body: {} })
  expect(emptyPatch.status).toBe(400)
  expect(
    await db.selectFrom('id_tags').selectAll().where('id_tag', '=', t).executeTakeFirst(),
  ).toBeUndefined()
  expect(await kvRecord(t)).toBeNull()
})

test(
  'when the KV write fails nothing is committed (503)',
  async () => {
    const t = tag('Kv')
    const broken = await startTestApi()
    try {
      // Deleting the bucket's stream makes every KV write fail.
      const { connect } = await import('@nats-io/transport-node')
      const { jetstreamManager } = await import('@nats-io/jetstream')
      const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' })
      await (await jetstreamManager(nc)).streams.delete(
        `KV_${broken.namespace.toUpperCase()}_${KvBuckets.idTags}`,
      )
      await nc.close()
      const res = await broken.request('POST', '/v1/id-tags', { body: { idTag: t } })
      expect(res.status).toBe(503)
      expect(res.json.code).toBe('API_ERR_UNAVAILABLE')
      expect(
        await db.selectFrom('id_tags').selectAll().where('id_tag', '=', t).executeTakeFirst(),
      ).toBeUndefined()
      expectContractKept(broken)
    } finally {
      await broken.close()
    }
  },
  SLOW,
)
