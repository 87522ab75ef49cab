/**
 * Auth-flood benchmark (not part of the test run): honest stations keep their load while someone floods the
 * gateway with bad passwords; their latency is compared with the same load without the flood, in
 * interleaved rounds. Prints one JSON report on stdout (progress on stderr) and writes it to
 * bench/results/auth-flood-<ts>.json. Exit 1 when an honest station was refused or a run broke.
 *
 *   pnpm bench:auth-flood [--stations 200] [--flood-rate 1000] [--rounds 3]
 *
 * See bench/README.md for what is measured and how to read it.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectBus } from '@chargebus/bus'
import { hashPassword, KvBuckets, mirrorRegistration } from '@chargebus/station-registry'
import { pino } from 'pino'
import { bootNotification } from '../../gateway/src/messages.ts'
import {
  CLK_TCK,
  runToEnd,
  type Started,
  startProcess,
  stopProcess,
  treeCpuTicks,
  waitForHttp,
  waitForTcp,
} from '../../gateway/src/processes.ts'
import { GATEWAY_MAIN, REPO_ROOT } from '../../gateway/src/targets.ts'
import type { GeneratorResult, GeneratorSpec } from './generator.ts'
import { type Options, parseOptions, USAGE } from './options.ts'
import type { FloodKind, HonestStation, RequestPlan } from './requests.ts'
import { round, roundedMedian } from './stats.ts'

type Scenario = 'quiet' | FloodKind

interface Run {
  round: number
  scenario: Scenario
  honest: GeneratorResult
  flood?: GeneratorResult
  /** The gateway's CPU during the run, in cores. */
  gatewayCores: number
  /** How the gateway's password checks ended during the run (`ocpp_gateway_station_auth_total`). */
  authOutcomes: Record<string, number>
  /** The gateway's own event-loop delay during the run (prom-client's, reset by each scrape), in ms. */
  gatewayLoopLagMs: { p99: number; max: number }
}

const GOAL_P99_RATIO = 2
const GENERATOR = fileURLToPath(new URL('./generator.ts', import.meta.url))
const log = (msg: string) => process.stderr.write(`[bench:auth-flood] ${msg}\n`)

async function main(): Promise<number> {
  let options: Options
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const startedAt = new Date()
  const work = mkdtempSync(join(os.tmpdir(), 'bench-auth-flood-'))
  const natsPort = options.basePort + 1
  const gatewayPort = options.basePort
  const endpointUrl = `http://127.0.0.1:${gatewayPort}/ocpp/1.6`
  const gatewayEnv = {
    NODE_ENV: 'production',
    BUS_STREAM_OCPP_IN_MAX_BYTES: '4GiB',
    BUS_STREAM_COMMANDS_MAX_BYTES: '256MiB',
    HOST: '127.0.0.1',
    PORT: String(gatewayPort),
    LOG_LEVEL: 'warn',
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    OCPP_REGISTRATION: 'accept-all',
    // the floods' client addresses arrive as X-Forwarded-For, as behind a load balancer
    HTTP_TRUST_PROXY: '127.0.0.1',
    OCPP_COMMANDS_ENABLED: 'false',
    ...options.gatewayEnv,
  }
  const serverCpus = options.pin === 'split' ? '1' : undefined
  const loadCpus = options.pin === 'split' ? '0' : undefined
  const processes: Started[] = []
  let failed = false
  try {
    const nats = startProcess({
      name: 'nats-server',
      command: 'nats-server',
      args: ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(work, 'nats-store')],
      cpus: serverCpus,
      logFile: join(work, 'nats-server.log'),
    })
    processes.push(nats)
    await waitForTcp(natsPort, nats)

    const stations = await registerStations(options.stations, gatewayEnv.NATS_URL)
    const gateway = startProcess({
      name: 'gateway',
      command: process.execPath,
      args: [GATEWAY_MAIN],
      cwd: REPO_ROOT,
      env: gatewayEnv,
      cpus: serverCpus,
      logFile: join(work, 'gateway.log'),
    })
    processes.push(gateway)
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/readyz`, gateway, { status: 200, timeoutMs: 60_000 })
    await bootStations(endpointUrl, stations)
    log(`${stations.length} honest stations booted with their passwords (Accepted)`)

    const scenarios: Scenario[] = ['quiet', ...options.floods]
    const runs: Run[] = []
    for (let r = 1; r <= options.rounds; r++) {
      for (const scenario of scenarios) {
        const run = await measure(r, scenario, options, endpointUrl, stations, gateway, loadCpus)
        runs.push(run)
        const flood = run.flood ? `, flood ${run.flood.achievedRate}/s sent` : ''
        log(
          `round ${r}/${options.rounds} ${scenario}: honest p99 ${run.honest.latencyMs.p99} ms, ` +
            `${run.honest.statuses['200'] ?? 0}/${run.honest.sent} answered 200${flood}, gateway ${run.gatewayCores} cores`,
        )
      }
    }
    const summary = summarize(runs, options)
    failed = !summary.honestAlwaysAnswered
    const report = {
      benchmark: 'auth-flood',
      startedAt: startedAt.toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
        node: process.version,
      },
      options,
      gatewayEnv,
      summary,
      runs,
    }
    const outDir = options.outDir ?? join(REPO_ROOT, 'bench/results')
    mkdirSync(outDir, { recursive: true })
    const file = join(outDir, `auth-flood-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    log(`report: ${file}`)
    return failed ? 1 : 0
  } catch (err) {
    failed = true
    log(`failed: ${(err as Error).stack ?? err}`)
    return 1
  } finally {
    for (const p of processes.reverse()) await stopProcess(p)
    if (failed || options.keepLogs) log(`logs kept in ${work}`)
    else rmSync(work, { recursive: true, force: true })
  }
}

