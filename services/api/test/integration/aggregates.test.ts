import { createDb, type Database, type Kysely, sql } from '@chargebus/db'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { type AggregateQuery, aggregateSelect } from '../../src/data-access/aggregates.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'

/*
 * The aggregate routes over known rollup cells, in a database of their own: network-wide sums must see only
 * this file's rows. The cells are what the aggregator would have written (its domain computes the buckets);
 * these tests check the API's sums, grouping, local buckets across a DST change, bounds and errors.
 */

const SLOW = 60_000
const H = 3_600_000
let scratch: ThrowawayDatabase
let api: TestApi
let db: Kysely<Database>

type Cell = {
  metric: string
  bucketing: string
  at: string
  station: string
  connector?: number
  dim?: string
  subDim?: string
  tz?: string
  value: number
}

async function insertCells(cells: Cell[]): Promise<void> {
  await db
    .insertInto('aggregates')
    .values(
      cells.map((c) => ({
        metric: c.metric as never,
        bucketing: c.bucketing as never,
        bucket_start: new Date(c.at),
        station_id: c.station,
        connector_id: c.connector ?? 0,
        dim: c.dim ?? '',
        sub_dim: c.subDim ?? '',
        time_zone: c.tz ?? 'UTC',
        value: c.value,
      })),
    )
    .execute()
  await refreshTotals()
}

/**
 * The station and network totals the aggregator keeps beside the cells (migration 2026-12-06T11:00:00Z aggregate_totals),
 * recomputed from all cells by the contract's rule: id tags summed, faults by error code, connector 0's
 * connector time left out.
 */
async function refreshTotals(): Promise<void> {
  await sql`delete from aggregate_totals`.execute(db)
  await sql`
    insert into aggregate_totals (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim, value)
    select bucketing, bucket_start, time_zone, s.station, metric,
           case metric when 'faults' then dim else '' end, case metric when 'faults' then sub_dim else '' end,
           sum(value)
      from aggregates, lateral (values (station_id), ('')) s(station)
     where metric = 'faults' or metric not like '%_ms' or connector_id > 0
     group by 1, 2, 3, 4, 5, 6, 7`.execute(db)
}

