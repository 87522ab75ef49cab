/**
 * `pnpm bench:api --dataset year`: the read routes of the API on a year of a network's data, with wrk, against
 * the same queries run directly (the API's own data-access functions, in this process, through pgbouncer with
 * the API's pool size) in the same run.
 *
 * 1. Creates a throwaway database `chargebus_bench_year_<ts>`, migrates it and seeds it with the plan test's
 *    generator (services/api/test/support/scale-seed.ts) at a year's size: 10,000 stations, 20,000
 *    connectors, 2,000,000 sessions, 20,000,000 meter values over 13 monthly partitions, status history,
 *    commands, station messages, id tags, hourly and daily aggregates; progress per table on stderr.
 *    BENCH_YEAR_SCALE (default 1) scales the row counts (not the period), for a quicker run.
 * 2. Starts the API as a child process (and a second one with API_RATE_LIMIT_STORE=memory, driven on three
 *    routes: the cost of the shared rate-limit counters); warms every target up on every route (1 s each); per
 *    route: wrk (BENCH_CONNECTIONS, default 32, for BENCH_DURATION_S,
 *    default 10 s, after a 2 s warm-up), then against BENCH_API_REPLICAS (default 2) API processes behind one port
 *    (the deployed shape: replicas behind a load balancer; 1 skips it), then the direct baseline with as many
 *    concurrent callers. The ratio to direct is the single process's: the baseline is one process too.
 *    BENCH_YEAR_ROUTES=0 skips the read routes (the exports only), BENCH_YEAR_EXPORTS=0 the exports, and
 *    BENCH_YEAR_ONLY=<regular expression> drives only the routes whose name matches it.
 * 3. Exports the whole period as CSV, sessions and meter values, with a fast client, a stalling client and
 *    the COPY run directly (year-exports.ts): rows/s, the API's RSS, every row checked against its table.
 * 4. Prints one JSON report (p50/p99, req/s, rows/s, the ratio to the baseline, the load average), writes
 *    bench/results/api-year-<ts>.json and drops the database (BENCH_KEEP_DB=1 keeps it, and
 *    BENCH_YEAR_DB=<name> runs on such a kept database instead of seeding one; it is kept). Exits 1 when an
 *    export lost or added a row.
 */
import { execFile } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { promisify } from 'node:util'
import { issueApiKey } from '@chargebus/api/admin'
import {
  createDatabase,
  createDb,
  type Database,
  dropDatabase,
  type Kysely,
  migrateToLatest,
  sql,
  withDatabaseName,
} from '@chargebus/db'
import { createCommandStore } from '../../../packages/command-store/src/index.ts'
import { type AggregateQuery, listAggregates } from '../../../services/api/src/data-access/aggregates.ts'
import { findCommandTarget } from '../../../services/api/src/data-access/command-targets.ts'
import { findIdTag, listIdTags } from '../../../services/api/src/data-access/id-tags.ts'
import {
  findSessionValues,
  listMeterBuckets,
  listMeterValues,
} from '../../../services/api/src/data-access/meter-values.ts'
import { findSession, listSessions } from '../../../services/api/src/data-access/sessions.ts'
import { listStationFiles, stationKnown } from '../../../services/api/src/data-access/station-files.ts'
import {
  findConnector,
  findStation,
  listConnectors,
  listStations,
} from '../../../services/api/src/data-access/stations.ts'
import { listStatusEvents } from '../../../services/api/src/data-access/status-events.ts'
import { AGGREGATE_PAGE } from '../../../services/api/src/domain/aggregates.ts'
import {
  type ScaleSize,
  SEED_START,
  seedAtScale,
  seededStation,
  seededStatusConnector,
} from '../../../services/api/test/support/scale-seed.ts'
import {
  CLK_TCK,
  machineTicks,
  ticksBetween,
  ticksByComm,
  treeCpuTicks,
} from '../../gateway/src/processes.ts'
import { runExports } from './year-exports.ts'

const run = promisify(execFile)