/** Honest stations with their own passwords (scrypt hashes in KV, as `chargebus station set` writes them). */
async function registerStations(count: number, natsUrl: string): Promise<HonestStation[]> {
  const bus = await connectBus({
    servers: natsUrl,
    name: 'bench-auth-flood',
    logger: pino({ level: 'silent' }),
  })
  try {
    const kv = await bus.kv(KvBuckets.stations)
    const stations: HonestStation[] = []
    for (let i = 0; i < count; i++) {
      const station = {
        id: `HONEST-${String(i + 1).padStart(4, '0')}`,
        password: randomBytes(12).toString('base64url'),
        address: `10.1.${(i >> 8) & 255}.${i & 255}`,
      }
      await mirrorRegistration(kv, {
        stationId: station.id,
        registrationStatus: 'Accepted',
        password: hashPassword(station.password),
        decidedAt: new Date(),
        source: 'bench',
      })
      stations.push(station)
      if ((i + 1) % 50 === 0 || i + 1 === count) log(`stations registered: ${i + 1}/${count}`)
    }
    return stations
  } finally {
    await bus.close()
  }
}

/** Each honest station boots once with its credentials: its verdict is then remembered, as in production. */
async function bootStations(endpointUrl: string, stations: readonly HonestStation[]): Promise<void> {
  for (const s of stations) {
    const boot = bootNotification(endpointUrl, s.id, `urn:uuid:${randomUUID()}`)
    const res = await fetch(endpointUrl, {
      method: 'POST',
      headers: {
        'content-type': boot.contentType,
        authorization: `Basic ${Buffer.from(`${s.id}:${s.password}`).toString('base64')}`,
        'x-forwarded-for': s.address,
      },
      body: boot.body,
    })
    const text = await res.text()
    if (res.status !== 200 || !text.includes('Accepted'))
      throw new Error(`boot of ${s.id}: HTTP ${res.status} ${text.slice(0, 300)}`)
  }
}

async function measure(
  roundNo: number,
  scenario: Scenario,
  options: Options,
  endpointUrl: string,
  stations: HonestStation[],
  gateway: Started,
  cpus: string | undefined,
): Promise<Run> {
  const timing = { warmupS: options.warmupS, durationS: options.durationS }
  const honest: GeneratorSpec = {
    url: endpointUrl,
    plan: { kind: 'stations', endpointUrl, stations },
    rate: options.stations * options.stationRate,
    connections: Math.min(options.stations, 256),
    ...timing,
  }
  const targets = stations.map((s) => s.id)
  const flood: GeneratorSpec | undefined =
    scenario === 'quiet'
      ? undefined
      : {
          url: endpointUrl,
          plan: { kind: scenario, endpointUrl, targets } satisfies RequestPlan,
          rate: options.floodRate,
          connections: 512,
          ...timing,
        }
  // This scrape also resets the gateway's event-loop delay histogram: the one after the run covers the run.
  const { auth: authBefore } = await scrape(endpointUrl)
  const cpuBefore = { ticks: treeCpuTicks(gateway.pid), at: performance.now() }
  const [honestResult, floodResult] = await Promise.all([
    // The attackers' machines are not ours: on this one, the generator measuring the honest stations goes first.
    generate(honest, cpus, { nice: -10 }),
    flood === undefined ? undefined : generate(flood, cpus, { nice: 19 }),
  ])
  const cores =
    (treeCpuTicks(gateway.pid) - cpuBefore.ticks) / CLK_TCK / ((performance.now() - cpuBefore.at) / 1000)
  if (gateway.child.exitCode !== null) throw new Error(`the gateway died:\n${gateway.tail()}`)
  const { auth: authAfter, loopLagMs } = await scrape(endpointUrl)
  const delta: Record<string, number> = {}
  for (const [outcome, n] of Object.entries(authAfter)) {
    const d = n - (authBefore[outcome] ?? 0)
    if (d > 0) delta[outcome] = d
  }
  return {
    round: roundNo,
    scenario,
    honest: honestResult,
    ...(floodResult === undefined ? {} : { flood: floodResult }),
    gatewayCores: round(cores),
    authOutcomes: delta,
    gatewayLoopLagMs: loopLagMs,
  }
}

