/**
 * Chaos benchmark (not part of the test run): the whole native stack (every service as a process, as `pnpm start`
 * runs them) on the bench's own Postgres cluster, pgbouncer and nats-server, driven by `chargebus simulate`
 * bursts; one fault per burst, injected mid-burst (kill -9 of each service, Postgres restarted or down, pgbouncer
 * stopped, NATS stopped, a slow database). After each fault: every message the gateway acknowledged is in Postgres
 * exactly once (natural keys), sessions kept their transaction ids, and every service is ready again within the
 * stated time. JSON report in bench/results/chaos-<time>.json, the README table on stdout, progress on stderr.
 *
 *   pnpm bench:chaos [--short] [--stations 500] [--faults kill-ingest,nats-stopped] [--help]
 *
 * Needs Linux, Postgres 15's binaries (/usr/lib/postgresql/15/bin), pgbouncer and nats-server. See bench/README.md.
 */
import { type ChildProcess, execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { StoredMessage } from '../../e2e/src/journal.ts'
import { round3 } from '../../e2e/src/monitor.ts'
import {
  CLI_MAIN,
  freePort,
  REPO_ROOT,
  type Service,
  type ServiceSpec,
  scrape,
  spawnService,
  startService,
  sumOf,
} from '../../e2e/src/stack.ts'
import { checkMeterValues, checkStatusEvents, compareAcknowledged } from '../../e2e/src/verify.ts'
import { killGroup, runToEnd, stopProcess } from '../../gateway/src/processes.ts'
import {
  allFaults,
  type Fault,
  type FaultTarget,
  faultKey,
  SERVICE_NAMES,
  type ServiceName,
} from './faults.ts'
import { type Infra, startInfra } from './infra.ts'
import { readStored } from './ledger.ts'
import { type Options, parseOptions, USAGE } from './options.ts'
import { ReadinessWatch } from './readiness.ts'
import { type FaultResult, renderTable } from './report.ts'
import { checkTransactions } from './verify-transactions.ts'

const ID_TAG = 'CHAOS-TAG'
const STREAM = 'OCPP_IN'
const log = (msg: string) =>
  process.stderr.write(`[bench:chaos] ${new Date().toISOString().slice(11, 19)} ${msg}\n`)

type SimSummary = Omit<FaultResult['simulator'], 'exitCode'>

interface Stack {
  readonly infra: Infra
  readonly logDir: string
  readonly specs: Map<ServiceName, ServiceSpec>
  readonly services: Map<ServiceName, Service>
  restarts: number
}

async function main(): Promise<number> {
  const catalog = allFaults({
    restartDelayS: 0,
    pgbouncerDownS: 0,
    natsDownS: 0,
    slowS: 0,
    slowMs: 0,
    postgresDownS: 0,
    natsNodeDownS: 0,
  })
  let options: Options
  try {
    const parsed = parseOptions(
      process.argv.slice(2),
      catalog.map(faultKey),
      catalog.filter((f) => f.needsCluster).map(faultKey),
    )
    if (parsed === 'help') {
      process.stdout.write(USAGE)
      return 0
    }
    options = parsed
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const faults = allFaults(options).filter((f) =>
    options.faults.length === 0 ? !f.needsCluster : options.faults.includes(faultKey(f)),
  )
  const startedAt = new Date()
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  // not mkdtemp (0700): the postgres user runs the cluster and pgbouncer in here
  const work = join(os.tmpdir(), `chargebus-chaos-${runId}`)
  const logDir = join(work, 'logs')
  mkdirSync(logDir, { recursive: true })

  let stack: Stack | undefined
  let infra: Infra | undefined
  let simulator: ChildProcess | undefined
  let nc: NatsConnection | undefined
  let db: Kysely<Database> | undefined
  let watch: ReadinessWatch | undefined
  let failed = false
  let cleaning: Promise<void> | undefined
  const cleanup = () => {
    cleaning ??= (async () => {
      if (simulator) killGroup(simulator, 'SIGKILL')
      await watch?.stop()
      for (const s of stack?.services.values() ?? []) await stopProcess(s.proc)
      await db?.destroy().catch(() => undefined)
      await nc?.close().catch(() => undefined)
      await infra?.close(log)
      if (failed) log(`logs kept in ${logDir} (servers' data in ${work})`)
      else rmSync(work, { recursive: true, force: true })
    })()
    return cleaning
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`)
      failed = true
      void cleanup().finally(() => process.exit(130))
    })
  }

  try {
    log(`work directory ${work}; faults: ${faults.map(faultKey).join(', ')}`)
    infra = await startInfra(join(work, 'servers'), log, { natsCluster: options.cluster })
    stack = await startStack(infra, logDir, replicasOf(options))
    const running = stack
    await seedIdTag(infra.natsUrl, replicasOf(options), running.services.get('ocpp-gateway') as Service)
    nc = await connect({
      servers: infra.natsUrl.split(','),
      name: 'bench-chaos',
      maxReconnectAttempts: -1,
    })
    db = createDb({ url: infra.adminUrl, poolSize: 2, applicationName: 'bench-chaos-verify' })
    watch = new ReadinessWatch(() =>
      SERVICE_NAMES.map((name) => ({ name, base: (running.services.get(name) as Service).base })),
    )
    watch.start(250)

    const ctx: RunCtx = {
      options,
      stack: running,
      nc,
      db,
      watch,
      stored: [],
      phases: [],
      onSimulator: (c) => {
        simulator = c
      },
    }
    const results: FaultResult[] = []
    for (const [i, fault] of faults.entries()) {
      results.push(await runFault(ctx, fault, i))
    }
    const ok = results.every((r) => r.ok)
    const report = {
      benchmark: 'bench/chaos',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationS: round3((Date.now() - startedAt.getTime()) / 1000),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAvgAtStart: loadAvgAtStart,
        loadAvgAtEnd: os.loadavg().map(round3),
      },
      options: { ...options, out: undefined },
      notes: {
        servers: `a private Postgres 15 cluster (initdb), pgbouncer (scripts/deps-up.sh, transaction pooling) behind a delay proxy, and ${options.cluster ? 'three clustered nats-servers (streams and KV buckets at R3; every service connected to all three)' : 'nats-server -js'}, all on free ports and removed at the end`,
        natsServer: natsVersion(),
        acknowledgedNotStored:
          'per operation: calls the simulator saw answered minus messages stored in OCPP_IN during the phase (must be 0)',
        rows: 'meter_values on (station_id, source_message_id, sample_index), status_events on (station_id, connector_id, source_message_id), transactions on the answered transaction id',
        readyAgainS:
          'from the recovery (restart, server back, delay off) to the first 200 of /readyz, per service',
        gatewayDuringFault:
          'ocpp_gateway_requests_total by action and outcome between the injection and the recovery (null when the gateway itself was killed)',
        commands:
          'not covered: the bench drives no API commands (capability discovery runs as usual, unchecked)',
      },
      ok,
      faults: results,
    }
    const dir = options.out ?? join(REPO_ROOT, 'bench', 'results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `chaos-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    log(`report: ${file}`)
    process.stdout.write(renderTable(results, options))
    log(ok ? 'every check passed' : 'some checks failed: see the table and the report')
    failed = !ok
    return ok ? 0 : 1
  } catch (err) {
    failed = true
    log(`failed: ${(err as Error).stack ?? err}`)
    return 1
  } finally {
    await cleanup()
  }
}

const loadAvgAtStart = os.loadavg().map(round3)

/** R3 on the bench's cluster, as production runs it. */
const replicasOf = (options: Options) => (options.cluster ? 3 : 1)

function natsVersion(): string {
  try {
    return execFileSync('nats-server', ['--version']).toString().trim()
  } catch {
    return 'unknown'
  }
}

async function startStack(infra: Infra, logDir: string, replicas: number): Promise<Stack> {
  const common = {
    NATS_STREAM_REPLICAS: String(replicas),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    DATABASE_URL: infra.pooledUrl,
    DATABASE_ADMIN_URL: infra.adminUrl,
    NATS_URL: infra.natsUrl,
    STORAGE_URL: join(infra.dir, 'storage'),
    BUS_STREAM_OCPP_IN_MAX_BYTES: '1GiB',
    BUS_STREAM_DOMAIN_MAX_BYTES: '1GiB',
    BUS_STREAM_COMMANDS_MAX_BYTES: '256MiB',
    BUS_STREAM_DEAD_LETTERS_MAX_BYTES: '256MiB',
  }
  const own: Partial<Record<ServiceName, Record<string, string>>> = {
    // the simulated fleet has no passwords (bench:auth-flood measures what authentication costs)
    'ocpp-gateway': {
      OCPP_REQUIRE_BASIC_AUTH: 'false',
      OCPP_ALLOW_UNAUTHENTICATED_STATIONS: 'true',
      // stations heartbeat during the burst (and through a fault), not only after 5 minutes
      OCPP_HEARTBEAT_INTERVAL_S: '5',
    },
    'ftp-ingest': {
      FTP_PORT: String(await freePort()),
      FTP_REQUIRE_TLS: 'false',
      FTP_PASSIVE_MIN_PORT: '45100',
      FTP_PASSIVE_MAX_PORT: '45119',
    },
  }
  const specs = new Map<ServiceName, ServiceSpec>()
  const services = new Map<ServiceName, Service>()
  for (const name of SERVICE_NAMES) {
    const spec: ServiceSpec = { name, port: await freePort(), env: { ...common, ...own[name] } }
    specs.set(name, spec)
    services.set(name, await startService(spec, logDir))
    log(`${name} on ${spec.port} (pid ${services.get(name)?.proc.pid})`)
  }
  return { infra, logDir, specs, services, restarts: 0 }
}

const exec = promisify(execFile)

async function seedIdTag(natsUrl: string, replicas: number, gateway: Service): Promise<void> {
  await exec(process.execPath, [CLI_MAIN, 'id-tags', 'add', ID_TAG], {
    // the same replicas as the services, else the CLI scales the id-tag bucket back
    env: { ...process.env, NATS_URL: natsUrl, NATS_STREAM_REPLICAS: String(replicas) },
  })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (sumOf(await scrape(gateway.base), 'ocpp_gateway_cached_entries', { bucket: 'id_tags' }) >= 1) return
    await sleep(50)
  }
  throw new Error(`the gateway did not pick up id tag ${ID_TAG} from KV within 10 s`)
}

interface RunCtx {
  options: Options
  stack: Stack
  nc: NatsConnection
  db: Kysely<Database>
  watch: ReadinessWatch
  /** Every message stored so far (the row checks look at whole tables). */
  stored: StoredMessage[]
  phases: { name: string; from: number; to: number }[]
  onSimulator(c: ChildProcess | undefined): void
}

function faultTarget(stack: Stack): FaultTarget {
  return {
    infra: stack.infra,
    async kill(name) {
      const s = stack.services.get(name) as Service
      s.proc.child.kill('SIGKILL')
      await s.proc.exited
    },
    restart(name) {
      stack.restarts++
      const spec = stack.specs.get(name) as ServiceSpec
      stack.services.set(name, spawnService(spec, stack.logDir, `${name}-${stack.restarts}`))
    },
  }
}

/** ocpp_gateway_requests_total as `Action outcome` -> count (undefined when the gateway does not answer). */
async function gatewayRequests(stack: Stack): Promise<Record<string, number> | undefined> {
  try {
    const samples = await scrape((stack.services.get('ocpp-gateway') as Service).base)
    const out: Record<string, number> = {}
    for (const [key, value] of samples) {
      if (!key.startsWith('ocpp_gateway_requests_total{')) continue
      const action = /action="([^"]*)"/.exec(key)?.[1] ?? '?'
      const outcome = /outcome="([^"]*)"/.exec(key)?.[1] ?? '?'
      out[`${action} ${outcome}`] = (out[`${action} ${outcome}`] ?? 0) + value
    }
    return out
  } catch {
    return undefined
  }
}

