/**
 * End-to-end benchmark (not part of the test run): the native stack (ocpp-gateway and ingest as real processes,
 * a throwaway database through pgbouncer, an own bus namespace on the local NATS) driven by the fleet simulator
 * (`chargebus simulate`, a child process): a burst of N stations, then a steady phase. Measures what the gateway
 * accepted, SOAP latency, station-to-Postgres lag, rows expected vs stored, peak server connections, CPU and
 * resident memory per service, plus three baselines in the same run (bare Fastify, raw JetStream publish, raw batched INSERT).
 * Prints one JSON report on stdout (progress on stderr) and writes it to bench/results/e2e-<ts>.json.
 *
 *   pnpm bench:e2e [--stations 2000] [--steady-seconds 60] [--help]
 *
 * Needs Postgres, pgbouncer and NATS (`pnpm deps:up`), wrk and GNU time. See bench/README.md.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDb, type Database, type Kysely, withDatabaseName } from '@chargebus/db'
import { createLogger } from '@chargebus/platform'
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { type JetStreamView, openJetStream } from '../../gateway/src/jetstream.ts'
import { killGroup, runToEnd, stopProcess } from '../../gateway/src/processes.ts'
import {
  type FastifyBaseline,
  fastifyBaseline,
  type InsertBaseline,
  insertBaseline,
  type JetStreamBaseline,
  jetStreamBaseline,
  meterRowsOf,
} from './baselines.ts'
import { type Journal, openJournal, type StoredMessage, VisibilityTracker } from './journal.ts'
import { MemoryMonitor } from './memory.ts'
import { ConnectionMonitor, cpuBetween, cpuSnapshot, OWN_APPLICATION_PREFIX, round3 } from './monitor.ts'
import { type Options, parseOptions, USAGE } from './options.ts'
import {
  ADMIN_URL,
  CLI_MAIN,
  createRunDatabase,
  dropRunDatabase,
  freePort,
  type GatewayCounters,
  gatewayCounters,
  type IngestCounters,
  ingestCounters,
  NATS_URL,
  POOLED_URL,
  REPO_ROOT,
  type Service,
  scrape,
  startService,
  sumOf,
} from './stack.ts'
import { checkMeterValues, checkStatusEvents, compareAcknowledged } from './verify.ts'

/** Both phases use the same station ids: the steady phase is the burst's fleet coming back (see README). */
/** A service's RSS is flat in the steady phase when its last quarter is at most this much above its second. */
const RSS_FLAT_PCT = 15

const STATION_PREFIX = 'E2E'

const log = (msg: string) => process.stderr.write(`[bench:e2e] ${msg}\n`)

/** What `chargebus simulate` prints (the fields the report uses). */
interface SimSummary {
  durationS: number
  stationsUp: number
  calls: { total: number; perSecond: number; byOperation: Record<string, number> }
  failed: { total: number; byReason: Record<string, number> }
  latencyMs: Record<string, { count: number; p50: number; p99: number; max: number }>
  sessions: { completed: number; refused: Record<string, number>; energyWh: number }
  commandsObeyed: { total: number; byOperation: Record<string, { received: number; obeyed: number }> }
  http: { maxSockets: number; connectionsOpened: number; retriedOnClosedIdleSocket: number }
}

interface Ctx {
  options: Options
  namespace: string
  database: string
  /** Every replica; the simulator spreads its stations over the gateways. */
  gateways: Service[]
  ingests: Service[]
  nc: NatsConnection
  jsm: JetStreamManager
  journal: Journal
  tracker: VisibilityTracker
  monitor: ConnectionMonitor
  memory: MemoryMonitor
  onSimulator(child: ChildProcess | undefined): void
  /** True once Ctrl-C/SIGTERM started the clean-up: no new phase may start. */
  aborted(): boolean
}

