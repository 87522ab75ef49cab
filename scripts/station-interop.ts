/**
 * `pnpm interop`: proves the stack against a station nobody here wrote. Starts every service the way a
 * user does (`pnpm start`) in its own bus namespace and its own throwaway database (migrated, dropped at the
 * end; the server is DATABASE_URL's / DATABASE_ADMIN_URL's, default the local ones), seeds an id tag with the CLI, runs the scenarios of
 * the independent station in ../shared/tools/ocpp-station (zeep, built from the official OCA WSDLs,
 * checking every reply against the official schema and WS-Addressing), runs a 1.5 and a 1.6 session from a second
 * independent station built with the `soap` npm package from the official WSDLs (`soap-station.ts`; its sessions
 * and meter values are checked in the run's database), reads the charging sessions back
 * through the REST API (gateway -> JetStream -> ingest -> Postgres -> api), and drives a session by remote
 * start and stop commands posted to the API (api -> outbox -> dispatcher -> station -> gateway), and checks that
 * the aggregator's rollups (`/v1/aggregates/energy`) hold the sessions with the energy the stations reported.
 * Prints one line per check and `interop: N passed, N failed`; exits 1 on any failure. Needs Debian's
 * python3-zeep and python3-lxml, and the default ports (api 3000, gateway 3100, ingest 3200, aggregator 3300)
 * free.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { connectBus } from '@chargebus/bus'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { pino } from 'pino'
import { freePort, STATION_PYTHON, STATION_TOOLS_DIR } from '../test/support/cp-server.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../test/support/database.ts'
import {
  missingWsdl,
  runSoapSession,
  type SoapSessionReport,
  type SoapStationVersion,
} from './soap-station.ts'

const root = join(import.meta.dirname, '..')
const run36 = Date.now().toString(36)
const namespace = `interop${run36}`
const tag = 'INTEROP-TAG-1'
const gateway = 'http://127.0.0.1:3100'
const api = 'http://127.0.0.1:3000'
const readiness = [
  `${api}/readyz`,
  `${gateway}/readyz`,
  'http://127.0.0.1:3200/readyz',
  'http://127.0.0.1:3300/readyz',
]
const apiKey = process.env.CHARGEBUS_DEV_API_KEY ?? 'dev-admin-key'
/** Identities unique to this run, so rows from earlier runs in the same database never count. */
const id = (name: string) => `IOP-${name}-${run36}`

interface Check {
  name: string
  run(): Promise<{ ok: boolean; summary: string; detail?: string }>
}

function station(name: string, args: string[]): Check {
  return {
    name,
    async run() {
      const url = args.includes('--ocpp') ? `${gateway}/ocpp/1.5` : `${gateway}/ocpp/1.6`
      const r = await exec(STATION_PYTHON, ['station.py', '--url', url, ...args], { cwd: STATION_TOOLS_DIR })
      return {
        ok: r.code === 0,
        summary: r.stdout.trim().split('\n').at(-1) ?? '',
        detail: r.stderr.trim().split('\n').slice(-15).join('\n'),
      }
    },
  }
}

/** A session as the API serves it: its id is the OCPP transaction id. */
type Session = {
  id: number
  state: string
  startedAt: string | null
  stoppedAt: string | null
  energyWh: number | null
}

async function sessionsOf(stationId: string): Promise<Session[]> {
  const r = await callApi('GET', `/v1/sessions?stationId=${encodeURIComponent(stationId)}`)
  return r.status === 200 ? (r.json().data as Session[]) : []
}

/** The session the station ran is a completed row (through ingest) that the API serves. */
function sessionStored(name: string, stationId: string): Check {
  return {
    name,
    async run() {
      try {
        const session = await until(`a completed session for ${stationId}`, 15_000, async () => {
          const sessions = await sessionsOf(stationId)
          return sessions.length === 1 && sessions[0]?.state === 'completed' ? sessions[0] : undefined
        })
        return { ok: true, summary: JSON.stringify(session) }
      } catch (err) {
        return {
          ok: false,
          summary: (err as Error).message,
          detail: JSON.stringify(await sessionsOf(stationId)),
        }
      }
    },
  }
}

/** What the rollups should say for a station's sessions, and the hours they span. */
type EnergyTotals = { energyWh: number; sessionsStarted: number; sessionsCompleted: number }

/**
 * The energy the station reported (meterStop - meterStart of its completed sessions; the domain books 0 Wh
 * for a register that went backwards) and its session counts, from the API's sessions.
 */