const SCALE = Number(process.env.BENCH_YEAR_SCALE ?? 1)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10)
const READ_ROUTES = process.env.BENCH_YEAR_ROUTES !== '0'
/** Only the routes whose name matches this regular expression (all by default). */
const ONLY = new RegExp(process.env.BENCH_YEAR_ONLY ?? '')
const EXPORTS = process.env.BENCH_YEAR_EXPORTS !== '0'
/** Each route is also driven against this many API replicas behind one port (1: not). */
const REPLICAS = Number(process.env.BENCH_API_REPLICAS ?? 2)
/** A database an earlier run kept (BENCH_KEEP_DB=1): measured again without seeding it again. */
const REUSED_DB = process.env.BENCH_YEAR_DB
/** The API's default DATABASE_POOL_SIZE: the baseline gets the same number of connections. */
const POOL_SIZE = 4
const log = (m: string) => process.stderr.write(`bench:api year: ${m}\n`)
const scaled = (n: number) => Math.max(1, Math.round(n * SCALE))

export const YEAR_SIZE: ScaleSize = {
  days: 365,
  stations: scaled(10_000),
  sessions: scaled(2_000_000),
  valuesPerSession: 10,
  statusEvents: scaled(2_000_000),
  commands: scaled(200_000),
  stationMessages: scaled(200_000),
  aggregateStations: scaled(100),
  aggregateDays: 365,
  files: scaled(20_000),
}

/** Routes also driven against an API with API_RATE_LIMIT_STORE=memory. */
const MEMORY_STORE_ROUTES = new Set([
  'GET /v1/stations?limit=100',
  'GET /v1/sessions?limit=100',
  'GET /v1/sessions/{id}',
])

interface Route {
  name: string
  path: string
  /** The same query, called directly; resolves to the rows it returned. */
  direct: (db: Kysely<Database>) => Promise<number>
}

/**
 * Every read route of the API that issues SQL, with each list's filters and a second page (the cursor its first
 * page gave), on keys the seed gives rows.
 */