async function main(): Promise<number> {
  let options: Options
  try {
    const parsed = parseOptions(process.argv.slice(2))
    if (parsed === 'help') {
      process.stdout.write(USAGE)
      return 0
    }
    options = parsed
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const runs: Array<Record<string, unknown>> = []
  let ok = true
  // One fresh stack (database, namespace, processes) per replica count, one after the other on the same machine.
  for (const replicas of options.replicas) {
    const run = await runStack(options, replicas)
    if (run === 'interrupted') return 130
    if (run === 'failed') return 1
    runs.push(run.report)
    ok &&= run.ok
  }
  const report = runs.length === 1 ? runs[0] : { benchmark: 'bench/e2e', runs, comparison: compare(runs) }
  const json = JSON.stringify(report, null, 2)
  const outDir = options.outDir ?? join(REPO_ROOT, 'bench/results')
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `e2e-${stamp}.json`)
  writeFileSync(file, `${json}\n`)
  process.stdout.write(`${json}\n`)
  log(`report written to ${file}`)
  return ok ? 0 : 1
}

/** Per replica count: the burst's throughput and latency, and the CPU it took (the figures to compare). */
function compare(runs: Array<Record<string, unknown>>) {
  return runs.map((r) => {
    const burst = (r.phases as Phase[])[0]
    return {
      replicas: r.replicas,
      loadAvgAtStart: (r.machine as { loadAvgAtStart: number[] }).loadAvgAtStart,
      burstAcceptedPerS: burst?.gateway.acceptedPerS,
      burstCallsPerS: burst?.simulator.calls.perSecond,
      burstSeconds: burst?.simulator.durationS,
      startTransactionP99Ms: burst?.simulator.latencyMs.StartTransaction?.p99,
      meterValuesP99Ms: burst?.simulator.latencyMs.MeterValues?.p99,
      ingestMeterRowsPerS: burst?.ingest.meterRowsPerS,
      endToEndLagP99Ms: burst?.lag.endToEndMs.p99,
      machineBusyCores: burst?.cpu.machineBusyCores,
      cpuCores: burst?.cpu.cores,
      ok: r.ok,
    }
  })
}