function reportedTotals(sessions: readonly Session[]): EnergyTotals {
  const started = sessions.filter((x) => x.startedAt !== null)
  const completed = started.filter((x) => x.state === 'completed')
  return {
    energyWh: completed.reduce((sum, x) => sum + Math.max(x.energyWh ?? 0, 0), 0),
    sessionsStarted: started.length,
    sessionsCompleted: completed.length,
  }
}

/** The station's row sums of `GET /v1/aggregates/energy?interval=hour&groupBy=station` over its sessions' hours. */
async function aggregatedTotals(stationId: string, sessions: readonly Session[]): Promise<EnergyTotals> {
  const hour = 3_600_000
  const times = sessions.flatMap((x) => [x.startedAt, x.stoppedAt]).filter((t) => t !== null)
  const instants = times.map((t) => Date.parse(t))
  const from = new Date(Math.floor(Math.min(...instants) / hour) * hour).toISOString()
  const to = new Date(Math.floor(Math.max(...instants) / hour) * hour + hour).toISOString()
  const query = new URLSearchParams({ interval: 'hour', groupBy: 'station', stationId, from, to })
  const r = await callApi('GET', `/v1/aggregates/energy?${query}`)
  if (r.status !== 200) throw new Error(`/v1/aggregates/energy: ${r.status} ${r.text}`)
  const totals: EnergyTotals = { energyWh: 0, sessionsStarted: 0, sessionsCompleted: 0 }
  for (const row of r.json().data as EnergyTotals[]) {
    totals.energyWh += row.energyWh
    totals.sessionsStarted += row.sessionsStarted
    totals.sessionsCompleted += row.sessionsCompleted
  }
  return totals
}

/**
 * The stations' sessions are in the aggregator's rollups (DOMAIN -> aggregator -> aggregates -> API): per
 * station, the energy it reported and its session counts, once the aggregator has caught up.
 */
function sessionsAggregated(name: string, stationIds: readonly string[]): Check {
  return {
    name,
    async run() {
      const seen: Record<string, { reported: EnergyTotals; aggregated?: EnergyTotals }> = {}
      try {
        for (const stationId of stationIds) {
          const sessions = await sessionsOf(stationId)
          const reported = reportedTotals(sessions)
          if (reported.sessionsCompleted === 0) throw new Error(`${stationId} has no completed session`)
          seen[stationId] = { reported }
          await until(`the aggregates of ${stationId}`, 15_000, async () => {
            const aggregated = await aggregatedTotals(stationId, sessions)
            seen[stationId] = { reported, aggregated }
            return JSON.stringify(aggregated) === JSON.stringify(reported) ? true : undefined
          })
        }
        const energy = Object.values(seen).reduce((sum, x) => sum + x.reported.energyWh, 0)
        return { ok: true, summary: `${stationIds.length} stations, ${energy} Wh as reported` }
      } catch (err) {
        return { ok: false, summary: (err as Error).message, detail: JSON.stringify(seen) }
      }
    },
  }
}

/** The run's throwaway database, read directly by the checks of the `soap` station's sessions. */
const scratchDb: { db?: Kysely<Database> } = {}
/** What the `soap` station reported, by station id, for the database checks. */
const soapReports = new Map<string, SoapSessionReport>()
const SOAP_READINGS = [1_250, 2_500, 3_750]

/** A session of the second independent station (the `soap` npm package, from the official WSDL). */
function soapStation(name: string, version: SoapStationVersion, stationId: string): Check {
  return {
    name,
    async run() {
      try {
        const report = await runSoapSession({
          version,
          url: `${gateway}/ocpp/${version}`,
          stationId,
          idTag: tag,
          meterStart: 1_000,
          readings: SOAP_READINGS,
        })
        soapReports.set(stationId, report)
        return { ok: true, summary: JSON.stringify(report) }
      } catch (err) {
        return { ok: false, summary: (err as Error).message }
      }
    },
  }
}

/**
 * The `soap` station's session is in Postgres as it reported it: one completed transaction with its id, meter
 * start and stop, and every register reading it sent (MeterValues and the stop's transactionData) in
 * `meter_values`, each once.
 */