async function routes(db: Kysely<Database>): Promise<Route[]> {
  const stationIndex = 4242 % YEAR_SIZE.stations
  const s = seededStation(stationIndex)
  const statusConnector = seededStatusConnector(stationIndex)
  const session = Math.ceil(YEAR_SIZE.sessions / 2) + 2 // mid-year, started (id % 200 <> 1)
  const day = { from: '2027-03-10T00:00:00Z', to: '2027-03-11T00:00:00Z' }
  const page = { limit: 100 }
  // the seed writes aggregate cells for its first stations from SEED_START (a day and a month of them here)
  const aggregated = seededStation(2)
  const aggDay = { from: '2026-10-05T00:00:00Z', to: '2026-10-06T00:00:00Z' }
  const aggMonth = { from: '2026-10-01T00:00:00Z', to: '2026-10-31T00:00:00Z' }
  const commands = createCommandStore(db)
  const cursorOf = (next: string | null, route: string) => {
    if (next === null) throw new Error(`${route}: its first page is the last; no second page to measure`)
    return next
  }
  const stationsCursor = cursorOf((await listStations(db, page)).nextCursor, 'stations')
  const sessionsCursor = cursorOf((await listSessions(db, page)).nextCursor, 'sessions')
  const statusCursor = cursorOf(
    (await listStatusEvents(db, { stationId: s, connectorId: statusConnector, limit: 100 })).nextCursor,
    'status events',
  )
  const idTagsCursor = cursorOf((await listIdTags(db, page)).nextCursor, 'id tags')
  // a station with a session in progress (few have one)
  const activeStation = (await listSessions(db, { limit: 1, active: true })).items[0]?.stationId ?? s
  const q = (cursor: string) => encodeURIComponent(cursor)
  return [
    {
      name: 'GET /v1/stations?limit=100',
      path: '/v1/stations?limit=100',
      direct: async (db) => (await listStations(db, page)).items.length,
    },
    {
      name: 'GET /v1/stations?vendor=Volta&limit=100',
      path: '/v1/stations?vendor=Volta&limit=100',
      direct: async (db) => (await listStations(db, { ...page, vendor: 'Volta' })).items.length,
    },
    {
      name: 'GET /v1/stations/{id}',
      path: `/v1/stations/${s}`,
      direct: async (db) => {
        const [station] = await Promise.all([findStation(db, s), listConnectors(db, s)])
        return station ? 1 : 0
      },
    },
    {
      name: 'GET /v1/sessions?limit=100',
      path: '/v1/sessions?limit=100',
      direct: async (db) => (await listSessions(db, page)).items.length,
    },
    {
      name: 'GET /v1/sessions?stationId&limit=100',
      path: `/v1/sessions?stationId=${s}&limit=100`,
      direct: async (db) => (await listSessions(db, { ...page, stationId: s })).items.length,
    },
    {
      name: 'GET /v1/sessions?idTag&limit=100',
      path: '/v1/sessions?idTag=TAG000042&limit=100',
      direct: async (db) => (await listSessions(db, { ...page, idTag: 'TAG000042' })).items.length,
    },
    {
      name: 'GET /v1/sessions?active=true&limit=100',
      path: '/v1/sessions?active=true&limit=100',
      direct: async (db) => (await listSessions(db, { ...page, active: true })).items.length,
    },
    {
      name: 'GET /v1/sessions?from&to (a day)&limit=100',
      path: `/v1/sessions?from=${day.from}&to=${day.to}&limit=100`,
      direct: async (db) => (await listSessions(db, { ...page, ...day })).items.length,
    },
    {
      name: 'GET /v1/sessions/{id}',
      path: `/v1/sessions/${session}`,
      direct: async (db) => ((await findSession(db, session)) ? 1 : 0),
    },
    {
      name: 'GET /v1/sessions/{id}/meter-values',
      path: `/v1/sessions/${session}/meter-values?limit=100`,
      direct: async (db) => {
        const found = await findSessionValues(db, session)
        if (found === undefined) return 0
        return (await listMeterValues(db, { ...found, sessionId: session, limit: 100 })).items.length
      },
    },
    {
      // the connector that has the station's status history (the other one's page is empty)
      name: 'GET /v1/stations/{id}/connectors/{c}/status-events',
      path: `/v1/stations/${s}/connectors/${statusConnector}/status-events?limit=100`,
      direct: async (db) =>
        (await listStatusEvents(db, { stationId: s, connectorId: statusConnector, limit: 100 })).items.length,
    },
    aggregateRoute('GET /v1/aggregates/energy (hourly, network, a day)', {
      kind: 'energy',
      interval: 'hour',
      groupBy: 'network',
      ...day,
    }),
    {
      name: 'GET /v1/stations?limit=100 (second page)',
      path: `/v1/stations?limit=100&cursor=${q(stationsCursor)}`,
      direct: async (db) => (await listStations(db, { ...page, cursor: stationsCursor })).items.length,
    },
    {
      name: 'GET /v1/stations?registrationStatus=Pending&limit=100',
      path: '/v1/stations?registrationStatus=Pending&limit=100',
      direct: async (db) => (await listStations(db, { ...page, registrationStatus: 'Pending' })).items.length,
    },
    {
      name: 'GET /v1/stations?connectorStatus=Charging&limit=100',
      path: '/v1/stations?connectorStatus=Charging&limit=100',
      direct: async (db) => (await listStations(db, { ...page, connectorStatus: 'Charging' })).items.length,
    },
    {
      name: 'GET /v1/stations?lastSeenSince&limit=100',
      path: '/v1/stations?lastSeenSince=2027-09-01T00:00:00Z&limit=100',
      direct: async (db) =>
        (await listStations(db, { ...page, lastSeenSince: '2027-09-01T00:00:00Z' })).items.length,
    },
    {
      name: 'GET /v1/stations?lastSeenBefore&limit=100',
      path: '/v1/stations?lastSeenBefore=2026-10-20T00:00:00Z&limit=100',
      direct: async (db) =>
        (await listStations(db, { ...page, lastSeenBefore: '2026-10-20T00:00:00Z' })).items.length,
    },
    {
      name: 'GET /v1/stations/{id}/connectors',
      path: `/v1/stations/${s}/connectors`,
      direct: async (db) => {
        const [station, connectors] = await Promise.all([findStation(db, s), listConnectors(db, s)])
        return station ? connectors.length : 0
      },
    },
    {
      name: 'GET /v1/stations/{id}/connectors/{c}',
      path: `/v1/stations/${s}/connectors/${statusConnector}`,
      direct: async (db) => ((await findConnector(db, s, statusConnector)) ? 1 : 0),
    },
    {
      name: 'GET /v1/stations/{id}/connectors/{c}/status-events (second page)',
      path: `/v1/stations/${s}/connectors/${statusConnector}/status-events?limit=100&cursor=${q(statusCursor)}`,
      direct: async (db) =>
        (
          await listStatusEvents(db, {
            stationId: s,
            connectorId: statusConnector,
            limit: 100,
            cursor: statusCursor,
          })
        ).items.length,
    },
    {
      name: 'GET /v1/stations/{id}/commands',
      path: `/v1/stations/${s}/commands?limit=50`,
      direct: async (db) => {
        if ((await findCommandTarget(db, s)) === undefined) return 0
        return (await commands.list({ stationId: s, limit: 50 })).records.length
      },
    },
    {
      name: 'GET /v1/stations/{id}/commands?status=accepted',
      path: `/v1/stations/${s}/commands?status=accepted&limit=50`,
      direct: async (db) => {
        if ((await findCommandTarget(db, s)) === undefined) return 0
        return (await commands.list({ stationId: s, limit: 50, status: 'accepted' })).records.length
      },
    },
    {
      name: 'GET /v1/stations/{id}/files',
      path: `/v1/stations/${s}/files?limit=100`,
      direct: async (db) => {
        if (!(await stationKnown(db, s))) return 0
        return (await listStationFiles(db, { stationId: s, limit: 100 })).items.length
      },
    },
    {
      name: 'GET /v1/sessions?limit=100 (second page)',
      path: `/v1/sessions?limit=100&cursor=${q(sessionsCursor)}`,
      direct: async (db) => (await listSessions(db, { ...page, cursor: sessionsCursor })).items.length,
    },
    {
      name: 'GET /v1/sessions?stationId&active=true',
      path: `/v1/sessions?stationId=${activeStation}&active=true&limit=100`,
      direct: async (db) =>
        (await listSessions(db, { ...page, stationId: activeStation, active: true })).items.length,
    },
    {
      name: 'GET /v1/sessions/{id}/meter-values?bucket=1h',
      path: `/v1/sessions/${session}/meter-values?bucket=1h&limit=100`,
      direct: async (db) => {
        const found = await findSessionValues(db, session)
        if (found === undefined) return 0
        return (await listMeterBuckets(db, { ...found, sessionId: session, bucket: '1h', limit: 100 })).items
          .length
      },
    },
    {
      name: 'GET /v1/id-tags?limit=100',
      path: '/v1/id-tags?limit=100',
      direct: async (db) => (await listIdTags(db, page)).items.length,
    },
    {
      name: 'GET /v1/id-tags?limit=100 (second page)',
      path: `/v1/id-tags?limit=100&cursor=${q(idTagsCursor)}`,
      direct: async (db) => (await listIdTags(db, { ...page, cursor: idTagsCursor })).items.length,
    },
    {
      name: 'GET /v1/id-tags/{idTag}',
      path: '/v1/id-tags/TAG000042',
      direct: async (db) => ((await findIdTag(db, 'TAG000042')) ? 1 : 0),
    },
    aggregateRoute('GET /v1/aggregates/energy (hourly, by station, a day)', {
      kind: 'energy',
      interval: 'hour',
      groupBy: 'station',
      ...aggDay,
      limit: 100,
    }),
    aggregateRoute("GET /v1/aggregates/energy (hourly, a station's connectors, a day)", {
      kind: 'energy',
      interval: 'hour',
      groupBy: 'connector',
      stationId: aggregated,
      ...aggDay,
    }),
    aggregateRoute('GET /v1/aggregates/energy (daily, by id tag, a month)', {
      kind: 'energy',
      interval: 'day',
      groupBy: 'idTag',
      ...aggMonth,
      limit: 100,
    }),
    aggregateRoute('GET /v1/aggregates/utilization (daily, by connector, a month)', {
      kind: 'utilization',
      interval: 'day',
      groupBy: 'connector',
      ...aggMonth,
      limit: 100,
    }),
    aggregateRoute('GET /v1/aggregates/utilization (daily, network, a month)', {
      kind: 'utilization',
      interval: 'day',
      groupBy: 'network',
      ...aggMonth,
    }),
  ]
}

