/**
 * The stack under test, started the way `pnpm start` starts it: `node services/<svc>/src/main.ts` per service,
 * configured only through the environment (own BUS_NAMESPACE, a throwaway database through pgbouncer), plus the
 * database's lifecycle (create, migrate directly on Postgres, drop) and the services' /metrics counters.
 */
import { createServer } from 'node:net'
import { join } from 'node:path'
import {
  createDatabase,
  createDb,
  dropDatabase,
  type Kysely,
  migrateToLatest,
  withDatabaseName,
} from '@chargebus/db'
import { type Started, startProcess, waitForHttp } from '../../gateway/src/processes.ts'

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..')
export const CLI_MAIN = join(REPO_ROOT, 'tools/cli/src/main.ts')

export const ADMIN_URL =
  process.env.DATABASE_ADMIN_URL ?? 'postgres://chargebus:chargebus@127.0.0.1:5432/chargebus'
export const POOLED_URL =
  process.env.DATABASE_URL ?? 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus'
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'

/** A port that was free a moment ago (the kernel picks it; a tiny race remains until the service binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

async function withServerDb<T>(work: (db: Kysely<never>) => Promise<T>): Promise<T> {
  const db = createDb({
    url: withDatabaseName(ADMIN_URL, 'postgres'),
    poolSize: 1,
    applicationName: 'bench-e2e-admin',
  }) as unknown as Kysely<never>
  try {
    return await work(db)
  } finally {
    await db.destroy()
  }
}

/** Creates the database and migrates it directly on Postgres (DATABASE_ADMIN_URL), as tests and deps:up do. */
export async function createRunDatabase(name: string): Promise<void> {
  await withServerDb((db) => createDatabase(db, name))
  const db = createDb({
    url: withDatabaseName(ADMIN_URL, name),
    poolSize: 1,
    applicationName: 'bench-e2e-migrate',
  })
  try {
    await migrateToLatest(db)
  } finally {
    await db.destroy()
  }
}

/** `DROP DATABASE ... WITH (FORCE)`: also ends pgbouncer's server connections to it. */
export function dropRunDatabase(name: string): Promise<void> {
  return withServerDb((db) => dropDatabase(db, name))
}

export interface ServiceSpec {
  name: 'ocpp-gateway' | 'ingest' | 'ftp-ingest' | 'aggregator' | 'api' | 'archiver'
  port: number
  env: Record<string, string>
}

export interface Service {
  readonly name: ServiceSpec['name']
  readonly port: number
  readonly proc: Started
  readonly env: Record<string, string>
  readonly base: string
}

/** Starts one service as its own process (log `<logName>.log`) and waits for `/readyz` to answer 200. */
export async function startService(
  spec: ServiceSpec,
  logDir: string,
  logName: string = spec.name,
): Promise<Service> {
  const service = spawnService(spec, logDir, logName)
  await waitForHttp(`${service.base}/readyz`, service.proc, { status: 200, timeoutMs: 60_000 })
  return service
}

/** Starts one service as its own process without waiting (`logName` defaults to the service's name). */
export function spawnService(spec: ServiceSpec, logDir: string, logName: string = spec.name): Service {
  const proc = startProcess({
    name: spec.name,
    command: process.execPath,
    args: [join(REPO_ROOT, 'services', spec.name, 'src', 'main.ts')],
    cwd: REPO_ROOT,
    env: { ...spec.env, PORT: String(spec.port), HOST: '127.0.0.1' },
    logFile: join(logDir, `${logName}.log`),
  })
  return { name: spec.name, port: spec.port, proc, env: spec.env, base: `http://127.0.0.1:${spec.port}` }
}

/** Prometheus text -> `name{labels}` -> value (counters and gauges only; comments skipped). */
export async function scrape(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })
  if (!res.ok) throw new Error(`${base}/metrics: HTTP ${res.status}`)
  const out = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

/** Sum of the samples of `metric` whose labels contain every `label="value"` given. */
export function sumOf(
  samples: Map<string, number>,
  metric: string,
  labels: Record<string, string> = {},
): number {
  let total = 0
  for (const [key, value] of samples) {
    if (key !== metric && !key.startsWith(`${metric}{`)) continue
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value
  }
  return total
}

export interface GatewayCounters {
  answered: number
  duplicate: number
  fault: number
  transactionIdsAvailable: number
  refillFailing: number
}

export async function gatewayCounters(gateway: Service): Promise<GatewayCounters> {
  const m = await scrape(gateway.base)
  return {
    answered: sumOf(m, 'ocpp_gateway_requests_total', { outcome: 'answered' }),
    duplicate: sumOf(m, 'ocpp_gateway_requests_total', { outcome: 'duplicate' }),
    fault: sumOf(m, 'ocpp_gateway_requests_total', { outcome: 'fault' }),
    transactionIdsAvailable: sumOf(m, 'ocpp_gateway_transaction_ids_available'),
    refillFailing: sumOf(m, 'ocpp_gateway_transaction_id_refill_failing'),
  }
}

export interface IngestCounters {
  messages: number
  meterValueRows: number
  batchFailures: number
  deadLetters: number
  batches: number
}

export async function ingestCounters(ingest: Service): Promise<IngestCounters> {
  const m = await scrape(ingest.base)
  return {
    messages: sumOf(m, 'ingest_messages_total'),
    meterValueRows: sumOf(m, 'ingest_rows_written_total', { table: 'meter_values' }),
    batchFailures: sumOf(m, 'ingest_batch_failures_total'),
    deadLetters: sumOf(m, 'ingest_dead_letters_total'),
    batches: sumOf(m, 'ingest_batch_size_count'),
  }
}