/** One stack with `replicas` gateway and `replicas` ingest processes, its phases and checks. */
async function runStack(
  options: Options,
  replicas: number,
): Promise<{ report: Record<string, unknown>; ok: boolean } | 'interrupted' | 'failed'> {
  const startedAt = new Date()
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  const database = `chargebus_bench_e2e_${runId}`
  const namespace = `e2e${runId}`
  const jsNamespace = `e2ejs${runId}`
  const work = mkdtempSync(join(os.tmpdir(), 'bench-e2e-'))
  const logger = createLogger({ name: 'bench-e2e', level: 'warn' })

  const services: Service[] = []
  let simulator: ChildProcess | undefined
  let nc: NatsConnection | undefined
  let journal: Journal | undefined
  let tracker: VisibilityTracker | undefined
  let monitor: ConnectionMonitor | undefined
  let memory: MemoryMonitor | undefined
  const ownDbs: Kysely<Database>[] = []
  let databaseCreated = false
  let failed = false
  let interrupted = false

  let cleaning: Promise<void> | undefined
  const cleanup = () => {
    cleaning ??= release()
    return cleaning
  }
  const release = async () => {
    if (simulator) {
      killGroup(simulator, 'SIGTERM')
      const sim = simulator
      await Promise.race([new Promise((r) => sim.once('close', r)), sleep(5000)])
      killGroup(sim, 'SIGKILL')
    }
    memory?.stop()
    await Promise.allSettled([tracker?.stop(), monitor?.stop(), journal?.stop()])
    for (const s of services.splice(0)) await stopProcess(s.proc)
    for (const db of ownDbs.splice(0)) await db.destroy().catch(() => undefined)
    await nc?.close().catch(() => undefined)
    if (options.keep) {
      log(`kept: database ${database}, bus namespace ${namespace}`)
    } else {
      for (const ns of [namespace, jsNamespace]) {
        let view: JetStreamView | undefined
        try {
          view = await openJetStream(NATS_URL, ns)
          const deleted = await view.deleteNamespace()
          if (deleted.length > 0) log(`deleted streams: ${deleted.join(', ')}`)
        } catch (err) {
          log(`could not delete the streams of namespace ${ns}: ${err}`)
        } finally {
          await view?.close().catch(() => undefined)
        }
      }
      if (databaseCreated) {
        await dropRunDatabase(database).then(
          () => log(`dropped database ${database}`),
          (err: unknown) => log(`could not drop database ${database}: ${err}`),
        )
      }
    }
    if (failed) log(`service logs kept in ${work}`)
    else rmSync(work, { recursive: true, force: true })
  }
  const signals = ['SIGINT', 'SIGTERM'] as const
  const onSignal = (signal: string) => () => {
    log(`${signal}: cleaning up`)
    failed = true
    interrupted = true
    void cleanup().finally(() => process.exit(130))
  }
  const handlers = signals.map((signal) => [signal, onSignal(signal)] as const)
  for (const [signal, handler] of handlers) process.once(signal, handler)

  try {
    log(`database ${database}, bus namespace ${namespace}, logs in ${work}`)
    await createRunDatabase(database)
    databaseCreated = true
    const common = {
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      // the shared nats-server reserves max_bytes up front: a run's streams, not a fleet's
      BUS_STREAM_OCPP_IN_MAX_BYTES: '2GiB',
      BUS_STREAM_DOMAIN_MAX_BYTES: '1GiB',
      BUS_STREAM_COMMANDS_MAX_BYTES: '256MiB',
      BUS_STREAM_DEAD_LETTERS_MAX_BYTES: '256MiB',
      DATABASE_URL: withDatabaseName(POOLED_URL, database),
      NATS_URL,
      BUS_NAMESPACE: namespace,
    }
    const gateways: Service[] = []
    const ingests: Service[] = []
    for (let n = 0; n < replicas; n++) {
      const gateway = await startService(
        {
          name: 'ocpp-gateway',
          port: await freePort(),
          env: {
            ...common,
            DATABASE_POOL_SIZE: String(options.gatewayPool),
            // the simulated fleet has no passwords (bench:auth-flood measures what authentication costs)
            OCPP_REQUIRE_BASIC_AUTH: 'false',
            OCPP_ALLOW_UNAUTHENTICATED_STATIONS: 'true',
            ...options.gatewayEnv,
          },
        },
        work,
        `ocpp-gateway-${n + 1}`,
      )
      services.push(gateway)
      gateways.push(gateway)
    }
    for (let n = 0; n < replicas; n++) {
      const ingest = await startService(
        {
          name: 'ingest',
          port: await freePort(),
          env: { ...common, DATABASE_POOL_SIZE: String(options.ingestPool), ...options.ingestEnv },
        },
        work,
        `ingest-${n + 1}`,
      )
      services.push(ingest)
      ingests.push(ingest)
    }
    log(
      `${replicas} replica(s): ocpp-gateway on ${gateways.map((g) => `${g.port} (pid ${g.proc.pid})`).join(', ')}; ` +
        `ingest on ${ingests.map((i) => `${i.port} (pid ${i.proc.pid})`).join(', ')}`,
    )
    for (const g of gateways) await seedIdTag(options.idTag, namespace, g)

    const direct = (app: string) => {
      const db = createDb({
        url: withDatabaseName(ADMIN_URL, database),
        poolSize: 1,
        applicationName: `${OWN_APPLICATION_PREFIX}-${app}`,
      })
      ownDbs.push(db)
      return db
    }
    monitor = new ConnectionMonitor(direct('monitor'), database)
    monitor.start(options.pollMs)
    // one series per process: `ocpp-gateway`, or `ocpp-gateway.1`, `ocpp-gateway.2`… with replicas
    const named = (service: string, list: Service[]) =>
      list.map((s, i) => [replicas === 1 ? service : `${service}.${i + 1}`, s.proc.pid] as const)
    memory = new MemoryMonitor(
      Object.fromEntries([...named('ocpp-gateway', gateways), ...named('ingest', ingests)]),
    )
    memory.start(1000)
    nc = await connect({ servers: NATS_URL, name: 'bench-e2e' })
    const jsm = await jetstreamManager(nc)
    const visibility = new VisibilityTracker()
    tracker = visibility
    journal = await openJournal(nc, `${namespace.toUpperCase()}_OCPP_IN`, namespace, (m) =>
      visibility.track(m),
    )
    let pollErrors = 0
    visibility.start(direct('visibility'), options.pollMs, (err) => {
      if (pollErrors++ === 0) log(`visibility poll failed: ${err}`)
    })

    const ctx: Ctx = {
      options,
      namespace,
      database,
      gateways,
      ingests,
      nc,
      jsm,
      journal,
      tracker: visibility,
      monitor,
      memory,
      onSimulator: (c) => {
        simulator = c
        // started while the clean-up runs (it kills the simulator it knows of): end this one at once
        if (c && interrupted) killGroup(c, 'SIGKILL')
      },
      aborted: () => interrupted,
    }
    const phases: Phase[] = []
    phases.push(
      await runPhase(ctx, 'burst', [
        '--stations',
        String(options.stations),
        '--profile',
        'burst',
        '--sessions',
        String(options.sessions),
        '--meter-values',
        String(options.meterValues),
      ]),
    )
    if (options.steadySeconds > 0) {
      phases.push(
        await runPhase(ctx, 'steady', [
          '--stations',
          String(options.steadyStations),
          '--profile',
          'steady',
          '--duration',
          String(options.steadySeconds),
          '--meter-interval',
          String(options.steadyMeterIntervalS),
          '--session-chance',
          '1',
          '--ramp',
          String(options.steadyRampS),
        ]),
      )
    }
    const connections = await monitor.stop()
    const peakRssMiB = memory.stop()
    await visibility.stop()
    const ingestEnd = await ingestCountersOf(ingests)
    const streams = await streamCounts(namespace)

    // rows expected vs stored, per phase (by stream sequence)
    const checkDb = direct('verify')
    const phaseOf = (m: StoredMessage) =>
      phases.find((p) => m.seq > p.streamSeq.from && m.seq <= p.streamSeq.to)?.name ?? 'outside phases'
    const rows = {
      meterValues: await checkMeterValues(checkDb, journal.messages, phaseOf),
      statusEvents: await checkStatusEvents(checkDb, journal.messages, phaseOf),
    }
    await journal.stop()
    journal = undefined

    // the stack's part is over: stop it so the baselines get the machine the stack had
    for (const s of services.splice(0)) await stopProcess(s.proc)

    let baselines:
      | { fastify: FastifyBaseline; jetstream: JetStreamBaseline; insert: InsertBaseline }
      | undefined
    if (options.baselines) {
      log('baseline: bare Fastify (wrk)')
      const fastify = await fastifyBaseline({
        port: await freePort(),
        logDir: work,
        connections: options.baselineConnections,
        durationS: options.baselineSeconds,
        warmupS: options.baselineWarmupS,
      })
      const burstSeq = phases[0]?.streamSeq ?? { from: 0, to: 0 }
      const burstMessages = ctx.journal.messages.filter((m) => m.seq > burstSeq.from && m.seq <= burstSeq.to)
      log(`baseline: raw JetStream publish (${burstMessages.length} messages)`)
      const jetstream = await jetStreamBaseline({
        natsUrl: NATS_URL,
        namespace: jsNamespace,
        messages: burstMessages,
        concurrency: options.publishConcurrency,
        logger,
      })
      const meterRows = meterRowsOf(ctx.journal.messages)
      log(`baseline: raw 500-row INSERTs (${meterRows.length} rows)`)
      const insert = await insertBaseline({
        pooledUrl: POOLED_URL,
        adminUrl: ADMIN_URL,
        database,
        rows: meterRows,
        batch: 500,
      })
      baselines = { fastify, jetstream, insert }
    }

    // Per replica: the gateway's pool plus its own connection for transaction-id blocks, and ingest's pool.
    const budget = (options.ingestPool + options.gatewayPool + 1) * replicas
    const burst = phases[0]
    const checks: Record<string, boolean> = {}
    for (const p of phases) {
      const mv = rows.meterValues.byPhase[p.name]
      const se = rows.statusEvents.byPhase[p.name]
      checks[`${p.name}: 0 failed calls`] = p.simulator.failed.total === 0
      checks[`${p.name}: simulator exit 0`] = p.simulator.exitCode === 0
      checks[`${p.name}: drained`] = p.drain.drained
      checks[`${p.name}: every acknowledged message stored`] = p.gateway.acknowledgedNotStored === 0
      checks[`${p.name}: meter_values rows expected > 0`] = (mv?.expected ?? 0) > 0
      checks[`${p.name}: meter_values lost 0`] = mv?.lost === 0
      checks[`${p.name}: meter_values duplicates 0`] = mv?.duplicates === 0
      checks[`${p.name}: status_events lost 0`] = se?.lost === 0
      checks[`${p.name}: status_events duplicates 0`] = se?.duplicates === 0
    }
    for (const t of [rows.meterValues, rows.statusEvents]) {
      checks[`${t.table}: count(*) = count(distinct natural key)`] = t.total.duplicates === 0
      checks[`${t.table}: unexpected rows 0`] = t.total.unexpected === 0
    }
    checks['ingest: 0 dead letters'] = ingestEnd.deadLetters === 0
    checks[`peak server connections <= pool budget ${budget}`] = connections.peak <= budget
    const steady = phases.find((p) => p.name === 'steady')
    for (const [svc, m] of Object.entries(steady?.memory ?? {}))
      checks[`steady: ${svc} RSS flat (last quarter <= ${RSS_FLAT_PCT}% above the second)`] =
        m.growthPct <= RSS_FLAT_PCT
    const ok = Object.values(checks).every(Boolean)

    const ratios =
      baselines && burst
        ? {
            gatewayMsgsOverFastifyRps: round3(burst.gateway.acceptedPerS / baselines.fastify.rps),
            gatewayMsgsOverJetStreamPublish: round3(
              burst.gateway.acceptedPerS / baselines.jetstream.msgsPerS,
            ),
            ingestRowsOverInsertRows: round3(burst.ingest.meterRowsPerS / baselines.insert.rowsPerS),
            gatewayCpuPerMsgOverFastifyCpuPerReq: round3(
              burst.perUnit.gatewayCpuUsPerMessage / baselines.fastify.serverCpuUsPerRequest,
            ),
          }
        : undefined

    const report = {
      benchmark: 'bench/e2e',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machineInfo(),
      options: { ...options, outDir: undefined },
      replicas,
      stack: {
        replicas: { 'ocpp-gateway': replicas, ingest: replicas },
        database: `${database} (through pgbouncer ${new URL(POOLED_URL).host}; dropped at the end)`,
        busNamespace: namespace,
        nats: NATS_URL,
        gateway: redactEnv(gateways[0]?.env ?? {}),
        ingest: redactEnv(ingests[0]?.env ?? {}),
        poolBudget: {
          gateway: options.gatewayPool + 1,
          ingest: options.ingestPool,
          perReplica: true,
          total: budget,
        },
      },
      notes: {
        acceptedPerS:
          'ocpp_gateway_requests_total{outcome="answered"} (incremented after the PubAck) during the phase / the simulator run time',
        latency:
          "the simulator's per-operation latency (station side: includes waiting for one of its sockets)",
        lag:
          'MeterValues: station timestamp of the reading (taken when the station emitted the request) -> start of the first ' +
          `${options.pollMs}-ms poll that found the row on a direct connection (an upper bound; resolution one period ` +
          'plus the poll query). Split at the gateway receivedAt stored with the message.',
        rowsExpected:
          'from the messages in OCPP_IN (the gateway stores before it answers): sampledValues of MeterValues and ' +
          'StopTransaction.transactionData; one status_events row per StatusNotification',
        cpu: 'user+system from /proc; nats and pgbouncer are shared servers (other users count); postgres = backends of the run database; other = machine busy minus all of these',
        memory:
          "VmRSS from /proc every second per phase (start, end, peak; growth = last quarter's mean over the second quarter's: the first is the ramp); peakRssMiB is each process's VmHWM over the whole run",
      },
      phases,
      rows,
      connections: { ...connections, budget, withinBudget: connections.peak <= budget },
      peakRssMiB,
      ingest: ingestEnd,
      streams,
      baselines,
      ratios,
      checks,
      ok,
    }
    if (!ok) {
      failed = true
      log(
        `FAILED checks: ${Object.keys(checks)
          .filter((k) => !checks[k])
          .join('; ')}`,
      )
    }
    return { report, ok }
  } catch (err) {
    failed = true
    if (interrupted) return 'interrupted'
    log(`FAILED: ${(err as Error).stack ?? err}`)
    for (const s of services) log(`--- ${s.name} (last output) ---\n${s.proc.tail()}`)
    return 'failed'
  } finally {
    await cleanup()
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}

async function seedIdTag(tag: string, namespace: string, gateway: Service): Promise<void> {
  const r = await runToEnd(
    process.execPath,
    [CLI_MAIN, 'id-tags', 'add', tag, '--namespace', namespace],
    undefined,
  )
  if (r.code !== 0) throw new Error(`chargebus id-tags add failed (${r.code}): ${r.stdout}${r.stderr}`)
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (sumOf(await scrape(gateway.base), 'ocpp_gateway_cached_entries', { bucket: 'id_tags' }) >= 1) return
    await sleep(50)
  }
  throw new Error(`the gateway did not pick up id tag ${tag} from KV within 10 s`)
}