/** An aggregate route whose request and direct call are made from one query (without a limit, the API's default page). */
function aggregateRoute(name: string, query: AggregateQuery & { limit?: number }): Route {
  const { kind, interval, groupBy, from, to, stationId, limit } = query
  const params = new URLSearchParams({ interval, groupBy, from, to })
  if (stationId !== undefined) params.set('stationId', stationId)
  if (limit !== undefined) params.set('limit', String(limit))
  return {
    name,
    path: `/v1/aggregates/${kind}?${params}`,
    direct: async (db) =>
      (await listAggregates(db, { ...query, limit: limit ?? AGGREGATE_PAGE.default })).items.length,
  }
}

const round2 = (ls: number[]) => ls.map((l) => Math.round(l * 100) / 100)

/** The whole seeded period, and the day after it, where the last sessions stop and their last values fall. */
function seededPeriod() {
  const day = 86_400_000
  const to = new Date(Date.parse(SEED_START) + (YEAR_SIZE.days + 1) * day).toISOString()
  return { from: SEED_START, to }
}

interface Latency {
  p50Ms: number
  p99Ms: number
  requestsPerS: number
}

/** wrk's `--latency` figures: the 50% and 99% lines, Requests/sec, the requests made, and any non-2xx count. */
export function parseWrk(out: string): Latency & { requests: number; non2xx: number } {
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out)
    if (!m?.[1]) throw new Error(`wrk output without a ${label} line`)
    const v = Number(m[1])
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v
  }
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]
  return {
    p50Ms: ms('50%'),
    p99Ms: ms('99%'),
    requestsPerS: Math.round(Number(rps)),
    requests: Number(/(\d+) requests in /.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  }
}

