import { type Bus, connectBus } from '@chargebus/bus'
import { pino } from 'pino'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import {
  idTagKey,
  type KvBucketHandles,
  KvBuckets,
  kvKey,
  mirrorIdTag,
  mirrorRegistration,
  openKvBuckets,
  removeIdTag,
  type StationRecord,
} from '../../src/index.ts'

/*
 * The writers the API, ingest's reconciliation sweep and the CLI share, against a real NATS KV: newer
 * `updatedAt` wins, station records keep what the decision does not change, writes are compare-and-set.
 */

let bus: Bus
let kvs: KvBucketHandles

beforeAll(async () => {
  bus = await connectBus({
    servers: NATS_URL,
    name: 'station-registry-test',
    namespace: uniqueNamespace('reg'),
    logger: pino({ level: 'silent' }),
  })
  kvs = await openKvBuckets(bus)
})
afterAll(async () => {
  await bus?.deleteNamespace()
  await bus?.close()
})

const at = (iso: string) => new Date(iso)
// Read back by bucket name, as the gateway does: checks openKvBuckets opened the right buckets too.
const idTagJson = async (idTag: string) =>
  (await (await bus.kv(KvBuckets.idTags)).get(idTagKey(idTag)))?.json()
const stationJson = async (id: string) =>
  (await (await bus.kv(KvBuckets.stations)).get(kvKey(id)))?.json<StationRecord>()

test('mirrorIdTag writes the record under the case-insensitive key; the same again is unchanged', async () => {
  const tag = {
    idTag: 'tag-w1',
    status: 'Blocked' as const,
    expiryDate: at('2027-01-01T00:00:00Z'),
    parentIdTag: 'FLEET-9',
    updatedAt: at('2026-11-26T10:00:00Z'),
  }
  expect(await mirrorIdTag(kvs.idTags, tag)).toBe('written')
  const revision = (await kvs.idTags.get(idTagKey('TAG-W1')))?.revision
  expect(await mirrorIdTag(kvs.idTags, tag)).toBe('unchanged')
  expect((await kvs.idTags.get(idTagKey('TAG-W1')))?.revision).toBe(revision)
  expect(await idTagJson('Tag-W1')).toEqual({
    status: 'Blocked',
    expiryDate: '2027-01-01T00:00:00.000Z',
    parentIdTag: 'FLEET-9',
    updatedAt: '2026-11-26T10:00:00.000Z',
  })

  // null fields (a Postgres row) are left out of the record
  const cleared = { ...tag, expiryDate: null, parentIdTag: null, updatedAt: at('2026-11-26T10:05:00Z') }
  expect(await mirrorIdTag(kvs.idTags, cleared)).toBe('written')
  expect(await idTagJson('TAG-W1')).toEqual({ status: 'Blocked', updatedAt: '2026-11-26T10:05:00.000Z' })
})

test('mirrorIdTag: a newer record in KV wins, an older one is replaced', async () => {
  const base = { idTag: 'TAG-W2', status: 'Accepted' as const }
  await kvs.idTags.put(
    idTagKey('TAG-W2'),
    JSON.stringify({ status: 'Blocked', updatedAt: '2026-11-26T12:00:00.000Z' }),
  )
  expect(await mirrorIdTag(kvs.idTags, { ...base, updatedAt: at('2026-11-26T11:00:00Z') })).toBe('kv-newer')
  expect(await idTagJson('TAG-W2')).toMatchObject({ status: 'Blocked' })
  expect(await mirrorIdTag(kvs.idTags, { ...base, updatedAt: at('2026-11-26T13:00:00Z') })).toBe('written')
  expect(await idTagJson('TAG-W2')).toMatchObject({ status: 'Accepted' })

  // A record the gateway cannot read does not block a write, whatever its updatedAt says.
  await kvs.idTags.put(
    idTagKey('TAG-W2'),
    JSON.stringify({ status: 'Maybe', updatedAt: '2099-01-01T00:00:00.000Z' }),
  )
  expect(await mirrorIdTag(kvs.idTags, { ...base, updatedAt: at('2026-11-26T14:00:00Z') })).toBe('written')
})

test('concurrent writers: the newest decision ends up in KV (compare-and-set retries)', async () => {
  const times = Array.from({ length: 6 }, (_, i) => at(`2026-11-26T10:0${i}:00Z`))
  const outcomes = await Promise.all(
    times.map((updatedAt, i) =>
      mirrorIdTag(kvs.idTags, { idTag: 'TAG-RACE', status: i === 5 ? 'Expired' : 'Accepted', updatedAt }),
    ),
  )
  expect(outcomes).toContain('written')
  expect(await idTagJson('TAG-RACE')).toEqual({ status: 'Expired', updatedAt: '2026-11-26T10:05:00.000Z' })
})