type Phase = Awaited<ReturnType<typeof runPhase>>

async function runPhase(ctx: Ctx, name: string, simArgs: string[]) {
  const { options, gateways, ingests } = ctx
  const args = [
    CLI_MAIN,
    'simulate',
    '--url',
    gateways.map((g) => `${g.base}/ocpp/1.6`).join(','),
    '--id-prefix',
    STATION_PREFIX,
    '--id-tag',
    options.idTag,
    '--namespace',
    ctx.namespace,
    '--concurrency',
    String(options.concurrency),
    ...simArgs,
  ]
  if (ctx.aborted()) throw new Error('interrupted')
  log(`${name}: chargebus ${args.slice(1).join(' ')}`)
  const stream = `${ctx.namespace.toUpperCase()}_OCPP_IN`
  const seqFrom = (await ctx.jsm.streams.info(stream)).state.last_seq
  const gwBefore = await gatewayCountersOf(gateways)
  const ingBefore = await ingestCountersOf(ingests)
  const pids = (list: Service[]) => list.map((s) => s.proc.pid)
  const cpuBefore = cpuSnapshot(pids(gateways), pids(ingests), ctx.monitor)
  const phaseStartedAt = Date.now()
  const sim = await runToEnd(
    '/usr/bin/time',
    ['-f', 'SIM_CPU %U %S', process.execPath, ...args],
    undefined,
    (c) => ctx.onSimulator(c),
  )
  ctx.onSimulator(undefined)
  if (ctx.aborted()) throw new Error('interrupted')
  const gwAfter = await gatewayCountersOf(gateways)
  const cpu = /SIM_CPU ([\d.]+) ([\d.]+)/.exec(sim.stderr)
  let summary: SimSummary
  try {
    summary = JSON.parse(sim.stdout) as SimSummary
  } catch {
    throw new Error(`chargebus simulate (exit ${sim.code}) printed no summary:\n${sim.stdout}\n${sim.stderr}`)
  }
  log(
    `${name}: ${summary.calls.total} calls in ${summary.durationS} s (${summary.calls.perSecond}/s), ` +
      `${summary.failed.total} failed${summary.failed.total ? ` ${JSON.stringify(summary.failed.byReason)}` : ''}; waiting for ingest`,
  )
  const drain = await drainPipeline(ctx)
  const seqTo = (await ctx.jsm.streams.info(stream)).state.last_seq
  const inPhase = (seq: number) => seq > seqFrom && seq <= seqTo
  const cpuAfter = cpuSnapshot(pids(gateways), pids(ingests), ctx.monitor)
  const ingAfter = await ingestCountersOf(ingests)
  const simulatorCpuS = cpu ? Number(cpu[1]) + Number(cpu[2]) : 0
  const cpuFigures = cpuBetween(cpuBefore, cpuAfter, ctx.monitor, simulatorCpuS)

  // what the simulator saw acknowledged vs what the gateway stored, per operation
  const stored = ctx.journal.messages.filter((m) => inPhase(m.seq))
  const {
    storedByAction,
    acknowledgedByAction: ackedByAction,
    acknowledgedNotStored,
  } = compareAcknowledged(stored, summary.calls, summary.failed)
  const answered = gwAfter.answered - gwBefore.answered

  const visible = ctx.tracker.visible.filter((v) => inPhase(v.seq))
  const lag = {
    messages: visible.length,
    endToEndMs: dist(visible.map((v) => v.visibleAtMs - v.sampledAtMs)),
    stationToGatewayMs: dist(visible.map((v) => v.receivedAtMs - v.sampledAtMs)),
    gatewayToVisibleMs: dist(visible.map((v) => v.visibleAtMs - v.receivedAtMs)),
    pollQueryMs: dist(ctx.tracker.queryMs),
  }
  const meterRows = stored.reduce((a, m) => a + m.meterRows, 0)
  const firstReceived = Math.min(...stored.map((m) => m.receivedAtMs))
  const lastVisible = Math.max(...visible.map((v) => v.visibleAtMs))
  const pipelineS = (lastVisible - firstReceived) / 1000
  const ingestMessages = ingAfter.messages - ingBefore.messages
  return {
    name,
    streamSeq: { from: seqFrom, to: seqTo },
    command: `pnpm chargebus ${args.slice(1).join(' ')}`,
    simulator: {
      exitCode: sim.code,
      durationS: summary.durationS,
      stationsUp: summary.stationsUp,
      calls: summary.calls,
      failed: summary.failed,
      latencyMs: summary.latencyMs,
      sessions: summary.sessions,
      commandsObeyed: summary.commandsObeyed,
      http: summary.http,
      cpuS: round3(simulatorCpuS),
    },
    gateway: {
      answered,
      duplicates: gwAfter.duplicate - gwBefore.duplicate,
      faults: gwAfter.fault - gwBefore.fault,
      acceptedPerS: Math.round(answered / summary.durationS),
      storedByAction,
      acknowledgedByAction: ackedByAction,
      acknowledgedNotStored,
      transactionIdsAvailableAfter: gwAfter.transactionIdsAvailable,
    },
    ingest: {
      messages: ingestMessages,
      meterRowsWritten: ingAfter.meterValueRows - ingBefore.meterValueRows,
      meterRowsExpected: meterRows,
      batches: ingAfter.batches - ingBefore.batches,
      batchFailures: ingAfter.batchFailures - ingBefore.batchFailures,
      deadLetters: ingAfter.deadLetters - ingBefore.deadLetters,
      pipelineS: round3(pipelineS),
      meterRowsPerS: Math.round(meterRows / Math.max(pipelineS, 0.001)),
    },
    lag,
    drain,
    cpu: cpuFigures,
    memory: ctx.memory.between(phaseStartedAt, Date.now()),
    perUnit: {
      gatewayCpuUsPerMessage: round3(((cpuFigures.seconds.gateway ?? 0) * 1e6) / Math.max(1, answered)),
      ingestCpuUsPerMessage: round3(((cpuFigures.seconds.ingest ?? 0) * 1e6) / Math.max(1, ingestMessages)),
      ingestCpuUsPerMeterRow: round3(((cpuFigures.seconds.ingest ?? 0) * 1e6) / Math.max(1, meterRows)),
      simulatorCpuUsPerCall: round3((simulatorCpuS * 1e6) / Math.max(1, summary.calls.total)),
      // gateway + ingest + their Postgres backends + pgbouncer + nats-server (shared servers: others count too)
      stackCpuUsPerMessage: round3(
        (['gateway', 'ingest', 'postgres', 'pgbouncer', 'nats']
          .map((k) => cpuFigures.seconds[k] ?? 0)
          .reduce((a, b) => a + b, 0) *
          1e6) /
          Math.max(1, answered),
      ),
      postgresCpuUsPerMessage: round3(
        ((cpuFigures.seconds.postgres ?? 0) * 1e6) / Math.max(1, ingestMessages),
      ),
    },
  }
}