/** CPU clock ticks so far: the API process, each Postgres process, pgbouncer's, and the whole machine's busy time. */
function cpuTicks(apiPid: number) {
  return {
    api: treeCpuTicks(apiPid),
    postgres: ticksByComm('postgres'),
    pgbouncer: ticksByComm('pgbouncer'),
    machine: machineTicks().busy,
  }
}

/**
 * CPU per request (us) between two {@link cpuTicks}, by process, `rest` being wrk, the kernel and anything else
 * busy; and what that allows on this machine's cores: the req/s with every core busy on this route and nothing
 * else, and the mean latency the CONNECTIONS requests in flight then have at least (Little's law). A p99 under
 * 50 ms needs that mean well under 50 ms, so a route whose bound is near it cannot meet the target by
 * scheduling, only by costing less.
 */
function cpuPerRequest(
  before: ReturnType<typeof cpuTicks>,
  after: ReturnType<typeof cpuTicks>,
  requests: number,
) {
  const us = (ticks: number) => Math.round((ticks / CLK_TCK / Math.max(1, requests)) * 1e6)
  const machineUs = us(after.machine - before.machine)
  const apiUs = us(after.api - before.api)
  const postgresUs = us(ticksBetween(before.postgres, after.postgres))
  const pgbouncerUs = us(ticksBetween(before.pgbouncer, after.pgbouncer))
  const capacityPerS = Math.round((availableParallelism() * 1e6) / Math.max(1, machineUs))
  return {
    machineUs,
    apiUs,
    postgresUs,
    pgbouncerUs,
    restUs: Math.max(0, machineUs - apiUs - postgresUs - pgbouncerUs),
    capacityPerS,
    meanMsAtCapacity: Math.round((CONNECTIONS / capacityPerS) * 10_000) / 10,
  }
}

async function wrk(url: string, key: string, durationS: number) {
  const { stdout } = await run('wrk', [
    '-t2',
    `-c${CONNECTIONS}`,
    `-d${durationS}s`,
    '--latency',
    '-H',
    `authorization: Bearer ${key}`,
    url,
  ])
  return parseWrk(stdout)
}