const BER = 'Europe/Berlin'
const NYC = 'America/New_York'
// Berlin 2026-03-29 has 23 hours: local midnights 2026-03-28T23:00Z, 2026-03-29T22:00Z; New York is on EDT.
const BER_29 = '2026-03-28T23:00:00Z'
const BER_30 = '2026-03-29T22:00:00Z'
const NYC_29 = '2026-03-29T04:00:00Z'

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  db = createDb({ url: scratch.url, poolSize: 2, applicationName: 'aggregates-test' })
  api = await startTestApi({ DATABASE_URL: scratch.url })
  const hour = (at: string, station: string, connector: number, tag: string, wh: number) => [
    { metric: 'energy_wh', bucketing: 'utc:hour', at, station, connector, dim: tag, value: wh },
    { metric: 'sessions_started', bucketing: 'utc:hour', at, station, connector, dim: tag, value: 1 },
  ]
  await insertCells([
    ...hour('2026-03-28T10:00:00Z', 'A', 1, 'T1', 1000),
    ...hour('2026-03-28T10:00:00Z', 'A', 2, 'T2', 500),
    ...hour('2026-03-28T10:00:00Z', 'B', 1, 'T1', 200),
    {
      metric: 'energy_wh',
      bucketing: 'utc:hour',
      at: '2026-03-28T11:00:00Z',
      station: 'A',
      connector: 1,
      dim: 'T1',
      value: 300,
    },
    {
      metric: 'sessions_completed',
      bucketing: 'utc:hour',
      at: '2026-03-28T11:00:00Z',
      station: 'A',
      connector: 1,
      dim: 'T1',
      value: 1,
    },
    // Another bucketing and another metric in the same hour: never mixed in.
    {
      metric: 'energy_wh',
      bucketing: 'local:month',
      at: '2026-03-28T00:00:00Z',
      station: 'A',
      connector: 1,
      dim: 'T1',
      value: 9999,
    },
    {
      metric: 'charging_ms',
      bucketing: 'utc:hour',
      at: '2026-03-28T10:00:00Z',
      station: 'A',
      connector: 1,
      value: 9999,
    },
    // Local days across Berlin's spring-forward, and a New York station's day of the same date.
    {
      metric: 'energy_wh',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 1,
      dim: 'T1',
      tz: BER,
      value: 100,
    },
    {
      metric: 'energy_wh',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 2,
      dim: 'T2',
      tz: BER,
      value: 50,
    },
    {
      metric: 'energy_wh',
      bucketing: 'local:day',
      at: BER_30,
      station: 'A',
      connector: 1,
      dim: 'T1',
      tz: BER,
      value: 200,
    },
    {
      metric: 'energy_wh',
      bucketing: 'local:day',
      at: NYC_29,
      station: 'B',
      connector: 1,
      dim: 'T1',
      tz: NYC,
      value: 70,
    },
    // Connector time on Berlin's 23-hour day: A/1 2h charging, 6h free, 2h faulted, 13h unknown.
    ...[
      ['charging_ms', 2],
      ['free_ms', 6],
      ['faulted_ms', 2],
      ['unknown_ms', 13],
    ].map(([metric, h]) => ({
      metric: metric as string,
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 1,
      tz: BER,
      value: (h as number) * H,
    })),
    {
      metric: 'free_ms',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 2,
      tz: BER,
      value: 23 * H,
    },
    // The station as a whole (connector 0): its own row, never added to its connectors' time.
    {
      metric: 'unavailable_ms',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 0,
      tz: BER,
      value: 23 * H,
    },
    // Nothing known at all: both ratios null.
    {
      metric: 'unknown_ms',
      bucketing: 'local:day',
      at: NYC_29,
      station: 'B',
      connector: 1,
      tz: NYC,
      value: 24 * H,
    },
    // Faults by error code and vendor error code.
    {
      metric: 'faults',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 1,
      dim: 'GroundFailure',
      tz: BER,
      value: 2,
    },
    {
      metric: 'faults',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 1,
      dim: 'OtherError',
      subDim: 'E42',
      tz: BER,
      value: 1,
    },
    {
      metric: 'faults',
      bucketing: 'local:day',
      at: BER_29,
      station: 'A',
      connector: 2,
      dim: 'GroundFailure',
      tz: BER,
      value: 1,
    },
    // A formula in an id tag (station-controlled text) for the CSV export.
    {
      metric: 'energy_wh',
      bucketing: 'local:month',
      at: '2026-02-28T23:00:00Z',
      station: 'A',
      connector: 1,
      dim: '=1+2',
      tz: BER,
      value: 5,
    },
  ])
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
  await scratch?.drop()
}, SLOW)

const HOURS = 'interval=hour&from=2026-03-28T00:00:00Z&to=2026-03-29T00:00:00Z'
const DAYS = 'interval=day&from=2026-03-28T00:00:00Z&to=2026-03-31T00:00:00Z'

async function get(url: string, key = 'read') {
  const res = await api.request('GET', url, { key })
  return res
}

