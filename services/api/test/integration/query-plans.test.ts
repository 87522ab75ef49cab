import { createDb, type Database, type Kysely } from '@chargebus/db'
import pg from 'pg'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { exportSql } from '../../src/data-access/exports.ts'
import { startTestApi, type TestApi } from '../support/api.ts'
import {
  PLAN_TEST_SIZE,
  type ScaleSize,
  seedAtScale,
  seededStation,
  seededStatusConnector,
} from '../support/scale-seed.ts'

/*
 * Every SQL statement the API's read routes issue, EXPLAINed on a database seeded at scale (tens of thousands of
 * rows per table, analyzed): none may read a large table sequentially. The statements are captured from the real
 * routes (app.inject) through a kysely plugin on the app's pool and a wrapper of its exporter, so the test checks
 * what the API runs, not a copy. Every GET route of the OpenAPI document must have an entry below: a new route
 * cannot slip past. A plan can avoid every Seq Scan and still read more as the network grows (a bitmap over a
 * network-wide index, a filter walked past rows that grow in number), so each page and detail statement is also
 * run on a second database with twice the network (the same period and the same rows per station) and must read
 * about as many buffers there.
 */

const SLOW = 240_000
/** Tables (and their partitions) that grow with the network's history. */
const LARGE =
  /^(transactions|meter_values|status_events|commands|station_messages|aggregates|aggregate_totals)(_\d{4}_\d{2}|_past|_future)?$/

const S = seededStation(42)
const DAY = 'from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z'
const AGG_DAY = 'from=2026-10-05T00:00:00Z&to=2026-10-06T00:00:00Z'
const AGG_MONTH = 'from=2026-10-01T00:00:00Z&to=2026-10-31T00:00:00Z'

/**
 * The requests per route of the OpenAPI document (each list also asks for its second page, with the cursor
 * the first one gave), or why a route issues no SQL worth planning.
 */
