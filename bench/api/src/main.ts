/**
 * `pnpm bench:api`: latency of the REST API on a realistic database, against bare Fastify in the same run.
 * Not part of the test run.
 *
 * 1. Creates a throwaway database `chargebus_bench_api_<ts>` (DATABASE_ADMIN_URL, direct) and migrates it.
 * 2. Seeds 10,000 stations (2 connectors each), 10,000 completed sessions and 1,000,000 meter values
 *    (100 per session, COPY FROM STDIN).
 * 3. Starts the API (`services/api/src/main.ts`, through pgbouncer at DATABASE_URL's host:port) and a bare
 *    Fastify server as child processes; autocannon runs here.
 * 4. Per target: warm-up, then BENCH_DURATION_S seconds with BENCH_CONNECTIONS connections; p50/p99/max
 *    latency and requests/s. Prints one JSON report (progress on stderr), writes bench/results/api-<ts>.json,
 *    drops the database.
 *
 * `--dataset year`: a year of a network's data and every read route with wrk against direct SQL (year.ts).
 *
 * Env: DATABASE_ADMIN_URL, DATABASE_URL (defaults: 5432 direct / 6432 pgbouncer), NATS_URL,
 * BENCH_CONNECTIONS (8), BENCH_DURATION_S (10), BENCH_KEEP_DB=1 keeps the database.
 */
// First: the direct baselines run the API's data-access code in this process, with the API's V8 settings.
import '../../../services/api/src/allocation-pretenuring.ts'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { issueApiKey } from '@chargebus/api/admin'
import { createDatabase, createDb, dropDatabase, migrateToLatest, withDatabaseName } from '@chargebus/db'
import autocannon from 'autocannon'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ADMIN_URL = process.env.DATABASE_ADMIN_URL || 'postgres://chargebus:chargebus@127.0.0.1:5432/chargebus'
const POOLED_URL = process.env.DATABASE_URL || 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus'
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10)
const STATIONS = 10_000
const VALUES_PER_SESSION = 100
const SESSIONS = 10_000
const log = (m: string) => process.stderr.write(`bench:api: ${m}\n`)
const station = (i: number) => `BENCH-${String(i).padStart(5, '0')}`

const dbName = `chargebus_bench_api_${Date.now()}`
const children: ChildProcess[] = []

async function main() {
  const maintenance = createDb({ url: withDatabaseName(ADMIN_URL, 'postgres'), poolSize: 1 })
  await createDatabase(maintenance, dbName)
  try {
    const admin = createDb({ url: withDatabaseName(ADMIN_URL, dbName), poolSize: 2 })
    await migrateToLatest(admin)
    const seeded = await seed(withDatabaseName(ADMIN_URL, dbName))
    const { key } = await issueApiKey(admin, { name: 'bench', scopes: ['read'] })
    await admin.destroy()

    const { url: apiUrl } = await startApi(withDatabaseName(POOLED_URL, dbName))
    const { url: bareUrl } = await startChild(
      'bare-fastify',
      [join(REPO_ROOT, 'bench/api/src/bare-fastify.ts'), String(await freePort())],
      {},
    )
    const auth = { authorization: `Bearer ${key}` }
    let n = 0
    const next = () => n++
    const targets: Array<{ name: string; url: string; path: () => string; headers: Record<string, string> }> =
      [
        { name: 'bare fastify (baseline)', url: bareUrl, path: () => '/v1/stations', headers: {} },
        {
          name: 'GET /v1/stations (page of 50)',
          url: apiUrl,
          path: () => `/v1/stations?limit=50&vendor=ACME`,
          headers: auth,
        },
        {
          name: 'GET /v1/stations/{id} (with connectors)',
          url: apiUrl,
          path: () => `/v1/stations/${station((next() * 7919) % STATIONS)}`,
          headers: auth,
        },
        {
          name: 'GET /v1/sessions/{id}/meter-values (page of 100)',
          url: apiUrl,
          path: () =>
            `/v1/sessions/${seeded.firstSessionId + ((next() * 104_729) % SESSIONS)}/meter-values?limit=100`,
          headers: auth,
        },
      ]
    const results = []
    for (const t of targets) {
      await load(t, 2) // warm-up (JIT, pools, caches)
      const r = await load(t, DURATION_S)
      results.push({ target: t.name, ...r })
      log(
        `${t.name}: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.requestsPerS} req/s, non-2xx ${r.non2xx}`,
      )
    }
    const report = {
      when: new Date().toISOString(),
      node: process.version,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      data: {
        stations: STATIONS,
        connectors: STATIONS * 2,
        sessions: SESSIONS,
        meterValues: SESSIONS * VALUES_PER_SESSION,
      },
      seedSeconds: seeded.seconds,
      targetP99Ms: 50,
      results,
    }
    const json = JSON.stringify(report, null, 2)
    process.stdout.write(`${json}\n`)
    mkdirSync(join(REPO_ROOT, 'bench/results'), { recursive: true })
    writeFileSync(join(REPO_ROOT, `bench/results/api-${report.when.replaceAll(':', '-')}.json`), `${json}\n`)
  } finally {
    for (const c of children) c.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 500))
    if (process.env.BENCH_KEEP_DB !== '1') await dropDatabase(maintenance, dbName)
    else log(`kept database ${dbName}`)
    await maintenance.destroy()
  }
}

