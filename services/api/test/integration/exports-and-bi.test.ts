import { type Database, type Kysely, parseDatabaseUrl, sql } from '@chargebus/db'
import pg from 'pg'
import { testDb } from '../../../../test/support/database.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'
import { aSession, aStation, uniquePrefix } from '../support/seed.ts'

const SLOW = 60_000
/** ~37 MB of CSV: more than every buffer between Postgres and the client (sockets, pgbouncer) holds. */
// ~75 MB of CSV: twice what the socket buffers between Postgres and this client took in the bench (20-35 MB),
// so the COPY must wait for the client before it ends.
const ROWS = 600_000
let api: TestApi
let db: Kysely<Database>
let base: string
const p = uniquePrefix('ex')
const BIG = `${p}BIG`

beforeAll(async () => {
  api = await startTestApi()
  base = await api.app.listen({ host: '127.0.0.1', port: 0 })
  db = testDb()
  await aStation(db, BIG)
  // 600k values in one statement: 8 a second over ~21 hours of 2026-11-21.
  await sql`
    insert into meter_values (station_id, connector_id, transaction_id, sampled_at, measurand, location, context, format,
                              unit, value_raw, value, base_unit, received_at, source_action, source_message_id, sample_index)
    select ${BIG}, 1, 42, timestamptz '2026-11-21 00:00:00+00' + (i * interval '125 milliseconds'),
           'Energy.Active.Import.Register', 'Outlet', 'Sample.Periodic', 'Raw', 'Wh', i::text, i, 'Wh',
           timestamptz '2026-11-21 00:00:00+00' + (i * interval '125 milliseconds'), 'MeterValues', 'm' || (i / 10), i % 10
      from generate_series(0, ${ROWS - 1}) as i`.execute(db)
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
  await db?.destroy()
}, SLOW)

/** The running COPYs of this file's exports: rows produced so far and what the backend waits on. */
async function copies(): Promise<Array<{ tuples: string; waitEvent: string | null }>> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_ADMIN_URL })
  await admin.connect()
  try {
    const { rows } = await admin.query(
      `select p.tuples_processed::text as tuples, a.wait_event as "waitEvent"
         from pg_stat_activity a left join pg_stat_progress_copy p on p.pid = a.pid
        where a.state = 'active' and a.query ilike 'copy (%' and a.query like $1`,
      [`%${BIG}%`],
    )
    return rows
  } finally {
    await admin.end()
  }
}

const activeCopies = async () => (await copies()).length

/** The one COPY once it has stopped producing rows (two looks 300 ms apart agree), or what it was at the deadline. */
async function settledCopy(deadlineMs: number) {
  const deadline = Date.now() + deadlineMs
  let [last] = await copies()
  for (;;) {
    await new Promise((r) => setTimeout(r, 300))
    const [now] = await copies()
    if (now === undefined || now.tuples === last?.tuples || Date.now() > deadline) return now
    last = now
  }
}