const ROUTES: Record<string, string[] | { noSql: string }> = {
  '/v1/stations': [
    '/v1/stations?limit=100',
    '/v1/stations?registrationStatus=Pending&limit=100',
    '/v1/stations?vendor=Volta&limit=100',
    '/v1/stations?connectorStatus=Faulted&limit=100',
    '/v1/stations?lastSeenSince=2026-12-01T00:00:00Z&limit=100',
    '/v1/stations?lastSeenBefore=2026-10-10T00:00:00Z&limit=100',
  ],
  '/v1/stations/{stationId}': [`/v1/stations/${S}`],
  '/v1/stations/{stationId}/connectors': [`/v1/stations/${S}/connectors`],
  '/v1/stations/{stationId}/connectors/{connectorId}': [`/v1/stations/${S}/connectors/1`],
  '/v1/stations/{stationId}/connectors/{connectorId}/status-events': [
    `/v1/stations/${S}/connectors/1/status-events?limit=5`,
    `/v1/stations/${S}/connectors/2/status-events?${DAY}`,
  ],
  '/v1/stations/{stationId}/messages': { noSql: 'reads the JetStream journal (OCPP_IN)' },
  '/v1/stations/{stationId}/commands': [
    `/v1/stations/${S}/commands?limit=3`,
    `/v1/stations/${S}/commands?status=accepted&limit=3`,
  ],
  '/v1/stations/{stationId}/files': [`/v1/stations/${S}/files?limit=1`],
  '/v1/sessions': [
    '/v1/sessions?limit=100',
    `/v1/sessions?stationId=${S}&limit=5`,
    '/v1/sessions?idTag=tag000042&limit=5',
    '/v1/sessions?active=true&limit=100',
    '/v1/sessions?active=false&limit=100',
    `/v1/sessions?${DAY}&limit=100`,
    `/v1/sessions?stationId=${S}&${DAY}&limit=100`,
    `/v1/sessions?stationId=${S}&active=true`,
  ],
  '/v1/sessions/{sessionId}': ['/v1/sessions/4242'],
  '/v1/sessions/{sessionId}/meter-values': [
    '/v1/sessions/4242/meter-values?limit=2',
    '/v1/sessions/4242/meter-values?bucket=1h&limit=1',
    '/v1/sessions/4242/meter-values?measurand=Energy.Active.Import.Register&limit=2',
  ],
  '/v1/id-tags': ['/v1/id-tags?limit=100'],
  '/v1/id-tags/{idTag}': ['/v1/id-tags/TAG000042'],
  '/v1/api-keys': ['/v1/api-keys'],
  '/v1/commands/{commandId}': {
    noSql: 'the primary key (uuid) of commands; planned through the list routes',
  },
  '/v1/exports/sessions.csv': [
    `/v1/exports/sessions.csv?${DAY}`,
    `/v1/exports/sessions.csv?${DAY}&station=${S}`,
  ],
  '/v1/exports/meter-values.csv': [
    `/v1/exports/meter-values.csv?${DAY}`,
    `/v1/exports/meter-values.csv?${DAY}&station=${S}`,
  ],
  '/v1/aggregates/energy': [
    `/v1/aggregates/energy?interval=hour&groupBy=network&${AGG_DAY}`,
    `/v1/aggregates/energy?interval=hour&groupBy=station&${AGG_DAY}&limit=100`,
    `/v1/aggregates/energy?interval=hour&groupBy=connector&${AGG_DAY}&limit=100`,
    `/v1/aggregates/energy?interval=day&groupBy=idTag&${AGG_MONTH}&limit=100`,
    `/v1/aggregates/energy?interval=hour&groupBy=connector&${AGG_DAY}&stationId=${seededStation(2)}`,
  ],
  '/v1/aggregates/utilization': [
    `/v1/aggregates/utilization?interval=day&groupBy=network&${AGG_MONTH}`,
    `/v1/aggregates/utilization?interval=day&groupBy=connector&${AGG_MONTH}&limit=100`,
  ],
  '/v1/aggregates/faults': [`/v1/aggregates/faults?interval=day&groupBy=station&${AGG_MONTH}&limit=100`],
  '/v1/exports/aggregates/energy.csv': [
    `/v1/exports/aggregates/energy.csv?interval=hour&groupBy=station&${AGG_DAY}`,
  ],
  '/v1/exports/aggregates/utilization.csv': [
    `/v1/exports/aggregates/utilization.csv?interval=day&groupBy=connector&${AGG_MONTH}&stationId=${seededStation(2)}`,
  ],
  '/v1/exports/aggregates/faults.csv': [
    `/v1/exports/aggregates/faults.csv?interval=day&groupBy=network&${AGG_MONTH}`,
  ],
  '/v1/files/{fileId}': { noSql: 'the primary key (uuid) of ftp_files, a small table' },
  '/v1/files/{fileId}/content': { noSql: 'the primary key of ftp_files, then object storage' },
  '/v1/firmware': { noSql: 'the firmware catalogue: a handful of rows' },
  '/v1/firmware/{name}': { noSql: 'the firmware catalogue: a handful of rows' },
  '/v1/firmware/{name}/content': { noSql: 'the firmware catalogue, then object storage' },
  '/v1/events': { noSql: 'server-sent events from JetStream' },
  '/v1/archive': { noSql: 'the archive status from JetStream' },
  '/v1/dead-letters': { noSql: 'the DEAD_LETTERS stream' },
  '/v1/dead-letters/{id}': { noSql: 'the DEAD_LETTERS stream' },
}

interface Statement {
  sql: string
  parameters: readonly unknown[]
}

/** PLAN_TEST_SIZE with twice the stations and twice every table's rows: each station has what it had. */
const DOUBLED: ScaleSize = {
  ...PLAN_TEST_SIZE,
  stations: PLAN_TEST_SIZE.stations * 2,
  sessions: PLAN_TEST_SIZE.sessions * 2,
  statusEvents: PLAN_TEST_SIZE.statusEvents * 2,
  commands: PLAN_TEST_SIZE.commands * 2,
  stationMessages: PLAN_TEST_SIZE.stationMessages * 2,
  aggregateStations: PLAN_TEST_SIZE.aggregateStations * 2,
  files: PLAN_TEST_SIZE.files * 2,
}

let scratch: ThrowawayDatabase
let doubled: ThrowawayDatabase
let api: TestApi
let explainer: pg.Client
let doubledExplainer: pg.Client
/**
 * Relations ANALYZE found empty: the months ahead that ingest creates before they fill, and the past and
 * future catch-alls. A query without a time bound visits them, and the planner rightly reads an empty one sequentially.
 */