test('removeIdTag deletes unless KV is newer; nothing to remove is unchanged; a removed tag can return', async () => {
  const tag = { idTag: 'TAG-W3', status: 'Accepted' as const, updatedAt: at('2026-11-26T10:00:00Z') }
  await mirrorIdTag(kvs.idTags, tag)
  expect(await removeIdTag(kvs.idTags, 'TAG-W3', at('2026-11-26T09:00:00Z'))).toBe('kv-newer')
  expect(await idTagJson('TAG-W3')).toMatchObject({ status: 'Accepted' })
  expect(await removeIdTag(kvs.idTags, 'tag-w3', at('2026-11-26T10:30:00Z'))).toBe('removed')
  expect((await kvs.idTags.get(idTagKey('TAG-W3')))?.operation).toBe('DEL')
  expect(await removeIdTag(kvs.idTags, 'TAG-W3', at('2026-11-26T10:30:00Z'))).toBe('unchanged')
  expect(await removeIdTag(kvs.idTags, 'TAG-NEVER', at('2026-11-26T10:30:00Z'))).toBe('unchanged')

  // Written again over the delete marker.
  expect(await mirrorIdTag(kvs.idTags, { ...tag, updatedAt: at('2026-11-26T11:00:00Z') })).toBe('written')
  expect(await idTagJson('TAG-W3')).toMatchObject({ status: 'Accepted' })
})

test('mirrorRegistration keeps the password hash and firstSeenAt; a newer KV decision wins', async () => {
  const password = { algorithm: 'sha256' as const, salt: 'c2FsdA==', hash: 'aGFzaA==' }
  await kvs.stations.put(
    kvKey('urn:cp:W1'),
    JSON.stringify({
      registrationStatus: 'Pending',
      password,
      firstSeenAt: '2026-11-26T10:00:00.000Z',
      updatedAt: '2026-11-26T10:00:00.000Z',
      source: 'gateway',
    }),
  )
  const decision = {
    stationId: 'urn:cp:W1',
    registrationStatus: 'Accepted' as const,
    decidedAt: at('2026-11-26T11:00:00Z'),
    source: 'api',
  }
  expect(await mirrorRegistration(kvs.stations, decision)).toBe('written')
  expect(await mirrorRegistration(kvs.stations, decision)).toBe('unchanged')
  expect(await stationJson('urn:cp:W1')).toEqual({
    registrationStatus: 'Accepted',
    password,
    firstSeenAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T11:00:00.000Z',
    source: 'api',
  })

  // A newer decision made directly in KV (e.g. pnpm chargebus station set) is not overwritten.
  await kvs.stations.put(
    kvKey('urn:cp:W1'),
    JSON.stringify({ registrationStatus: 'Rejected', updatedAt: '2026-11-26T12:00:00.000Z' }),
  )
  expect(await mirrorRegistration(kvs.stations, decision)).toBe('kv-newer')
  expect(await stationJson('urn:cp:W1')).toMatchObject({ registrationStatus: 'Rejected' })
})

test('mirrorRegistration: an unknown decision time writes only a missing record', async () => {
  const decision = {
    stationId: 'CP-W2',
    registrationStatus: 'Pending' as const,
    decidedAt: null,
    source: 'ingest',
  }
  expect(await mirrorRegistration(kvs.stations, decision)).toBe('written')
  expect(await stationJson('CP-W2')).toEqual({ registrationStatus: 'Pending', source: 'ingest' })
  expect(await mirrorRegistration(kvs.stations, { ...decision, registrationStatus: 'Rejected' })).toBe(
    'unchanged',
  )
  expect(await stationJson('CP-W2')).toMatchObject({ registrationStatus: 'Pending' })
})

test('mirrorRegistration sets or removes the password and keeps the status when none is given', async () => {
  const password = { algorithm: 'sha256' as const, salt: 'c2FsdA==', hash: 'aGFzaA==' }
  const cli = { stationId: 'CP-W3', source: 'cli' }
  expect(
    await mirrorRegistration(kvs.stations, { ...cli, password, decidedAt: at('2026-11-26T10:00:00Z') }),
  ).toBe('written')
  expect(await stationJson('CP-W3')).toEqual({
    registrationStatus: 'Accepted',
    password,
    updatedAt: '2026-11-26T10:00:00.000Z',
    source: 'cli',
  })
  await mirrorRegistration(kvs.stations, {
    ...cli,
    registrationStatus: 'Rejected',
    decidedAt: at('2026-11-26T10:01:00Z'),
  })
  expect(await stationJson('CP-W3')).toMatchObject({ registrationStatus: 'Rejected', password })
  await mirrorRegistration(kvs.stations, { ...cli, password: null, decidedAt: at('2026-11-26T10:02:00Z') })
  expect(await stationJson('CP-W3')).toEqual({
    registrationStatus: 'Rejected',
    updatedAt: '2026-11-26T10:02:00.000Z',
    source: 'cli',
  })
})
