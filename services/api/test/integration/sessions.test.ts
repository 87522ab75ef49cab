import type { Database, Kysely } from '@chargebus/db'
import { testDb } from '../../../../test/support/database.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'
import { aSession, aStation, meterValues, uniquePrefix } from '../support/seed.ts'

const SLOW = 30_000
let api: TestApi
let db: Kysely<Database>
const p = uniquePrefix('se')
const S1 = `${p}S1`
const S2 = `${p}S2`
const at = (h: number, m = 0, s = 0) => new Date(Date.UTC(2026, 10, 20, h, m, s))
let done1: number
let done2: number
let active: number
let other: number

beforeAll(async () => {
  api = await startTestApi()
  db = testDb()
  await aStation(db, S1)
  await aStation(db, S2)
  done1 = await aSession(db, S1, {
    idTag: `${p}TAG`.slice(-20),
    startedAt: at(8),
    stoppedAt: at(9),
    meterStart: 1000,
    meterStop: 8500,
  })
  done2 = await aSession(db, S1, { idTag: 'OTHER', startedAt: at(10), stoppedAt: at(11) })
  active = await aSession(db, S1, { idTag: `${p}tag`.slice(-20), startedAt: at(12) })
  other = await aSession(db, S2, { startedAt: at(12, 30) })
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
})

const ids = (r: { json: { data: Array<{ id: number }> } }) => r.json.data.map((s) => s.id)

test('sessions newest first, filtered by station, id tag (any case), time range and active', async () => {
  expect(ids(await api.request('GET', `/v1/sessions?stationId=${S1}`, { key: 'read' }))).toEqual([
    active,
    done2,
    done1,
  ])
  expect(ids(await api.request('GET', `/v1/sessions?stationId=${S1}&active=true`))).toEqual([active])
  expect(ids(await api.request('GET', `/v1/sessions?stationId=${S1}&active=false`))).toEqual([done2, done1])
  expect(
    ids(
      await api.request(
        'GET',
        `/v1/sessions?idTag=${encodeURIComponent(`${p}TAG`.slice(-20).toLowerCase())}`,
      ),
    ),
  ).toEqual([active, done1])
  expect(
    ids(
      await api.request(
        'GET',
        `/v1/sessions?stationId=${S1}&from=${at(9).toISOString()}&to=${at(12).toISOString()}`,
      ),
    ),
  ).toEqual([done2])
  expect(ids(await api.request('GET', `/v1/sessions?stationId=${S2}`))).toEqual([other])
  const one = await api.request('GET', `/v1/sessions/${done1}`)
  expect(one.json).toEqual({
    id: done1,
    stationId: S1,
    connectorId: 1,
    idTag: `${p}TAG`.slice(-20),
    idTagStatus: 'Accepted',
    state: 'completed',
    startedAt: at(8).toISOString(),
    stoppedAt: at(9).toISOString(),
    meterStartWh: 1000,
    meterStopWh: 8500,
    energyWh: 7500,
    durationS: 3600,
    stopReason: null,
  })
  expect((await api.request('GET', '/v1/sessions/2147483000')).json.code).toBe('API_ERR_SESSION_NOT_FOUND')
  const bad = await api.request('GET', `/v1/sessions?active=maybe&from=yesterday`)
  expect(bad.json.errors.map((e: { name: string }) => e.name).sort()).toEqual(['active', 'from'])
})

test('session pages with equal start times stay in a stable order with no duplicates or gaps', async () => {
  const s = `${p}EQ`
  await aStation(db, s)
  const made: number[] = []
  for (let i = 0; i < 11; i++) made.push(await aSession(db, s, { startedAt: at(6, i % 3) }))
  const seen: number[] = []
  let next: string | null = `/v1/sessions?stationId=${s}&limit=3`
  while (next !== null) {
    const res: { json: { data: Array<{ id: number }>; next: string | null } } = await api.request('GET', next)
    seen.push(...ids(res))
    next = res.json.next
  }
  expect([...seen].sort()).toEqual([...made].sort())
  expect(new Set(seen).size).toBe(seen.length)
})