let empty: Set<string>
/** Where the statements of the request being made go (undefined between requests). */
let current: Statement[] | undefined

/** The app's pool, with every statement it compiles recorded (plugins see raw `sql` queries too). */
function recording(db: Kysely<Database>): Kysely<Database> {
  const executor = db.getExecutor()
  return db.withPlugin({
    transformQuery(args) {
      const compiled = executor.compileQuery(args.node, args.queryId)
      current?.push({ sql: compiled.sql, parameters: compiled.parameters })
      return args.node
    },
    transformResult: async (args) => args.result,
  })
}

/** The select inside `copy (...) to stdout with (...)`: what COPY runs, plannable by EXPLAIN. */
function copiedSelect(statement: string): Statement {
  const match = /^copy \(([\s\S]*)\) to stdout with \([^)]*\)$/.exec(statement.trim())
  if (match?.[1] === undefined)
    throw new Error(`not a COPY ... TO STDOUT statement: ${statement.slice(0, 80)}`)
  return { sql: match[1], parameters: [] }
}

async function seeded(size: ScaleSize): Promise<{ database: ThrowawayDatabase; client: pg.Client }> {
  const database = await createThrowawayDatabase()
  const client = new pg.Client({ connectionString: database.adminUrl })
  await client.connect()
  const seeder = createDb({ url: database.adminUrl, poolSize: 1 })
  try {
    await seedAtScale(seeder, size)
  } finally {
    await seeder.destroy()
  }
  return { database, client }
}

beforeAll(async () => {
  const [one, two] = await Promise.all([seeded(PLAN_TEST_SIZE), seeded(DOUBLED)])
  ;({ database: scratch, client: explainer } = one)
  ;({ database: doubled, client: doubledExplainer } = two)
  const { rows } = await explainer.query<{ relname: string }>(
    `select relname from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace and reltuples = 0`,
  )
  empty = new Set(rows.map((r) => r.relname))
  api = await startTestApi(
    { DATABASE_URL: scratch.url, API_RATE_LIMIT_MAX: '100000' },
    {
      instrument(deps) {
        deps.db = recording(deps.db)
        const exporter = deps.exporter
        deps.exporter = {
          open(kind, filter) {
            current?.push(copiedSelect(exportSql(kind, filter, pg.escapeLiteral)))
            return exporter.open(kind, filter)
          },
          openCopy(statement) {
            current?.push(copiedSelect(statement(pg.escapeLiteral)))
            return exporter.openCopy(statement)
          },
        }
      },
    },
  )
}, SLOW)

afterAll(async () => {
  await api?.close()
  await explainer?.end()
  await doubledExplainer?.end()
  await scratch?.drop()
  await doubled?.drop()
})

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Plan Rows': number
  /** With EXPLAIN (ANALYZE, BUFFERS): this node's and its children's. */
  'Shared Hit Blocks'?: number
  'Shared Read Blocks'?: number
  Plans?: PlanNode[]
}

/** A page sorted in memory would not be keyset on an index: rows a Sort takes in, beyond which it fails. */
const MAX_SORTED_ROWS = 2_000

/**
 * Sorts whose input the planner estimates above MAX_SORTED_ROWS. An Incremental Sort is not one: it follows an
 * index's order and only breaks ties within it, so it stops at the page like the index walk.
 */
function bigSorts(node: PlanNode): string[] {
  const input = node.Plans?.[0]?.['Plan Rows'] ?? 0
  const own =
    node['Node Type'] === 'Sort' && input > MAX_SORTED_ROWS ? [`${node['Node Type']} of ${input} rows`] : []
  return [...own, ...(node.Plans ?? []).flatMap(bigSorts)]
}

function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' && node['Relation Name'] ? [node['Relation Name']] : []
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)]
}

/** The top of a statement's plan, EXPLAINed with `options` on `client`. */
async function explained(client: pg.Client, options: string, statement: Statement): Promise<PlanNode> {
  const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
    `explain (${options}, format json) ${statement.sql}`,
    statement.parameters as unknown[],
  )
  const top = rows[0]?.['QUERY PLAN'][0]
  if (top === undefined) throw new Error('EXPLAIN returned no plan')
  return top.Plan
}

const plan = (statement: Statement) => explained(explainer, 'costs', statement)