/** CONNECTIONS callers in a loop for durationS: latency percentiles (ms) and calls per second. */
async function direct(
  db: Kysely<Database>,
  call: (db: Kysely<Database>) => Promise<number>,
  durationS: number,
) {
  const latencies: number[] = []
  const end = performance.now() + durationS * 1000
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t = performance.now()
        await call(db)
        latencies.push(performance.now() - t)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 100) / 100
  return { p50Ms: at(0.5), p99Ms: at(0.99), requestsPerS: Math.round(latencies.length / durationS) }
}

/** Migrates the fresh database and seeds a year into it, with a progress bar; returns the seconds it took. */
async function migrateAndSeed(admin: Kysely<Database>): Promise<number> {
  await migrateToLatest(admin)
  const seedStart = performance.now()
  const tables = 14
  let done = 0
  await seedAtScale(admin, YEAR_SIZE, (table, rows) => {
    done++
    const s = Math.round((performance.now() - seedStart) / 1000)
    log(`seed [${'#'.repeat(done).padEnd(tables)}] ${table} (${rows.toLocaleString('en')} rows) at ${s} s`)
  })
  return Math.round((performance.now() - seedStart) / 1000)
}

export async function runYear(opts: {
  adminUrl: string
  pooledUrl: string
  startApi: (
    databaseUrl: string,
    env?: Record<string, string>,
    replicas?: number,
  ) => Promise<{ url: string; pid: number }>
  stop: () => Promise<void>
  write: (name: string, json: string) => void
}): Promise<void> {
  const dbName = REUSED_DB ?? `chargebus_bench_year_${Date.now()}`
  const maintenance = createDb({ url: withDatabaseName(opts.adminUrl, 'postgres'), poolSize: 1 })
  if (!REUSED_DB) await createDatabase(maintenance, dbName)
  const disk = async () => (await run('df', ['-h', '--output=avail', '/work'])).stdout.split('\n')[1]?.trim()
  log(
    `database ${dbName}${REUSED_DB ? ' (kept by an earlier run)' : ''}; free on /work: ${await disk()}; scale ${SCALE}`,
  )
  try {
    const admin = createDb({ url: withDatabaseName(opts.adminUrl, dbName), poolSize: 1 })
    const seedS = REUSED_DB ? null : await migrateAndSeed(admin)
    const { rows: size } = await sql<{ size: string }>`
      select pg_size_pretty(pg_database_size(current_database())) as size`.execute(admin)
    log(
      `${seedS === null ? 'reused' : `seeded in ${seedS} s`}, ${size[0]?.size}; free on /work: ${await disk()}`,
    )
    const { key } = await issueApiKey(admin, { name: 'bench', scopes: ['read'] })
    const { key: biKey } = await issueApiKey(admin, { name: 'bench-bi', scopes: ['bi'] })

    const api = await opts.startApi(withDatabaseName(opts.pooledUrl, dbName))
    const { url: apiUrl, pid: apiPid } = api
    // The same API with the per-process rate-limit store: what the shared counters (one upsert per request)
    // cost, in the same run.
    const { url: memoryUrl } = await opts.startApi(withDatabaseName(opts.pooledUrl, dbName), {
      API_RATE_LIMIT_STORE: 'memory',
    })
    // The deployed shape on this box's two cores: API replicas behind one address (the same code and pool each).
    const replicasUrl =
      REPLICAS > 1
        ? (await opts.startApi(withDatabaseName(opts.pooledUrl, dbName), {}, REPLICAS)).url
        : undefined
    const pooled = createDb({ url: withDatabaseName(opts.pooledUrl, dbName), poolSize: POOL_SIZE })
    const results = []
    const selected = READ_ROUTES ? (await routes(pooled)).filter((r) => ONLY.test(r.name)) : []
    // Every target warms up on every route before any is measured: measured in one pass, the first routes also paid
    // for the fresh processes and Postgres backends (the first route ran at half the rate it has when measured later).
    for (const [i, r] of selected.entries()) {
      log(`warm-up ${i + 1}/${selected.length}: ${r.name}`)
      for (const url of [apiUrl, memoryUrl, replicasUrl]) if (url) await wrk(`${url}${r.path}`, key, 1)
      await direct(pooled, r.direct, 1)
    }
    for (const r of selected) {
      const rowsPerCall = await r.direct(pooled)
      // an empty answer measures nothing of the route's work (a status route once asked for a connector without history)
      if (rowsPerCall === 0)
        throw new Error(`${r.name}: the seeded data gives it no rows; pick a key that has some`)
      await wrk(`${apiUrl}${r.path}`, key, 2)
      const cpuBefore = cpuTicks(apiPid)
      const api = await wrk(`${apiUrl}${r.path}`, key, DURATION_S)
      const cpu = cpuPerRequest(cpuBefore, cpuTicks(apiPid), api.requests)
      const memory = MEMORY_STORE_ROUTES.has(r.name)
        ? await wrk(`${memoryUrl}${r.path}`, key, DURATION_S)
        : undefined
      const replicated = replicasUrl ? await wrk(`${replicasUrl}${r.path}`, key, DURATION_S) : undefined
      await direct(pooled, r.direct, 2)
      const baseline = await direct(pooled, r.direct, DURATION_S)
      const result = {
        route: r.name,
        path: r.path,
        rowsPerCall,
        api: { ...api, rowsPerS: api.requestsPerS * rowsPerCall },
        ...(memory && {
          apiMemoryRateLimitStore: { ...memory, rowsPerS: memory.requestsPerS * rowsPerCall },
        }),
        ...(replicated && {
          apiReplicas: { replicas: REPLICAS, ...replicated, rowsPerS: replicated.requestsPerS * rowsPerCall },
        }),
        cpuPerRequest: cpu,
        directSql: { ...baseline, rowsPerS: baseline.requestsPerS * rowsPerCall },
        ratioToDirect: Math.round((api.requestsPerS / Math.max(1, baseline.requestsPerS)) * 100) / 100,
        loadAverage: round2(loadavg()),
      }
      results.push(result)
      log(
        `${r.name}: p50 ${api.p50Ms} ms, p99 ${api.p99Ms} ms, ${api.requestsPerS} req/s${memory ? ` (memory store ${memory.requestsPerS} req/s, p99 ${memory.p99Ms} ms)` : ''}${replicated ? ` (${REPLICAS} replicas: p50 ${replicated.p50Ms} ms, p99 ${replicated.p99Ms} ms, ${replicated.requestsPerS} req/s)` : ''} (direct ${baseline.requestsPerS} req/s, p99 ${baseline.p99Ms} ms; ratio ${result.ratioToDirect}), non-2xx ${api.non2xx}; CPU per request ${cpu.machineUs} us (API ${cpu.apiUs}, Postgres ${cpu.postgresUs}, pgbouncer ${cpu.pgbouncerUs}, the rest ${cpu.restUs}): at most ${cpu.capacityPerS} req/s, a mean of at least ${cpu.meanMsAtCapacity} ms at ${CONNECTIONS} connections`,
      )
    }
    await pooled.destroy()
    const exportsLoad = loadavg()
    const exports = EXPORTS
      ? await runExports({
          apiUrl,
          apiPid: api.pid,
          key: biKey,
          pooledUrl: withDatabaseName(opts.pooledUrl, dbName),
          admin,
          range: seededPeriod(),
        })
      : undefined
    await admin.destroy()
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      dataset: { scale: SCALE, ...YEAR_SIZE, meterValues: YEAR_SIZE.sessions * YEAR_SIZE.valuesPerSession },
      seedSeconds: seedS,
      databaseSize: size[0]?.size,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      apiPoolSize: POOL_SIZE,
      targetP99Ms: 50,
      results,
      exports: exports && {
        ...exports,
        loadAverage: { start: round2(exportsLoad), end: round2(loadavg()) },
      },
    }
    const json = JSON.stringify(report, null, 2)
    process.stdout.write(`${json}\n`)
    opts.write(`api-year-${report.when.replaceAll(':', '-')}.json`, `${json}\n`)
    if (exports && !exports.allRowsArrived) {
      log('an export lost or added rows (see exports.results[].allRowsArrived)')
      process.exitCode = 1
    }
  } finally {
    await opts.stop()
    if (process.env.BENCH_KEEP_DB !== '1' && !REUSED_DB) await dropDatabase(maintenance, dbName)
    else log(`kept database ${dbName}`)
    await maintenance.destroy()
  }
}