/**
 * Waits until the journal has read the whole stream, ingest's durable consumer has nothing pending or unacked
 * and every MeterValues of the phase is visible. Gives up when the consumer is done but rows stay missing for
 * 5 s (they never come: the row check then reports them lost), or after --drain-timeout.
 */
async function drainPipeline(ctx: Ctx) {
  const started = performance.now()
  const deadline = started + ctx.options.drainTimeoutS * 1000
  const stream = `${ctx.namespace.toUpperCase()}_OCPP_IN`
  const durable = ctx.ingests[0]?.env.INGEST_DURABLE ?? 'ingest'
  let consumerDoneAt: number | undefined
  let state = { numPending: -1, ackPending: -1, visibilityPending: -1 }
  while (performance.now() < deadline && !ctx.aborted()) {
    const info = await ctx.jsm.streams.info(stream)
    const consumer = await ctx.jsm.consumers.info(stream, durable)
    const visibilityPending = ctx.tracker.pending.size
    state = { numPending: consumer.num_pending, ackPending: consumer.num_ack_pending, visibilityPending }
    const consumerDone =
      ctx.journal.lastSeq() >= info.state.last_seq &&
      consumer.num_pending === 0 &&
      consumer.num_ack_pending === 0
    if (consumerDone && visibilityPending === 0) {
      return { drained: true, seconds: round3((performance.now() - started) / 1000), ...state }
    }
    if (consumerDone) {
      consumerDoneAt ??= performance.now()
      if (performance.now() - consumerDoneAt > 5000) break
    } else consumerDoneAt = undefined
    await sleep(25)
  }
  return { drained: false, seconds: round3((performance.now() - started) / 1000), ...state }
}