/** Shared buffers a statement touches when it runs (EXPLAIN ANALYZE: executed, so reads only). */
async function buffersRead(client: pg.Client, statement: Statement): Promise<number> {
  const top = await explained(client, 'analyze, buffers, timing off', statement)
  return (top['Shared Hit Blocks'] ?? 0) + (top['Shared Read Blocks'] ?? 0)
}

/**
 * A statement whose work does not grow with the network reads about as many buffers on twice the network: an
 * index one level deeper, or a page's rows on other pages, moves the count a little, never by half.
 */
const grows = (one: number, two: number) => two > one * 1.5 + 20

/** The statements of one request (and of its next page, when it has one), with the request's status. */
async function statementsOf(
  url: string,
): Promise<Array<{ url: string; status: number; statements: Statement[] }>> {
  const out: Array<{ url: string; status: number; statements: Statement[] }> = []
  let next: string | null = url
  for (let page = 0; page < 2 && next !== null; page++) {
    const statements: Statement[] = []
    current = statements
    const res: { statusCode: number; headers: Record<string, unknown>; json(): unknown } =
      await api.app.inject({ url: next, headers: { authorization: `Bearer ${api.keys.admin}` } })
    current = undefined
    out.push({ url: next, status: res.statusCode, statements })
    const json = String(res.headers['content-type'] ?? '').startsWith('application/json')
    const body = (json ? res.json() : undefined) as { next?: unknown } | undefined
    next = typeof body?.next === 'string' ? body.next : null
  }
  return out
}

test('every GET route of the OpenAPI document is planned here or says why it issues no SQL', async () => {
  const doc = (await api.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>
  }
  const gets = Object.entries(doc.paths)
    .filter(([, methods]) => 'get' in methods)
    .map(([path]) => path)
  expect(gets.filter((path) => !(path in ROUTES))).toEqual([])
  expect(Object.keys(ROUTES).filter((path) => !gets.includes(path))).toEqual([])
})

type Captured = Array<{ route: string; url: string; status: number; statements: Statement[] }>
let capturedOnce: Promise<Captured> | undefined

/** Every request of ROUTES (and its second page) with the statements it ran; made once, read by the tests. */
function captured(): Promise<Captured> {
  capturedOnce ??= (async () => {
    const out: Captured = []
    for (const [route, urls] of Object.entries(ROUTES)) {
      if (!Array.isArray(urls)) continue
      for (const url of urls) for (const request of await statementsOf(url)) out.push({ route, ...request })
    }
    return out
  })()
  return capturedOnce
}

test(
  'no read route scans a large table sequentially (seeded at scale, analyzed)',
  async () => {
    const failures: string[] = []
    let planned = 0
    for (const request of await captured()) {
      if (request.status !== 200) failures.push(`${request.url}: status ${request.status}`)
      if (request.statements.length === 0) failures.push(`${request.url}: no SQL captured (${request.route})`)
      for (const statement of request.statements) {
        planned++
        const tree = await plan(statement)
        const scanned = seqScans(tree).filter((relation) => LARGE.test(relation) && !empty.has(relation))
        for (const relation of scanned) {
          failures.push(`${request.url}: Seq Scan on ${relation} in ${statement.sql.replace(/\s+/g, ' ')}`)
        }
        // A page (limit) comes off an index in its order; an export (no limit) streams its whole range.
        if (/\blimit \$\d+/.test(statement.sql)) {
          for (const sort of bigSorts(tree)) failures.push(`${request.url}: ${sort} for a page`)
        }
      }
    }
    expect(failures).toEqual([])
    expect(planned).toBeGreaterThan(40)
  },
  SLOW,
)

test(
  'no page or detail reads more buffers on twice the network (same period, same rows per station)',
  async () => {
    const failures: string[] = []
    let compared = 0
    // An export streams its whole range, so its work rightly grows with the network.
    for (const request of (await captured()).filter((r) => !r.url.startsWith('/v1/exports/'))) {
      for (const statement of request.statements) {
        if (!/^\s*(select|with)\b/i.test(statement.sql)) continue
        compared++
        const one = await buffersRead(explainer, statement)
        const two = await buffersRead(doubledExplainer, statement)
        if (grows(one, two))
          failures.push(
            `${request.url}: ${one} -> ${two} buffers in ${statement.sql.replace(/\s+/g, ' ').slice(0, 200)}`,
          )
      }
    }
    expect(failures).toEqual([])
    expect(compared).toBeGreaterThan(40)
  },
  SLOW,
)