function soapSessionInDatabase(name: string, stationId: string): Check {
  return {
    name,
    async run() {
      const report = soapReports.get(stationId)
      const db = scratchDb.db
      if (!report || !db) return { ok: false, summary: `no session was run for ${stationId}` }
      const expected = [...SOAP_READINGS, report.meterStop].map(String)
      const seen: Record<string, unknown> = {}
      try {
        await until(`${stationId}'s session and meter values in Postgres`, 15_000, async () => {
          const tx = await db
            .selectFrom('transactions')
            .select(['id', 'state', 'meter_start', 'meter_stop'])
            .where('station_id', '=', stationId)
            .execute()
          const values = await db
            .selectFrom('meter_values')
            .select(['value_raw', 'unit', 'measurand'])
            .where('station_id', '=', stationId)
            .where('transaction_id', '=', report.transactionId)
            .orderBy('sampled_at')
            .orderBy('value_raw')
            .execute()
          Object.assign(seen, { tx, values })
          const done =
            tx.length === 1 &&
            tx[0]?.id === report.transactionId &&
            tx[0]?.state === 'completed' &&
            tx[0]?.meter_start === report.meterStart &&
            tx[0]?.meter_stop === report.meterStop &&
            JSON.stringify(values.map((v) => v.value_raw).sort()) === JSON.stringify([...expected].sort()) &&
            values.every((v) => v.unit === 'Wh' && v.measurand === 'Energy.Active.Import.Register')
          return done ? true : undefined
        })
        return {
          ok: true,
          summary: `transaction ${report.transactionId}, ${expected.length} meter values, once each`,
        }
      } catch (err) {
        return { ok: false, summary: (err as Error).message, detail: JSON.stringify(seen) }
      }
    },
  }
}

async function callApi(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Commands across the whole stack: the station serves its own ChargePointService (`scenario serve`); a
 * RemoteStartTransaction posted to the API reaches it through the outbox and the gateway's dispatcher, the
 * transaction it starts shows up as an active session in the API, and a RemoteStopTransaction ends it.
 */
function remoteSession(name: string, stationId: string, serveSeconds: number): Check {
  return {
    name,
    async run() {
      const port = await freePort()
      const args = ['station.py', '--url', `${gateway}/ocpp/1.6`, '--id', stationId, '--id-tag', tag]
      args.push('--listen', `127.0.0.1:${port}`, '--heartbeat', '2', '--mv-interval', '1')
      const served = exec(STATION_PYTHON, [...args, 'scenario', 'serve', String(serveSeconds)], {
        cwd: STATION_TOOLS_DIR,
      })
      const command = async (operation: string, payload: Record<string, unknown>) => {
        const r = await callApi('POST', `/v1/stations/${encodeURIComponent(stationId)}/commands?wait=10s`, {
          operation,
          payload,
        })
        const status = r.status === 200 ? r.json().status : undefined
        if (status !== 'accepted') throw new Error(`${operation}: HTTP ${r.status} ${r.text.slice(0, 300)}`)
      }
      try {
        await until('the station is known', 15_000, async () =>
          (await callApi('GET', `/v1/stations/${encodeURIComponent(stationId)}`)).status === 200
            ? true
            : undefined,
        )
        await command('RemoteStartTransaction', { idTag: tag, connectorId: 1 })
        const active = await until('an active session', 15_000, async () =>
          (await sessionsOf(stationId)).find((x) => x.state === 'active'),
        )
        await command('RemoteStopTransaction', { transactionId: active.id })
        await until('the session completed', 15_000, async () =>
          (await sessionsOf(stationId)).find((x) => x.id === active.id && x.state === 'completed'),
        )
      } catch (err) {
        const r = await served
        return {
          ok: false,
          summary: (err as Error).message,
          detail: r.stderr.trim().split('\n').slice(-15).join('\n'),
        }
      }
      const r = await served
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
        received?: Array<{ op: string }>
      }
      const ops = (report.received ?? []).map((c) => c.op)
      const ok =
        r.code === 0 && ops.includes('RemoteStartTransaction') && ops.includes('RemoteStopTransaction')
      return { ok, summary: `station received ${ops.join(', ')}; exit ${r.code}`, detail: r.stderr.trim() }
    },
  }
}