test(
  'meter-values.csv streams 600k rows with backpressure: a client that stops reading holds the COPY; all rows arrive',
  async () => {
    const path = `/v1/exports/meter-values.csv?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&station=${BIG}`
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${api.keys.bi}`, 'accept-encoding': 'identity' },
    })
    api.contract.check({
      method: 'GET',
      url: path,
      status: res.status,
      contentType: res.headers.get('content-type') ?? undefined,
      body: '',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="meter-values.csv"')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const first = await reader.read()
    const head = new TextDecoder().decode(first.value)
    expect(head.split('\n')[0]).toBe(
      'station_id,connector_id,session_id,sampled_at,measurand,phase,location,context,value,unit,value_raw,unit_raw',
    )
    // Streaming: the first bytes are here while Postgres is still producing the rest, and while this client
    // does not read, the COPY waits, blocked writing to its client (nothing buffers the whole result, in the
    // API or elsewhere), once the socket buffers on the way are full.
    try {
      expect(await activeCopies()).toBe(1)
      const waiting = await settledCopy(20_000)
      expect(waiting?.waitEvent).toBe('ClientWrite')
      expect(Number(waiting?.tuples)).toBeLessThan(ROWS)
    } catch (err) {
      await reader.cancel()
      throw err
    }
    let bytes = first.value?.byteLength ?? 0
    let lines = head.split('\n').length - 1
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      bytes += value.byteLength
      for (const b of value) if (b === 10) lines++
    }
    expect(lines).toBe(ROWS + 1)
    expect(bytes).toBeGreaterThan(ROWS * 50)
    expect(await activeCopies()).toBe(0)
  },
  SLOW,
)

test(
  'a client that goes away mid-export ends the COPY and frees the connection',
  async () => {
    const controller = new AbortController()
    const res = await fetch(
      `${base}/v1/exports/meter-values.csv?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&station=${BIG}`,
      {
        headers: { authorization: `Bearer ${api.keys.bi}` },
        signal: controller.signal,
      },
    )
    await (res.body as ReadableStream<Uint8Array>).getReader().read()
    controller.abort()
    const deadline = Date.now() + 5000
    while ((await activeCopies()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(await activeCopies()).toBe(0)
    // Both export connections are usable again.
    const again = await Promise.all(
      [1, 2, 3].map(() =>
        api.request(
          'GET',
          `/v1/exports/sessions.csv?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&station=${BIG}`,
          { key: 'bi' },
        ),
      ),
    )
    expect(again.map((r) => r.status)).toEqual([200, 200, 200])
  },
  SLOW,
)

test('sessions.csv: the bi.sessions columns of sessions in [from, to), oldest first', async () => {
  const s = `${p}CSV`
  await aStation(db, s)
  const a = await aSession(db, s, {
    startedAt: new Date('2026-11-22T08:00:00Z'),
    stoppedAt: new Date('2026-11-22T09:00:00Z'),
    idTag: 'T,1',
  })
  const b = await aSession(db, s, { startedAt: new Date('2026-11-22T10:00:00Z') })
  await aSession(db, s, { startedAt: new Date('2026-11-23T10:00:00Z') })
  const res = await api.request(
    'GET',
    `/v1/exports/sessions.csv?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&station=${s}`,
    { key: 'bi' },
  )
  expect(res.status).toBe(200)
  expect(res.body).toBe(
    'session_id,station_id,connector_id,id_tag,state,started_at,stopped_at,meter_start_wh,meter_stop_wh,energy_wh,duration_s,stop_reason\n' +
      `${a},${s},1,"T,1",completed,2026-11-22T08:00:00.000000Z,2026-11-22T09:00:00.000000Z,1000,5000,4000,3600,Local\n` +
      `${b},${s},1,TAG-1,active,2026-11-22T10:00:00.000000Z,,1000,,,,\n`,
  )
  const bad = await api.request('GET', '/v1/exports/sessions.csv?from=2026-11-22', { key: 'bi' })
  expect(bad.status).toBe(400)
  expect(bad.json.errors.map((e: { name: string }) => e.name).sort()).toEqual(['from', 'to'])
})

test('CSV cells a station controls come out inert: formulas get a leading apostrophe, numbers stay numbers', async () => {
  const s = `=${p}F`
  await aStation(db, s)
  const formula = "=cmd|'/C calc'!A0"
  await aSession(db, s, { startedAt: new Date('2026-11-22T08:00:00Z'), idTag: formula })
  await aSession(db, s, { startedAt: new Date('2026-11-22T09:00:00Z'), idTag: '@SUM(A1)' })
  await aSession(db, s, { startedAt: new Date('2026-11-22T10:00:00Z'), idTag: '-42' })
  const res = await api.request(
    'GET',
    `/v1/exports/sessions.csv?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&station=${encodeURIComponent(s)}`,
    { key: 'bi' },
  )
  expect(res.status).toBe(200)
  const rows = (res.body as string).trim().split('\n').slice(1)
  const cells = rows.map((r) => r.split(','))
  expect(cells.map((c) => c[1])).toEqual([`'${s}`, `'${s}`, `'${s}`])
  expect(cells.map((c) => c[3])).toEqual([`'${formula}`, "'@SUM(A1)", '-42'])
})

describe('the bi schema and the bi_reader role', () => {
  let reader: pg.Client
  beforeAll(async () => {
    const { host, port, database } = parseDatabaseUrl(process.env.DATABASE_ADMIN_URL as string)
    const role = await db
      .selectFrom(sql<{ rolname: string }>`pg_roles`.as('r'))
      .select('rolname')
      .where('rolname', '=', 'bi_reader')
      .executeTakeFirst()
    if (role === undefined)
      throw new Error('role bi_reader is missing: run pnpm deps:up (it creates it as superuser)')
    reader = new pg.Client({
      host,
      port,
      database,
      user: 'bi_reader',
      password: process.env.BI_READER_PASSWORD ?? 'bi_reader',
    })
    await reader.connect()
  })
  afterAll(async () => {
    await reader?.end()
  })

  test('bi_reader reads the bi views', async () => {
    const { rows } = await reader.query(
      `select count(*)::int as n from bi.meter_values where station_id = $1 and sampled_at < '2026-11-21 00:00:05+00'`,
      [BIG],
    )
    expect(rows[0].n).toBe(40)
    for (const view of ['stations', 'sessions', 'meter_values', 'status_events']) {
      await expect(reader.query(`select * from bi.${view} limit 1`)).resolves.toBeDefined()
    }
  })

  test('bi_reader cannot touch the operational tables nor write through the views', async () => {
    await expect(reader.query('select * from public.transactions limit 1')).rejects.toThrow(
      /permission denied/,
    )
    await expect(reader.query('select * from api_keys limit 1')).rejects.toThrow(/permission denied/)
    await expect(reader.query(`delete from bi.stations where station_id = '${BIG}'`)).rejects.toThrow(
      /permission denied/,
    )
    await expect(reader.query('create table bi.mine (x int)')).rejects.toThrow(/permission denied/)
  })

  test('every bi view and column is documented (COMMENT ON)', async () => {
    const { rows } = await reader.query(`
      select c.relname as view, a.attname as column, col_description(c.oid, a.attnum) as comment, obj_description(c.oid) as view_comment
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       where n.nspname = 'bi' and c.relkind = 'v'`)
    expect(new Set(rows.map((r) => r.view))).toEqual(
      new Set([
        ...['stations', 'sessions', 'meter_values', 'status_events'],
        // 2026-12-06-aggregates: the aggregator's rollups.
        ...['energy', 'connector_availability', 'faults', 'id_tag_usage', 'network_totals'],
      ]),
    )
    expect(rows.filter((r) => !r.comment || !r.view_comment)).toEqual([])
  })
})