function relations(node: PlanNode): string[] {
  const own = node['Relation Name'] ? [node['Relation Name']] : []
  return [...own, ...(node.Plans ?? []).flatMap(relations)]
}

/** The statement of a request's page (0: first, 1: second) that reads `table`; throws when there is none. */
async function statementReading(url: string, page: 0 | 1, table: string): Promise<Statement> {
  const reads = new RegExp(`from "?${table}"?\\s`)
  const statement = (await statementsOf(url))[page]?.statements.find((st) => reads.test(st.sql))
  if (statement === undefined) throw new Error(`${url}: no page ${page + 1} reading ${table}`)
  return statement
}

test('a second page plans no month before its cursor (a row comparison alone prunes none)', async () => {
  for (const [url, table] of [
    [`/v1/stations/${S}/connectors/${seededStatusConnector(42)}/status-events?limit=5`, 'status_events'],
    ['/v1/sessions/4242/meter-values?limit=2', 'meter_values'],
    ['/v1/sessions/4242/meter-values?bucket=1h&limit=1', 'meter_values'],
  ] as const) {
    const planned = relations(await plan(await statementReading(url, 1, table)))
    expect(planned).not.toContain(`${table}_past`)
    expect(planned.filter((r) => /_\d{4}_\d{2}$/.test(r)).length).toBeGreaterThan(0)
  }
})

test("a session's values, first page included, plan only the months its values lie in (none without values)", async () => {
  const { rows } = await explainer.query<{ month: string }>(
    `select 'meter_values_' || to_char(m, 'YYYY_MM') as month
       from session_meter_spans s,
            generate_series(date_trunc('month', s.first_sampled_at at time zone 'UTC'),
                            s.last_sampled_at at time zone 'UTC', interval '1 month') m
      where s.transaction_id = 4242`,
  )
  const months = rows.map((r) => r.month)
  const { rows: all } = await explainer.query(`select * from monthly_partitions('meter_values')`)
  expect(months.length).toBeGreaterThan(0)
  expect(all.length).toBeGreaterThan(months.length + 1)
  for (const url of [
    '/v1/sessions/4242/meter-values?limit=2',
    '/v1/sessions/4242/meter-values?bucket=1h&limit=1',
  ]) {
    const statement = await statementReading(url, 0, 'meter_values')
    const planned = relations(await plan(statement)).filter((r) => r.startsWith('meter_values_'))
    expect(planned.sort()).toEqual(months)
  }
  // Session 201 is known by its stop only (scale-seed: every 200th from 1): no values, so no month at all.
  const { rows: none } = await explainer.query('select 1 from session_meter_spans where transaction_id = 201')
  expect(none).toEqual([])
  const empty = await statementReading('/v1/sessions/201/meter-values?limit=2', 0, 'meter_values')
  expect(relations(await plan(empty)).filter((r) => r.startsWith('meter_values'))).toEqual([])
})

test('only partitions are exempt as empty: every large table is seeded', () => {
  const exempt = [...empty].filter((relation) => LARGE.test(relation))
  expect(exempt.filter((relation) => !/_(\d{4}_\d{2}|past|future)$/.test(relation))).toEqual([])
  expect(exempt).not.toContain('meter_values_2026_11')
})

test('the checks bite: a filter no index serves is a Seq Scan and reads twice the buffers on twice the network, an order no index serves a big Sort', async () => {
  const node = await plan({ sql: 'select * from transactions where meter_stop = $1', parameters: [1234] })
  expect(seqScans(node)).toContain('transactions')
  const page = await plan({
    sql: 'select * from transactions order by meter_stop limit $1',
    parameters: [100],
  })
  expect(bigSorts(page)).toEqual([expect.stringMatching(/^Sort of \d+ rows$/)])
  const scan = { sql: 'select count(*) from transactions where meter_stop = $1', parameters: [1234] }
  const [one, two] = [await buffersRead(explainer, scan), await buffersRead(doubledExplainer, scan)]
  expect(grows(one, two)).toBe(true)
})