const checks: Check[] = [
  station('1.6 boot', ['--id', id('BOOT'), 'scenario', 'boot']),
  station('1.6 heartbeat', ['--id', id('HB'), 'scenario', 'heartbeat']),
  station('1.6 session', ['--id', id('SES'), '--id-tag', tag, 'scenario', 'session']),
  station('1.6 auth-unknown', ['--id', id('AUTH'), 'scenario', 'auth-unknown']),
  station('1.6 burst 200', ['--id', id('BURST'), '--id-tag', tag, 'scenario', 'burst', '200']),
  station('1.5 session', ['--ocpp', '1.5', '--id', id('S15'), '--id-tag', tag, 'scenario', 'session']),
  station('1.6 session, plainer client (no keep-alive, no mustUnderstand, SOAPAction, offsets)', [
    ...[
      '--id',
      id('PLAIN'),
      '--id-tag',
      tag,
      '--no-keepalive',
      '--no-must-understand',
      '--soapaction-header',
    ],
    ...['--date-style', 'offset', 'scenario', 'session'],
  ]),
  remoteSession(
    '1.6 remote start and stop through the API (the station serves ChargePointService)',
    id('RMT'),
    20,
  ),
  soapStation('1.6 session from the soap npm client (official WSDL)', '1.6', id('SOAP16')),
  soapStation('1.5 session from the soap npm client (official WSDL)', '1.5', id('SOAP15')),
  sessionStored('1.6 session stored, served by the API', id('SES')),
  sessionStored('1.5 session stored, served by the API', id('S15')),
  soapSessionInDatabase('soap npm client 1.6 session and meter values in Postgres', id('SOAP16')),
  soapSessionInDatabase('soap npm client 1.5 session and meter values in Postgres', id('SOAP15')),
  sessionStored('soap npm client 1.6 session served by the API', id('SOAP16')),
  sessionsAggregated('1.5 and 1.6 sessions in /v1/aggregates/energy with the energy the stations reported', [
    id('SES'),
    id('S15'),
    id('PLAIN'),
    id('RMT'),
    id('SOAP16'),
    id('SOAP15'),
  ]),
]

function exec(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

async function waitReady(stack: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  for (const url of readiness) {
    for (;;) {
      if (stack.exitCode !== null)
        throw new Error(`pnpm start exited with ${stack.exitCode} before it was ready`)
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) break
      if (Date.now() > until) throw new Error(`not ready: ${url} after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

async function main(): Promise<number> {
  if (!existsSync(join(STATION_TOOLS_DIR, 'station.py'))) {
    console.error(`interop: no station at ${STATION_TOOLS_DIR} (set OCPP_STATION_DIR)`)
    return 1
  }
  if ((await exec(STATION_PYTHON, ['-c', 'import zeep, lxml'])).code !== 0) {
    console.error(`interop: ${STATION_PYTHON} lacks zeep/lxml: apt-get install -y python3-zeep python3-lxml`)
    return 1
  }
  const wsdl = missingWsdl()
  if (wsdl !== undefined) {
    console.error(`interop: no official OCA WSDL at ${wsdl} (../shared/spec/ocpp; set OCPP_SPEC_DIR)`)
    return 1
  }
  // A database of its own: the developer's `chargebus` database (and every station ever created there)
  // would otherwise make the run depend on its history, and the run would leave rows behind.
  const scratch: ThrowawayDatabase = await createThrowawayDatabase()
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BUS_NAMESPACE: namespace,
    LOG_LEVEL: 'warn',
    DATABASE_URL: scratch.url,
    DATABASE_ADMIN_URL: scratch.adminUrl,
  }
  delete env.PORT
  scratchDb.db = createDb({ url: scratch.url, poolSize: 1, applicationName: 'interop-checks' })
  const stack = spawn(process.execPath, [join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  try {
    await waitReady(stack, 45_000)
    const seeded = await exec(
      process.execPath,
      [join(root, 'tools', 'cli', 'src', 'main.ts'), 'id-tags', 'add', tag, '--namespace', namespace],
      { env },
    )
    if (seeded.code !== 0) throw new Error(`seeding the id tag failed: ${seeded.stderr.trim()}`)

    let failed = 0
    for (const check of checks) {
      const started = Date.now()
      const r = await check.run()
      if (!r.ok) failed++
      console.log(`${r.ok ? 'PASS' : 'FAIL'} ${check.name} (${Date.now() - started} ms) ${r.summary}`)
      if (!r.ok && r.detail) console.log(r.detail)
    }
    console.log(`interop: ${checks.length - failed} passed, ${failed} failed`)
    return failed === 0 ? 0 : 1
  } finally {
    stack.kill('SIGTERM')
    if (stack.exitCode === null) await new Promise((r) => stack.once('exit', r))
    const bus = await connectBus({
      servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'interop-cleanup',
      namespace,
      logger: pino({ level: 'silent' }),
    })
    await bus.deleteNamespace()
    await bus.close()
    await scratchDb.db?.destroy()
    await scratch.drop()
  }
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`interop: ${err instanceof Error ? err.message : String(err)}`)
  return 1
})