async function generate(
  spec: GeneratorSpec,
  cpus: string | undefined,
  opts: { nice?: number } = {},
): Promise<GeneratorResult> {
  const command = [process.execPath, GENERATOR, JSON.stringify(spec)]
  const [program, ...args] = opts.nice ? ['nice', '-n', String(opts.nice), ...command] : command
  const result = await runToEnd(program as string, args, cpus)
  if (result.code !== 0)
    throw new Error(`load generator failed (${result.code}): ${result.stderr.slice(-2000)}`)
  return JSON.parse(result.stdout) as GeneratorResult
}

/**
 * From the gateway's /metrics: `ocpp_gateway_station_auth_total` by outcome, and its event-loop delay (p99 and
 * max since the previous scrape) in ms.
 */
async function scrape(
  endpointUrl: string,
): Promise<{ auth: Record<string, number>; loopLagMs: { p99: number; max: number } }> {
  const text = await (await fetch(new URL('/metrics', endpointUrl))).text()
  const auth: Record<string, number> = {}
  for (const m of text.matchAll(/^ocpp_gateway_station_auth_total\{[^}]*outcome="([a-z]+)"[^}]*\} (\d+)/gm))
    auth[m[1] as string] = Number(m[2])
  const seconds = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1])
  return {
    auth,
    loopLagMs: {
      p99: round(seconds('nodejs_eventloop_lag_p99_seconds') * 1000),
      max: round(seconds('nodejs_eventloop_lag_max_seconds') * 1000),
    },
  }
}

function summarize(runs: readonly Run[], options: Options) {
  const quietP99 = new Map(
    runs.filter((r) => r.scenario === 'quiet').map((r) => [r.round, r.honest.latencyMs.p99]),
  )
  const floods = Object.fromEntries(
    options.floods.map((flood) => {
      const mine = runs.filter((r) => r.scenario === flood)
      const ratios = mine.map((r) => round(r.honest.latencyMs.p99 / (quietP99.get(r.round) as number)))
      const ratio = roundedMedian(ratios)
      return [
        flood,
        {
          honestP99Ms: roundedMedian(mine.map((r) => r.honest.latencyMs.p99)),
          p99OverQuiet: ratio,
          p99OverQuietPerRound: ratios,
          floodSentPerS: roundedMedian(mine.map((r) => r.flood?.achievedRate ?? 0)),
          floodStatuses: sumStatuses(mine.map((r) => r.flood?.statuses ?? {})),
          passwordChecksPerS: roundedMedian(
            mine.map(
              (r) => ((r.authOutcomes.verified ?? 0) + (r.authOutcomes.wrong ?? 0)) / options.durationS,
            ),
          ),
          gatewayCores: roundedMedian(mine.map((r) => r.gatewayCores)),
          measuringGeneratorStallMs: roundedMedian(mine.map(generatorStallMs)),
          gatewayLoopLagP99Ms: roundedMedian(mine.map((r) => r.gatewayLoopLagMs.p99)),
          gatewayLoopLagMaxMs: roundedMedian(mine.map((r) => r.gatewayLoopLagMs.max)),
          goalMet: ratio <= GOAL_P99_RATIO,
        },
      ]
    }),
  )
  const quiet = runs.filter((r) => r.scenario === 'quiet')
  return {
    honestLoadPerS: options.stations * options.stationRate,
    quiet: {
      honestP99Ms: roundedMedian(quiet.map((r) => r.honest.latencyMs.p99)),
      honestP50Ms: roundedMedian(quiet.map((r) => r.honest.latencyMs.p50)),
      gatewayCores: roundedMedian(quiet.map((r) => r.gatewayCores)),
      measuringGeneratorStallMs: roundedMedian(quiet.map(generatorStallMs)),
      gatewayLoopLagP99Ms: roundedMedian(quiet.map((r) => r.gatewayLoopLagMs.p99)),
      gatewayLoopLagMaxMs: roundedMedian(quiet.map((r) => r.gatewayLoopLagMs.max)),
    },
    floods,
    goal: `honest p99 under each flood <= ${GOAL_P99_RATIO}x the same round's quiet p99 (median over rounds)`,
    goalMet: Object.values(floods).every((f) => f.goalMet),
    /** Every honest request was answered 200, with and without a flood. */
    honestAlwaysAnswered: runs.every((r) => (r.honest.statuses['200'] ?? 0) === r.honest.sent),
  }
}

/** The measuring generator's longest own event-loop stall in the run: latency the machine adds, not the gateway. */
function generatorStallMs(run: Run): number {
  return Math.max(0, ...run.honest.timeline.map((s) => s.stallMs))
}

function sumStatuses(all: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const statuses of all) for (const [k, v] of Object.entries(statuses)) out[k] = (out[k] ?? 0) + v
  return out
}

process.exitCode = await main()