const total = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0)

async function streamMessages(ctx: RunCtx, stream: string): Promise<number> {
  const jsm = await jetstreamManager(ctx.nc)
  try {
    return (await jsm.streams.info(stream)).state.last_seq
  } catch {
    return 0
  }
}

async function runFault(ctx: RunCtx, fault: Fault, index: number): Promise<FaultResult> {
  const { options, stack } = ctx
  const target = faultTarget(stack)
  const prefix = `C${String(index + 1).padStart(2, '0')}`
  const perStation = 2 + options.sessions * (7 + options.meterValues)
  const expectedCalls = options.stations * perStation
  log(`${fault.name}: burst of ${options.stations} stations (${prefix}-…, ~${expectedCalls} calls)`)
  const seqFrom = await streamMessages(ctx, STREAM)
  const deadLettersBefore = await streamMessages(ctx, 'DEAD_LETTERS')
  const gwStart = total(await gatewayRequests(stack))
  const args = [
    CLI_MAIN,
    'simulate',
    '--url',
    `${(stack.services.get('ocpp-gateway') as Service).base}/ocpp/1.6`,
    '--id-prefix',
    prefix,
    '--id-tag',
    ID_TAG,
    '--concurrency',
    String(options.concurrency),
    '--stations',
    String(options.stations),
    '--profile',
    'burst',
    '--sessions',
    String(options.sessions),
    '--meter-values',
    String(options.meterValues),
  ]
  const burstStarted = Date.now()
  let simEnded = false
  const sim = runToEnd(process.execPath, args, undefined, (c) => ctx.onSimulator(c)).finally(() => {
    simEnded = true
  })

  // mid-burst: once the gateway has answered the given share of the burst's calls
  while (!simEnded) {
    const answered = total(await gatewayRequests(stack)) - gwStart
    if (answered >= (fault.atShare ?? options.faultAtShare) * expectedCalls) break
    await sleep(100)
  }
  const gwBefore = await gatewayRequests(stack)
  const injectAt = Date.now()
  log(`${fault.name}: inject (${((injectAt - burstStarted) / 1000).toFixed(1)} s into the burst)`)
  await fault.inject(target)
  const injectedMs = Date.now() - injectAt
  await sleep(Math.max(0, fault.holdS * 1000 - injectedMs))
  const gwDuring = fault.restarts === 'ocpp-gateway' ? undefined : await gatewayRequests(stack)
  const recoverAt = Date.now()
  await fault.recover(target)
  const recoveredMs = Date.now() - recoverAt
  log(`${fault.name}: recovered (${recoveredMs} ms); waiting for every /readyz`)
  const readyMs = await ctx.watch.readyAfter(recoverAt, (options.readyWithinS + 60) * 1000)
  const readyAt = Date.now()
  // the gateway's /metrics may not answer during the fault (NATS away): then the window ends when all are ready
  const gwAfter = gwDuring ?? (fault.restarts === 'ocpp-gateway' ? undefined : await gatewayRequests(stack))
  const notReadyDuring = ctx.watch.notReadyBetween(injectAt, readyAt)
  const simResult = await sim
  ctx.onSimulator(undefined)
  let summary: SimSummary
  try {
    summary = JSON.parse(simResult.stdout) as SimSummary
  } catch {
    throw new Error(`chargebus simulate (exit ${simResult.code}) printed no summary:\n${simResult.stderr}`)
  }
  log(
    `${fault.name}: ${summary.calls.total} calls, ${summary.failed.total} failed` +
      `${summary.failed.total ? ` ${JSON.stringify(summary.failed.byReason)}` : ''}; draining`,
  )
  const drain = await drainIngest(ctx)
  const seqTo = await streamMessages(ctx, STREAM)
  const stored = await readStored(ctx.nc, STREAM, { from: seqFrom, to: seqTo })
  ctx.stored.push(...stored)
  ctx.phases.push({ name: fault.name, from: seqFrom, to: seqTo })
  const phaseOf = (m: StoredMessage) =>
    ctx.phases.find((p) => m.seq > p.from && m.seq <= p.to)?.name ?? 'outside faults'

  // rows can trail the consumer's ack by a retry (a batch nak'd while the database was away): check until whole
  const verifyDeadline = Date.now() + 30_000
  let rows: Awaited<ReturnType<typeof verifyRows>>
  for (;;) {
    rows = await verifyRows(ctx, stored, phaseOf, fault.name)
    const lost = rows.meterValues.lost + rows.statusEvents.lost + rows.transactions.startsLost
    if (lost === 0 || Date.now() > verifyDeadline) break
    await sleep(2000)
  }
  const deadLetters = (await streamMessages(ctx, 'DEAD_LETTERS')) - deadLettersBefore

  const { storedByAction, acknowledgedByAction, acknowledgedNotStored } = compareAcknowledged(
    stored,
    summary.calls,
    summary.failed,
  )
  const readyValues = Object.values(readyMs)
  const readyAgainS = readyValues.every((v) => v !== undefined)
    ? round3(Math.max(...(readyValues as number[])) / 1000)
    : null
  const checks: Record<string, boolean> = {
    'every acknowledged message stored': acknowledgedNotStored === 0,
    'meter_values: 0 lost': rows.meterValues.lost === 0,
    'meter_values: 0 duplicates': rows.meterValues.duplicates === 0,
    'status_events: 0 lost': rows.statusEvents.lost === 0,
    'status_events: 0 duplicates': rows.statusEvents.duplicates === 0,
    'transactions: every start and stop stored':
      rows.transactions.startsLost + rows.transactions.stopsLost === 0,
    'transactions: no id answered twice': rows.transactions.idsAnsweredTwice === 0,
    'whole tables: count(*) = count(distinct natural key)': rows.tableDuplicates === 0,
    'whole tables: no unexpected rows': rows.unexpected === 0,
    '0 dead letters': deadLetters === 0,
    'ingest drained': drain.drained,
    [`every service ready within ${options.readyWithinS} s of the recovery`]:
      readyAgainS !== null && readyAgainS <= options.readyWithinS,
    ...fault.checks?.(),
  }
  const ok = Object.values(checks).every(Boolean)
  log(
    `${fault.name}: ${
      ok
        ? 'ok'
        : `FAILED ${Object.entries(checks)
            .filter(([, v]) => !v)
            .map(([k]) => k)
            .join('; ')}`
    }`,
  )
  return {
    fault: faultKey(fault),
    name: fault.name,
    what: fault.what,
    stationPrefix: prefix,
    command: `pnpm chargebus ${args.slice(1).join(' ')}`,
    injectedAfterS: round3((injectAt - burstStarted) / 1000),
    injectTookMs: injectedMs,
    holdS: fault.holdS,
    recoverTookMs: recoveredMs,
    ...(fault.details ? { details: fault.details() } : {}),
    simulator: {
      exitCode: simResult.code,
      durationS: summary.durationS,
      stationsUp: summary.stationsUp,
      calls: summary.calls,
      failed: summary.failed,
      latencyMs: summary.latencyMs,
      sessions: summary.sessions,
    },
    gatewayDuringFault: gwBefore && gwAfter ? delta(gwBefore, gwAfter) : null,
    gatewayWindowEnds: gwDuring ? 'recovery' : gwAfter ? 'every service ready' : null,
    stored: { messages: stored.length, byAction: storedByAction, streamSeq: { from: seqFrom, to: seqTo } },
    acknowledgedByAction,
    acknowledgedNotStored,
    rows: {
      meterValues: rows.meterValues,
      statusEvents: rows.statusEvents,
      transactions: rows.transactions,
      tableDuplicates: rows.tableDuplicates,
      unexpected: rows.unexpected,
    },
    deadLetters,
    drain,
    readiness: {
      notReadyDuring,
      readyAgainMs: readyMs,
      readyAgainS,
      boundS: options.readyWithinS,
    },
    checks,
    ok,
  }
}