/** The counters of every replica, added up. */
async function gatewayCountersOf(gateways: Service[]): Promise<GatewayCounters> {
  return sumCounters(await Promise.all(gateways.map(gatewayCounters)))
}

async function ingestCountersOf(ingests: Service[]): Promise<IngestCounters> {
  return sumCounters(await Promise.all(ingests.map(ingestCounters)))
}

function sumCounters<C extends object>(all: C[]): C {
  const total = { ...all[0] } as Record<string, number>
  for (const c of all.slice(1))
    for (const [k, v] of Object.entries(c as Record<string, number>)) total[k] = (total[k] ?? 0) + v
  return total as C
}

async function streamCounts(namespace: string): Promise<Record<string, number>> {
  const view = await openJetStream(NATS_URL, namespace)
  try {
    return await view.counts()
  } finally {
    await view.close()
  }
}

function dist(values: number[]) {
  const s = [...values].sort((a, b) => a - b)
  const at = (p: number) =>
    s.length ? (s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1] ?? 0) : 0
  return {
    count: s.length,
    p50: round3(at(50)),
    p90: round3(at(90)),
    p99: round3(at(99)),
    max: round3(s.at(-1) ?? 0),
    mean: round3(s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0),
  }
}

function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')]),
  )
}

function machineInfo() {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    loadAvgAtStart: os.loadavg().map(round3),
    note: 'the load generator (simulator), the services, Postgres, pgbouncer and NATS share this machine',
  }
}

process.exitCode = await main()