describe('GET /v1/aggregates/energy', () => {
  test('hourly sums per network, station, connector and id tag', async () => {
    const network = await get(`/v1/aggregates/energy?${HOURS}&groupBy=network`)
    expect(network.status).toBe(200)
    expect(network.json.data).toEqual([
      {
        bucketStart: '2026-03-28T10:00:00.000Z',
        localStart: '2026-03-28T10:00:00',
        timeZone: 'UTC',
        stationId: null,
        connectorId: null,
        idTag: null,
        energyWh: 1700,
        sessionsStarted: 3,
        sessionsCompleted: 0,
      },
      expect.objectContaining({
        bucketStart: '2026-03-28T11:00:00.000Z',
        energyWh: 300,
        sessionsCompleted: 1,
      }),
    ])
    expect(network.json.nextCursor).toBeNull()

    const pick = (rows: Array<Record<string, unknown>>, ...fields: string[]) =>
      rows.map((r) => fields.map((f) => r[f]))
    const station = await get(`/v1/aggregates/energy?${HOURS}&groupBy=station`)
    expect(pick(station.json.data, 'bucketStart', 'stationId', 'connectorId', 'energyWh')).toEqual([
      ['2026-03-28T10:00:00.000Z', 'A', null, 1500],
      ['2026-03-28T10:00:00.000Z', 'B', null, 200],
      ['2026-03-28T11:00:00.000Z', 'A', null, 300],
    ])
    const connector = await get(`/v1/aggregates/energy?${HOURS}&groupBy=connector`)
    expect(pick(connector.json.data, 'stationId', 'connectorId', 'energyWh')).toEqual([
      ['A', 1, 1000],
      ['A', 2, 500],
      ['B', 1, 200],
      ['A', 1, 300],
    ])
    const tags = await get(`/v1/aggregates/energy?${HOURS}&groupBy=idTag`)
    expect(pick(tags.json.data, 'idTag', 'stationId', 'energyWh', 'sessionsStarted')).toEqual([
      ['T1', null, 1200, 2],
      ['T2', null, 500, 1],
      ['T1', null, 300, 0],
    ])
    const onlyB = await get(`/v1/aggregates/energy?${HOURS}&groupBy=network&stationId=B`)
    expect(pick(onlyB.json.data, 'bucketStart', 'energyWh')).toEqual([['2026-03-28T10:00:00.000Z', 200]])
  })

  test("day is the station's local day: Berlin's 23-hour day and New York's day are separate buckets", async () => {
    const res = await get(`/v1/aggregates/energy?${DAYS}&groupBy=network`)
    expect(
      res.json.data.map((r: Record<string, unknown>) => [
        r.bucketStart,
        r.localStart,
        r.timeZone,
        r.energyWh,
      ]),
    ).toEqual([
      [BER_29.replace('Z', '.000Z'), '2026-03-29T00:00:00', BER, 150],
      [NYC_29.replace('Z', '.000Z'), '2026-03-29T00:00:00', NYC, 70],
      [BER_30.replace('Z', '.000Z'), '2026-03-30T00:00:00', BER, 200],
    ])
    // from is an instant: Berlin's 29th (from its local midnight) is in; starting an hour later, it is not.
    const later = await get(
      '/v1/aggregates/energy?interval=day&groupBy=station&stationId=A&from=2026-03-29T00:00:00Z&to=2026-03-31T00:00:00Z',
    )
    expect(later.json.data.map((r: Record<string, unknown>) => r.localStart)).toEqual(['2026-03-30T00:00:00'])
  })

  test('pages with an opaque cursor walk every row once; the answer has an ETag and 304 on a match', async () => {
    const all = (await get(`/v1/aggregates/energy?${HOURS}&groupBy=connector`)).json.data
    const walked: unknown[] = []
    let url: string | null = `/v1/aggregates/energy?${HOURS}&groupBy=connector&limit=1`
    let pages = 0
    while (url !== null) {
      const page = await get(url)
      expect(page.status).toBe(200)
      walked.push(...page.json.data)
      url = page.json.next
      pages++
    }
    expect(pages).toBe(4)
    expect(walked).toEqual(all)

    const first = await get(`/v1/aggregates/energy?${HOURS}&groupBy=network`)
    const etag = first.headers.etag as string
    expect(etag).toBeTruthy()
    const again = await api.request('GET', `/v1/aggregates/energy?${HOURS}&groupBy=network`, {
      key: 'read',
      headers: { 'if-none-match': etag },
    })
    expect(again.status).toBe(304)
  })
})

describe('GET /v1/aggregates/utilization', () => {
  test('availability and utilisation from summed times; connector 0 is its own row; null without a denominator', async () => {
    const byConnector = await get(`/v1/aggregates/utilization?${DAYS}&groupBy=connector`)
    expect(byConnector.status).toBe(200)
    const rows = byConnector.json.data.map((r: Record<string, unknown>) => [
      r.stationId,
      r.connectorId,
      r.availability,
      r.utilization,
    ])
    expect(rows).toEqual([
      ['A', 0, 0, null],
      ['A', 1, 0.8, 0.25],
      ['A', 2, 1, 0],
      ['B', 1, null, null],
    ])
    expect(byConnector.json.data[1]).toMatchObject({
      chargingMs: 2 * H,
      idleMs: 0,
      freeMs: 6 * H,
      unavailableMs: 0,
      faultedMs: 2 * H,
      unknownMs: 13 * H,
      localStart: '2026-03-29T00:00:00',
    })
    const byStation = await get(`/v1/aggregates/utilization?${DAYS}&groupBy=station`)
    const a = byStation.json.data.find((r: Record<string, unknown>) => r.stationId === 'A')
    // 2h charging + 29h free over 31h available+faulted (never the average of 0.8 and 1).
    expect(a).toMatchObject({ chargingMs: 2 * H, freeMs: 29 * H, unavailableMs: 0, faultedMs: 2 * H })
    expect(a.availability).toBeCloseTo(31 / 33, 12)
    expect(a.utilization).toBeCloseTo(2 / 31, 12)
  })
})