function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(b)) {
    const d = v - (a[k] ?? 0)
    if (d !== 0) out[k] = d
  }
  return out
}

async function verifyRows(
  ctx: RunCtx,
  stored: readonly StoredMessage[],
  phaseOf: (m: StoredMessage) => string,
  phase: string,
) {
  const mv = await checkMeterValues(ctx.db, ctx.stored, phaseOf)
  const se = await checkStatusEvents(ctx.db, ctx.stored, phaseOf)
  const pick = (t: typeof mv) => {
    const p = t.byPhase[phase]
    return {
      expected: p?.expected ?? 0,
      stored: p?.stored ?? 0,
      lost: p?.lost ?? 0,
      duplicates: p?.duplicates ?? 0,
      missingExamples: p?.missingExamples ?? [],
    }
  }
  return {
    meterValues: pick(mv),
    statusEvents: pick(se),
    transactions: await checkTransactions(ctx.db, stored),
    tableDuplicates: mv.total.duplicates + se.total.duplicates,
    unexpected: mv.total.unexpected + se.total.unexpected,
  }
}

/** Waits until ingest's durable consumer on OCPP_IN has nothing pending and nothing unacknowledged. */
async function drainIngest(ctx: RunCtx) {
  const started = Date.now()
  const deadline = started + ctx.options.drainTimeoutS * 1000
  let state = { numPending: -1, ackPending: -1 }
  while (Date.now() < deadline) {
    try {
      const jsm = await jetstreamManager(ctx.nc)
      const consumer = await jsm.consumers.info(STREAM, 'ingest')
      state = { numPending: consumer.num_pending, ackPending: consumer.num_ack_pending }
      if (state.numPending === 0 && state.ackPending === 0)
        return { drained: true, seconds: round3((Date.now() - started) / 1000), ...state }
    } catch {
      // NATS still coming back
    }
    await sleep(100)
  }
  return { drained: false, seconds: round3((Date.now() - started) / 1000), ...state }
}

process.exitCode = await main()