async function seed(url: string) {
  const started = Date.now()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`
      insert into stations (id, vendor, model, ocpp_version, registration_status, first_seen_at, last_seen_at, heartbeat_interval_s)
      select 'BENCH-' || lpad(i::text, 5, '0'), case when i % 4 = 0 then 'Other' else 'ACME' end, 'Wallbox 22', '1.6',
             case when i % 10 = 0 then 'Pending' else 'Accepted' end, now() - interval '30 days', now() - (i || ' seconds')::interval, 300
        from generate_series(0, ${STATIONS - 1}) i`)
    await client.query(`
      insert into connectors (station_id, connector_id, status, status_at)
      select s.id, c, case when c = 1 then 'Charging' else 'Available' end, now() from stations s, generate_series(1, 2) c`)
    const { rows } = await client.query<{ first: number }>(`
      with ins as (
        insert into transactions (id, station_id, connector_id, id_tag, meter_start, started_at, meter_stop, stopped_at)
        select 1000 + i, 'BENCH-' || lpad((i % ${STATIONS})::text, 5, '0'), 1, 'TAG-' || (i % 500), 0,
               timestamptz '2026-11-20 00:00:00+00' + (i || ' minutes')::interval, 50000,
               timestamptz '2026-11-20 00:00:00+00' + (i || ' minutes')::interval + interval '100 minutes'
          from generate_series(0, ${SESSIONS - 1}) i
        returning id)
      select min(id)::int as first from ins`)
    const firstSessionId = rows[0]?.first ?? 1000
    log(`stations, connectors, sessions seeded; COPY of ${SESSIONS * VALUES_PER_SESSION} meter values...`)
    const copy = client.query(
      copyFrom(`copy meter_values (station_id, connector_id, transaction_id, sampled_at, measurand, location, context, format,
        unit, value_raw, value, base_unit, received_at, source_action, source_message_id, sample_index) from stdin with (format csv)`),
    )
    const base = Date.parse('2026-11-20T00:00:00Z')
    function* lines() {
      for (let s = 0; s < SESSIONS; s++) {
        const id = firstSessionId + s
        const st = station(s % STATIONS)
        const start = base + s * 60_000
        let chunk = ''
        for (let v = 0; v < VALUES_PER_SESSION; v++) {
          const at = new Date(start + v * 60_000).toISOString()
          const value = v * 500
          chunk += `${st},1,${id},${at},Energy.Active.Import.Register,Outlet,Sample.Periodic,Raw,Wh,${value},${value},Wh,${at},MeterValues,m${id}-${v},0\n`
        }
        yield chunk
      }
    }
    await pipeline(Readable.from(lines()), copy)
    await client.query('analyze')
  } finally {
    await client.end()
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10
  log(`seeded in ${seconds} s`)
  return { firstSessionId: 1000, seconds }
}

/**
 * The API as a child process on `databaseUrl` (its own bus namespace, a free port, no rate limit to speak of);
 * with `replicas` above 1, that many API processes behind the one port (bench/e2e/src/replicas.ts), as replicas
 * behind a load balancer, each with its own pool, sharing the rate-limit counters.
 */
async function startApi(
  databaseUrl: string,
  env: Record<string, string> = {},
  replicas = 1,
): Promise<Started> {
  const main = join(REPO_ROOT, 'services/api/src/main.ts')
  const args = replicas > 1 ? [join(REPO_ROOT, 'bench/e2e/src/replicas.ts')] : [main]
  return startChild(replicas > 1 ? `api x${replicas}` : 'api', args, {
    ...(replicas > 1 ? { BENCH_REPLICA_MAIN: main, BENCH_REPLICAS: String(replicas) } : {}),
    DATABASE_URL: databaseUrl,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    BUS_NAMESPACE: `bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    API_RATE_LIMIT_MAX: '1000000',
    OTEL_SDK_DISABLED: 'true',
    ...env,
  })
}

/** A started server: its base URL and process id. */
interface Started {
  url: string
  pid: number
}

/** Starts a server process and resolves once `/healthz` answers (the port is its last argument or PORT). */
async function startChild(name: string, args: string[], env: Record<string, string>): Promise<Started> {
  const port = env.PORT ?? args.at(-1)
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.push(child)
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`))
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status < 500,
      () => false,
    )
    if (ok && child.pid !== undefined) return { url, pid: child.pid }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${name} did not start (exited: ${exited})`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function load(
  t: { url: string; path: () => string; headers: Record<string, string> },
  durationS: number,
) {
  const result = await autocannon({
    url: t.url,
    connections: CONNECTIONS,
    duration: durationS,
    timeout: 5,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: t.path(), headers: t.headers }) }],
  })
  return {
    requestsPerS: Math.round(result.requests.average),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  }
}

if (process.argv.includes('--dataset')) {
  const dataset = process.argv[process.argv.indexOf('--dataset') + 1]
  if (dataset !== 'year') throw new Error(`--dataset: only "year" is known (got ${dataset})`)
  const { runYear } = await import('./year.ts')
  await runYear({
    adminUrl: ADMIN_URL,
    pooledUrl: POOLED_URL,
    startApi,
    stop: async () => {
      for (const c of children) c.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 500))
    },
    write: (name, json) => {
      mkdirSync(join(REPO_ROOT, 'bench/results'), { recursive: true })
      writeFileSync(join(REPO_ROOT, 'bench/results', name), json)
    },
  })
} else {
  await main()
}