describe('GET /v1/aggregates/faults', () => {
  test('by error code and vendor error code, per station and per connector', async () => {
    const pick = (rows: Array<Record<string, unknown>>) =>
      rows.map((r) => [r.stationId, r.connectorId, r.errorCode, r.vendorErrorCode, r.faults])
    const station = await get(`/v1/aggregates/faults?${DAYS}&groupBy=station`)
    expect(pick(station.json.data)).toEqual([
      ['A', null, 'GroundFailure', '', 3],
      ['A', null, 'OtherError', 'E42', 1],
    ])
    const connector = await get(`/v1/aggregates/faults?${DAYS}&groupBy=connector&stationId=A`)
    expect(pick(connector.json.data)).toEqual([
      ['A', 1, 'GroundFailure', '', 2],
      ['A', 1, 'OtherError', 'E42', 1],
      ['A', 2, 'GroundFailure', '', 1],
    ])
  })
})

describe('bounds and errors', () => {
  test.each([
    [
      '/v1/aggregates/energy?interval=hour&groupBy=network&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:01Z',
      'to',
    ],
    [
      '/v1/aggregates/energy?interval=day&groupBy=network&from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z',
      'to',
    ],
    [
      '/v1/aggregates/faults?interval=day&groupBy=network&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
      'to',
    ],
    [
      '/v1/aggregates/faults?interval=day&groupBy=network&from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      'to',
    ],
    [
      '/v1/aggregates/utilization?interval=hour&groupBy=network&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z',
      'interval',
    ],
    [
      '/v1/aggregates/faults?interval=day&groupBy=idTag&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z',
      'groupBy',
    ],
    ['/v1/aggregates/energy?interval=hour&groupBy=network&to=2026-01-02T00:00:00Z', 'from'],
    ['/v1/aggregates/energy?interval=hour&groupBy=network&from=yesterday&to=2026-01-02T00:00:00Z', 'from'],
    [`/v1/aggregates/energy?${HOURS}&groupBy=network&limit=5001`, 'limit'],
    [`/v1/aggregates/energy?${HOURS}&groupBy=network&cursor=bm90LWEtY3Vyc29y`, 'cursor'],
    [
      `/v1/exports/aggregates/energy.csv?interval=hour&groupBy=network&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`,
      'to',
    ],
  ])('%s is a 400 naming %s', async (url, field) => {
    const res = await get(url, url.includes('/exports/') ? 'bi' : 'read')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json.code).toBe('API_ERR_VALIDATION')
    expect(res.json.errors.map((e: { name: string }) => e.name)).toContain(field)
  })

  test('a cursor of another grouping is refused', async () => {
    const page = await get(`/v1/aggregates/energy?${HOURS}&groupBy=connector&limit=1`)
    const res = await get(`/v1/aggregates/energy?${HOURS}&groupBy=station&cursor=${page.json.nextCursor}`)
    expect(res.status).toBe(400)
    expect(res.json.errors).toEqual([expect.objectContaining({ name: 'cursor' })])
  })
})