test("a session's meter values: raw with time range, measurand and pages", async () => {
  const samples = Array.from({ length: 30 }, (_, i) => ({ at: at(8, i * 2), value: 1000 + i * 250 }))
  await meterValues(db, S1, done1, samples)
  await meterValues(
    db,
    S1,
    done1,
    samples.map((s, i) => ({
      at: s.at,
      measurand: 'Power.Active.Import',
      unit: 'W',
      value: 7000 + (i % 5) * 100,
    })),
  )
  await meterValues(db, S2, done1, [{ at: at(8, 1), value: 1 }]) // same transaction id from another station: not this session
  const seen: Array<{ sampledAt: string; value: number }> = []
  let next: string | null =
    `/v1/sessions/${done1}/meter-values?measurand=Energy.Active.Import.Register&from=${at(8, 10).toISOString()}&to=${at(8, 40).toISOString()}&limit=4`
  while (next !== null) {
    const res: { json: { data: Array<{ sampledAt: string; value: number }>; next: string | null } } =
      await api.request('GET', next, { key: 'read' })
    seen.push(...res.json.data)
    next = res.json.next
  }
  expect(seen.map((v) => v.sampledAt)).toEqual(samples.slice(5, 20).map((s) => s.at.toISOString()))
  expect(seen[0]).toEqual({
    sampledAt: at(8, 10).toISOString(),
    connectorId: 1,
    measurand: 'Energy.Active.Import.Register',
    phase: null,
    location: 'Outlet',
    context: 'Sample.Periodic',
    value: 2250,
    unit: 'Wh',
    valueRaw: '2250',
    unitRaw: 'Wh',
  })
  expect((await api.request('GET', `/v1/sessions/${done1}/meter-values?limit=500`)).json.data).toHaveLength(
    60,
  )
})

test('downsampled meter values: avg/min/max per bucket, last for registers', async () => {
  const res = await api.request('GET', `/v1/sessions/${done1}/meter-values?bucket=15m&limit=500`)
  expect(res.status).toBe(200)
  const energy = res.json.data.filter(
    (b: { measurand: string }) => b.measurand === 'Energy.Active.Import.Register',
  )
  const power = res.json.data.filter((b: { measurand: string }) => b.measurand === 'Power.Active.Import')
  expect(energy.map((b: { bucketStart: string }) => b.bucketStart)).toEqual(
    [at(8), at(8, 15), at(8, 30), at(8, 45)].map((d) => d.toISOString()),
  )
  // 08:00-08:14 holds samples 0..7 (every 2 min): the register's last is sample 7.
  expect(energy[0]).toEqual({
    bucketStart: at(8).toISOString(),
    measurand: 'Energy.Active.Import.Register',
    phase: null,
    location: 'Outlet',
    unit: 'Wh',
    count: 8,
    avg: null,
    min: null,
    max: null,
    last: 1000 + 7 * 250,
  })
  expect(power[0]).toMatchObject({ count: 8, min: 7000, max: 7400, last: null })
  expect(power[0].avg).toBeCloseTo((7000 + 7100 + 7200 + 7300 + 7400 + 7000 + 7100 + 7200) / 8)
  const walked: unknown[] = []
  let next: string | null = `/v1/sessions/${done1}/meter-values?bucket=15m&limit=3`
  while (next !== null) {
    const page: { json: { data: unknown[]; next: string | null } } = await api.request('GET', next)
    walked.push(...page.json.data)
    next = page.json.next
  }
  expect(walked).toEqual(res.json.data)
  const bad = await api.request('GET', `/v1/sessions/${done1}/meter-values?bucket=2m`)
  expect(bad.json.errors).toEqual([{ name: 'bucket', reason: 'must be one of 1m, 5m, 15m, 1h' }])
})

test("a session's values are all listed wherever its station's clock put them; one without values has none", async () => {
  const skewed = [new Date('2025-01-01T00:00:00.000Z'), at(9, 30), new Date('2031-06-01T12:00:00.000Z')]
  await meterValues(
    db,
    S2,
    other,
    skewed.map((d, i) => ({ at: d, value: i })),
  )
  const res = await api.request('GET', `/v1/sessions/${other}/meter-values?limit=10`)
  expect(res.json.data.map((v: { sampledAt: string }) => v.sampledAt)).toEqual(
    skewed.map((d) => d.toISOString()),
  )
  const buckets = await api.request('GET', `/v1/sessions/${other}/meter-values?bucket=1h&limit=10`)
  expect(buckets.json.data.map((b: { count: number }) => b.count)).toEqual([1, 1, 1])

  expect((await api.request('GET', `/v1/sessions/${done2}/meter-values`)).json).toMatchObject({
    data: [],
    next: null,
  })
  const bad = await api.request('GET', `/v1/sessions/${done2}/meter-values?cursor=nonsense`)
  expect(bad.status).toBe(400)
})