describe('CSV exports', () => {
  test('energy.csv: the listing rows, all of them, with inert text cells', async () => {
    const res = await get(`/v1/exports/aggregates/energy.csv?${HOURS}&groupBy=connector`, 'bi')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.body.trim().split('\n')).toEqual([
      'bucket_start,local_start,time_zone,station_id,connector_id,energy_wh,sessions_started,sessions_completed',
      '2026-03-28T10:00:00.000000Z,2026-03-28T10:00:00,UTC,A,1,1000,1,0',
      '2026-03-28T10:00:00.000000Z,2026-03-28T10:00:00,UTC,A,2,500,1,0',
      '2026-03-28T10:00:00.000000Z,2026-03-28T10:00:00,UTC,B,1,200,1,0',
      '2026-03-28T11:00:00.000000Z,2026-03-28T11:00:00,UTC,A,1,300,0,1',
    ])
    const tags = await get(
      '/v1/exports/aggregates/energy.csv?interval=month&groupBy=idTag&from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z',
      'bi',
    )
    expect(tags.body).toContain(",'=1+2,5,")
    expect(tags.body).not.toMatch(/,=1\+2/)
  })

  test('utilization.csv and faults.csv carry the same figures as the JSON routes ("" is an empty text, not null)', async () => {
    const util = await get(
      `/v1/exports/aggregates/utilization.csv?${DAYS}&groupBy=connector&stationId=A`,
      'bi',
    )
    const lines = util.body.trim().split('\n')
    expect(lines[0]).toBe(
      'bucket_start,local_start,time_zone,station_id,connector_id,charging_ms,idle_ms,free_ms,unavailable_ms,faulted_ms,unknown_ms,availability,utilization',
    )
    expect(lines[1]).toBe(`2026-03-28T23:00:00.000000Z,2026-03-29T00:00:00,${BER},A,0,0,0,0,${23 * H},0,0,0,`)
    expect(lines[2]).toBe(
      `2026-03-28T23:00:00.000000Z,2026-03-29T00:00:00,${BER},A,1,${2 * H},0,${6 * H},0,${2 * H},${13 * H},0.8,0.25`,
    )
    const faults = await get(`/v1/exports/aggregates/faults.csv?${DAYS}&groupBy=station`, 'bi')
    expect(faults.body.trim().split('\n').slice(1)).toEqual([
      `2026-03-28T23:00:00.000000Z,2026-03-29T00:00:00,${BER},A,GroundFailure,"",3`,
      `2026-03-28T23:00:00.000000Z,2026-03-29T00:00:00,${BER},A,OtherError,E42,1`,
    ])
  })
})

test('the queries can be served by the indexes of aggregates (no sequential scan where one is avoidable)', async () => {
  const plan = async (q: AggregateQuery) =>
    db.transaction().execute(async (trx) => {
      // The table is tiny here, so the planner would rightly scan it; forbidding seq scans asks whether an index
      // can serve the predicate at all, which is what a year of hourly cells needs.
      await sql`set local enable_seqscan = off`.execute(trx)
      const { rows } = await sql<{
        'QUERY PLAN': string
      }>`explain ${aggregateSelect(q, { limit: 1001 })}`.execute(trx)
      return rows.map((r) => r['QUERY PLAN']).join('\n')
    })
  const base = { interval: 'hour', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' } as const
  // By id tag, the cells are walked in the group's order (bucket, zone, tag): a tag's cells of a bucket sit
  // together there, spread over every connector in the other indexes. By connector, in the group's order too, in
  // the kind's own index: one over every kind would fetch the row of each cell of the other kinds to filter it.
  for (const [kind, groupBy, index] of [
    ['energy', 'idTag', 'aggregates_id_tag_idx'],
    ['energy', 'connector', 'aggregates_energy_group_idx'],
    ['utilization', 'connector', 'aggregates_time_group_idx'],
    ['faults', 'connector', 'aggregates_faults_group_idx'],
  ] as const) {
    const text = await plan({ ...base, kind, groupBy })
    expect(text).not.toMatch(/Seq Scan/)
    expect(text).toMatch(new RegExp(`Index (Only )?Scan using ${index} on aggregates`))
  }
  // Network and station series read the totals, through one of their indexes (which one depends on the data:
  // bench/aggregator shows the plans at scale); faults, which few stations have, through their own, so a page does
  // not walk every station's totals to find them.
  for (const [kind, groupBy, index] of [
    ['energy', 'network', 'aggregate_totals_(pkey|station_idx)'],
    ['faults', 'station', 'aggregate_totals_faults_idx'],
    ['utilization', 'station', 'aggregate_totals_(pkey|station_idx)'],
  ] as const) {
    const text = await plan({ ...base, kind, groupBy })
    expect(text).not.toMatch(/Seq Scan/)
    expect(text).not.toMatch(/ on aggregates /)
    expect(text).toMatch(new RegExp(`Index (Only )?Scan using ${index} on aggregate_totals`))
  }
  const station = await plan({ ...base, kind: 'energy', groupBy: 'connector', stationId: 'A' })
  expect(station).not.toMatch(/Seq Scan/)
  expect(station).toMatch(
    /Index (Only )?Scan using aggregates_(pkey|station_idx|energy_group_idx) on aggregates/,
  )
})
