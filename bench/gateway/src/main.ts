/**
 * Gateway benchmark (not part of the test run): bare Fastify JSON vs bare Fastify that only publishes durably
 * (the floor) vs a minimal `soap`-package server vs the Chargebus OCPP gateway publishing durably to JetStream,
 * under the same load, in interleaved rounds.
 * Prints one JSON report on stdout (progress on stderr) and writes it to bench/results/gateway-<ts>.json.
 *
 *   pnpm bench:gateway [--connections 64] [--duration 10] [--rounds 3] [--targets fastify,floor,soap,gateway]
 *
 * See bench/README.md for what is measured and how to read it.
 */
import type { ChildProcess } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type JetStreamView, openJetStream } from './jetstream.ts'
import { type LoadResult, newMsgIdPrefix, runLoad } from './load.ts'
import { bootNotification, fill, stationId, wrkTemplateFile } from './messages.ts'
import { type Options, parseOptions, type TargetName, USAGE } from './options.ts'
import { type OtlpSink, startOtlpSink } from './otlp-sink.ts'
import {
  CLK_TCK,
  killGroup,
  machineTicks,
  pidsByComm,
  type Started,
  startProcess,
  stopProcess,
  treeCpuTicks,
  waitForHttp,
  waitForTcp,
} from './processes.ts'
import { createProfiling } from './profiling.ts'
import { median } from './stats.ts'
import { defineTarget, REPO_ROOT, type Target } from './targets.ts'

const ID_PREFIX = 'BENCH-'
// tracing's goal: at most 10% more server CPU per request than the untraced gateway in the same rounds (CPU per
// request is the steady figure on a shared machine; the throughput ratio is reported beside it)
// issue 21's goals, against what the gateway controls: the durable floor (bare Fastify plus the same durable
// publish) measured in the same rounds; the floor itself against bare Fastify is the bus's publish path
const GOALS = {
  gatewayOverFloor: 0.85,
  gatewayOverSoap: 2.5,
  gatewayCpuOverFloor: 1.3,
  floorOverFastify: 0.55,
  gatewayP99Ms: 15,
  tracedCpuOverGateway: 1.1,
}

interface Measured extends LoadResult {
  round: number
  wallS: number
  /** CPU of the server process tree, in cores (1.0 = one full CPU) and µs per request. */
  serverCores: number
  serverCpuUsPerRequest: number
  /** nats-server's CPU during the run (only the gateway uses it; shows noise for the others). */
  natsCores: number
  natsCpuUsPerRequest: number
  loadgenCores: number
  loadgenCpuUsPerRequest: number
  /** Everything else on the machine during the run (other users' processes), in cores. */
  otherCores: number
}

interface Running {
  target: Target
  proc: Started
}

const log = (msg: string) => process.stderr.write(`[bench:gateway] ${msg}\n`)

async function main(): Promise<number> {
  let options: Options
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const startedAt = new Date()
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
  // a fresh bus namespace only matters on a shared NATS server; the private one holds nothing else
  const namespace = options.natsUrl ? `benchgw${randomBytes(4).toString('hex')}` : ''
  const work = mkdtempSync(join(os.tmpdir(), 'bench-gateway-'))
  const serverCpus = options.pin === 'split' ? '1' : undefined
  const loadgenCpus = options.pin === 'split' ? '0' : undefined
  const running: Running[] = []
  let nats: Started | undefined
  const loadgenChildren = new Set<ChildProcess>()
  let js: JetStreamView | undefined
  let otlpSink: OtlpSink | undefined
  let failed = false
  const profileDir = join(os.tmpdir(), `bench-gateway-profiles-${stamp}`)
  if (options.profile) mkdirSync(profileDir, { recursive: true })
  const profiling = createProfiling(options.profile, profileDir)

  let cleaning: Promise<void> | undefined
  let interrupted = false
  const cleanup = () => {
    cleaning ??= release()
    return cleaning
  }
  const release = async () => {
    profiling.close()
    for (const c of loadgenChildren) killGroup(c)
    for (const r of running.splice(0)) await stopProcess(r.proc)
    if (js) {
      if (!options.keepStreams && namespace) {
        const deleted = await js.deleteNamespace().catch((err: unknown) => [`(failed: ${err})`])
        if (deleted.length > 0) log(`deleted streams: ${deleted.join(', ')}`)
      }
      await js.close().catch(() => undefined)
      js = undefined
    }
    await otlpSink?.close()
    if (nats) await stopProcess(nats) // its store lives in `work`, removed below
    nats = undefined
    if (!failed) rmSync(work, { recursive: true, force: true })
    else {
      rmSync(join(work, 'nats-store'), { recursive: true, force: true })
      log(`server logs kept in ${work}`)
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`)
      failed = true
      interrupted = true
      void cleanup().finally(() => process.exit(130))
    })
  }

  try {
    let natsUrl = options.natsUrl
    if ((options.targets.includes('gateway') || options.targets.includes('floor')) && natsUrl === undefined) {
      const port = options.basePort + 3
      nats = startProcess({
        name: 'nats-server',
        command: 'nats-server',
        args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(work, 'nats-store')],
        cpus: serverCpus,
        logFile: join(work, 'nats-server.log'),
      })
      await waitForTcp(port, nats)
      natsUrl = `nats://127.0.0.1:${port}`
      log(`private nats-server (JetStream) on ${port}`)
    }
    if (options.targets.includes('gateway-traced')) {
      otlpSink = await startOtlpSink(options.basePort + 6)
      log(`OTLP receiver (accepts and drops) on ${options.basePort + 6}`)
    }
    const ctx = {
      tracedNamespace: namespace ? `${namespace}_traced` : 'traced',
      otlpEndpoint: `http://127.0.0.1:${options.basePort + 6}`,
      basePort: options.basePort,
      natsUrl: natsUrl ?? '',
      namespace: options.namespaceEnv ? { env: options.namespaceEnv, value: namespace } : undefined,
      floorNamespace: namespace ? `${namespace}_floor` : 'floor',
      gatewayEnv: options.gatewayEnv,
      gatewayProcesses: options.gatewayProcesses,
      nodeArgs: options.cpuProfDir
        ? ['--cpu-prof', '--cpu-prof-dir', resolve(options.cpuProfDir)]
        : profiling.nodeArgs,
    }
    const targets = options.targets.map((t) => defineTarget(t, ctx))
    if (natsUrl !== undefined) js = await openJetStream(natsUrl, namespace)

    // start every server as its own process, then check each answers our requests correctly
    for (const target of targets) {
      log(`starting ${target.name}`)
      const proc = target.start(join(work, `${target.name}.log`), serverCpus)
      running.push({ target, proc })
      await waitForHttp(target.readyUrl, proc, { status: target.readyStatus, timeoutMs: 60_000 })
      await profiling.attach(target.name, proc)
    }
    const acked = { boot: 0, preflight: 0, load: 0 }
    for (const { target } of running) {
      if (target.name === 'gateway' || target.name === 'gateway-traced') {
        const booted = await bootStations(target, options.stations)
        if (target.name === 'gateway') acked.boot = booted
        log(`${target.name}: ${booted} stations booted (Accepted)`)
      }
      const n = await preflight(target, options.stations)
      if (target.name === 'gateway') acked.preflight = n
    }

    // interleaved rounds: for each round, each load generator, each target: warm-up, then the measured run
    const templatesFiles = new Map<TargetName, string>()
    for (const { target } of running) {
      const file = join(work, `${target.name}.templates`)
      writeFileSync(file, wrkTemplateFile(target.templates))
      templatesFiles.set(target.name, file)
    }
    // the private nats-server, or (shared server) every local nats-server: then other users' traffic counts too
    const natsPids = nats ? [nats.pid] : pidsByComm('nats-server')
    const results: Record<string, Record<string, Measured[]>> = {}
    const streamDeltas: StreamDelta[] = []
    let stored = js ? ((await js.counts())[js.ocppIn] ?? 0) : 0
    const record = (loadgen: string, target: Target, m: Measured) => {
      const byLoadgen = results[loadgen] ?? {}
      results[loadgen] = byLoadgen
      byLoadgen[target.name] = [...(byLoadgen[target.name] ?? []), m]
      log(
        `round ${m.round} ${loadgen} ${target.name}: ${Math.round(m.rps)} req/s, p50 ${m.latencyMs.p50.toFixed(2)} ms, ` +
          `p99 ${m.latencyMs.p99.toFixed(2)} ms, errors ${errorCount(m)}, server ${m.serverCpuUsPerRequest.toFixed(0)} µs/req ` +
          `(${m.serverCores.toFixed(2)} cores), nats ${m.natsCores.toFixed(2)}, loadgen ${m.loadgenCores.toFixed(2)}, ` +
          `other ${m.otherCores.toFixed(2)}`,
      )
    }
    const countStored = async (round: number, loadgen: string, runs: [string, number][]) => {
      if (!js) return
      await sleep(300) // requests abandoned by the client at the end of a run still finish server-side
      const now = (await js.counts())[js.ocppIn] ?? 0
      const ackedHere = runs.reduce((a, [, ok]) => a + ok, 0)
      acked.load += ackedHere
      streamDeltas.push({
        run: `round ${round} ${loadgen}`,
        clientRuns: runs.length,
        acked: ackedHere,
        stored: now - stored,
      })
      stored = now
    }
    const onStart = (c: ChildProcess) => {
      loadgenChildren.add(c)
      c.once('exit', () => loadgenChildren.delete(c))
    }
    const specOf = (target: Target) => ({
      url: target.url,
      templatesFile: templatesFiles.get(target.name) as string,
      connections: options.connections,
      threads: options.threads,
      stations: options.stations,
      idPrefix: ID_PREFIX,
      cpus: loadgenCpus,
    })
    for (let round = 1; round <= options.rounds; round++) {
      for (const loadgen of options.loadgens) {
        if (options.paired) {
          // every target under its own load generator at the same time: the same machine load for each
          const warm = options.warmupS
            ? await Promise.all(
                running.map(({ target }) =>
                  runLoad(loadgen, { ...specOf(target), durationS: options.warmupS }, onStart),
                ),
              )
            : []
          await Promise.all(running.map(({ target }) => profiling.start(target.name)))
          const before = running.map(({ proc }) => snapshot(proc.pid, natsPids))
          const rs = await Promise.all(
            running.map(({ target }) =>
              runLoad(loadgen, { ...specOf(target), durationS: options.durationS }, onStart),
            ),
          )
          const after = running.map(({ proc }) => snapshot(proc.pid, natsPids))
          await Promise.all(running.map(({ target }) => profiling.stop(target.name)))
          for (const r of running) assertAlive(r.proc)
          // the other targets' servers and load generators are not "other" load: they are the measurement
          const ours = running.map((_, i) => ({
            serverS: ((after[i]?.server ?? 0) - (before[i]?.server ?? 0)) / CLK_TCK,
            loadgenS: rs[i]?.loadgenCpuS ?? 0,
          }))
          for (const [i, { target }] of running.entries()) {
            const others = ours.filter((_, j) => j !== i)
            const m = measure(round, rs[i] as LoadResult, before[i] as Snapshot, after[i] as Snapshot, {
              cpuS: others.reduce((a, o) => a + o.serverS + o.loadgenS, 0),
            })
            record(loadgen, target, m)
            profiling.add(target.name, m.serverCpuUsPerRequest)
            if (target.name === 'gateway')
              await countStored(round, loadgen, [
                ...(warm[i] ? [['warmup', warm[i].ok] as [string, number]] : []),
                ['measured', m.ok],
              ])
          }
          continue
        }
        for (const { target, proc } of running) {
          const spec = specOf(target)
          const runs: [string, number][] = []
          if (options.warmupS > 0) {
            const w = await runLoad(loadgen, { ...spec, durationS: options.warmupS }, onStart)
            runs.push(['warmup', w.ok])
          }
          await profiling.start(target.name)
          const before = snapshot(proc.pid, natsPids)
          const r = await runLoad(loadgen, { ...spec, durationS: options.durationS }, onStart)
          const after = snapshot(proc.pid, natsPids)
          await profiling.stop(target.name)
          runs.push(['measured', r.ok])
          assertAlive(proc)
          const m = measure(round, r, before, after)
          record(loadgen, target, m)
          profiling.add(target.name, m.serverCpuUsPerRequest)
          if (target.name === 'gateway') await countStored(round, loadgen, runs)
        }
      }
    }

    const correctness = js ? await checkCorrectness(running, js, acked, streamDeltas, options) : undefined
    const summary = summarize(results, options)
    for (const [loadgen, r] of Object.entries(summary)) log(`${loadgen}: ${goalsLine(r as Summary)}`)
    const costs = profiling.summary()
    for (const [name, list] of Object.entries(costs ?? {}))
      log(
        `${name}: top costs per request: ${list
          .slice(0, 5)
          .map((c) => `${c.cost} ${c.usPerRequest} µs (${Math.round(c.share * 100)}%)`)
          .join('; ')}`,
      )
    if (costs) log(`profiles (one per measured run) kept in ${profileDir}`)
    const report = {
      benchmark: 'bench/gateway',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machineInfo(),
      options: {
        connections: options.connections,
        durationS: options.durationS,
        warmupS: options.warmupS,
        rounds: options.rounds,
        targets: options.targets,
        loadgens: options.loadgens,
        wrkThreads: options.threads,
        stations: options.stations,
        pin: options.pin,
        serverCpus: serverCpus ?? 'any',
        loadgenCpus: loadgenCpus ?? 'any',
        nats: options.natsUrl ?? 'private nats-server started by the bench (JetStream, file store)',
        busNamespace: namespace || null,
        gatewayEnv: options.gatewayEnv,
        cpuProfiles: options.cpuProfDir ?? null,
        gatewayProcesses: options.gatewayProcesses,
        paired: options.paired,
      },
      results: summary,
      correctness,
      // --profile: per target, each named cost's median µs per request over the rounds (sampling adds a few %)
      costsPerRequest: costs,
      // what gateway-traced exported: proof that tracing was on, not just configured
      otlpReceived: otlpSink?.received() ?? null,
    }
    const json = JSON.stringify(report, null, 2)
    const outDir = options.outDir ?? join(REPO_ROOT, 'bench/results')
    mkdirSync(outDir, { recursive: true })
    const file = join(outDir, `gateway-${stamp}.json`)
    writeFileSync(file, `${json}\n`)
    process.stdout.write(`${json}\n`)
    log(`report written to ${file}`)
    return correctness && !correctness.ok ? 1 : 0
  } catch (err) {
    failed = true
    if (interrupted) return 130
    log(`FAILED: ${(err as Error).stack ?? err}`)
    for (const r of running) log(`--- ${r.target.name} (last output) ---\n${r.proc.tail()}`)
    return 1
  } finally {
    await cleanup()
  }
}

/** Messages stored during one round's load on the gateway (warm-up + measured run) vs 2xx the client saw. */
interface StreamDelta {
  run: string
  clientRuns: number
  acked: number
  stored: number
}

interface Snapshot {
  at: bigint
  server: number
  nats: number
  machine: { busy: number; total: number }
}

function snapshot(serverPid: number, natsPids: number[]): Snapshot {
  return {
    at: process.hrtime.bigint(),
    server: treeCpuTicks(serverPid),
    nats: natsPids.reduce((a, p) => a + treeCpuTicks(p), 0),
    machine: machineTicks(),
  }
}

/** `measured.cpuS`: CPU of the other targets run at the same time (--paired), left out of `otherCores`. */
function measure(round: number, r: LoadResult, a: Snapshot, b: Snapshot, measured = { cpuS: 0 }): Measured {
  const wallS = Number(b.at - a.at) / 1e9
  const serverS = (b.server - a.server) / CLK_TCK
  const natsS = (b.nats - a.nats) / CLK_TCK
  const busyS = (b.machine.busy - a.machine.busy) / CLK_TCK - measured.cpuS
  const perReq = (s: number) => (r.requests > 0 ? (s * 1e6) / r.requests : 0)
  return {
    round,
    ...r,
    wallS: round3(wallS),
    serverCores: round3(serverS / wallS),
    serverCpuUsPerRequest: round3(perReq(serverS)),
    natsCores: round3(natsS / wallS),
    natsCpuUsPerRequest: round3(perReq(natsS)),
    loadgenCores: round3(r.loadgenCpuS / wallS),
    loadgenCpuUsPerRequest: round3(perReq(r.loadgenCpuS)),
    otherCores: round3(Math.max(0, busyS - serverS - natsS - r.loadgenCpuS) / wallS),
  }
}

function assertAlive(p: Started) {
  if (p.child.exitCode !== null || p.child.signalCode !== null)
    throw new Error(`${p.name} died during the run:\n${p.tail()}`)
}

const errorCount = (m: LoadResult) =>
  m.errors.connect + m.errors.read + m.errors.write + m.errors.timeout + m.errors.non2xx

/** BootNotification once per identity (accept-all registration), 16 at a time. Returns how many were Accepted. */
async function bootStations(target: Target, stations: number): Promise<number> {
  let next = 0
  let accepted = 0
  const worker = async () => {
    while (next < stations) {
      const id = stationId(ID_PREFIX, next++)
      const msg = bootNotification(target.url, id, `${newMsgIdPrefix()}000000000000`)
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': msg.contentType },
        body: msg.body,
      })
      const text = await res.text()
      if (res.status !== 200 || !/<(\w+:)?status>Accepted</.test(text))
        throw new Error(
          `BootNotification for ${id}: HTTP ${res.status}, expected Accepted:\n${text.slice(0, 1000)}`,
        )
      accepted++
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  return accepted
}

/** Sends each template once and checks the reply (200, SOAP reply element and RelatesTo). Returns the count. */
async function preflight(target: Target, stations: number): Promise<number> {
  let n = 0
  for (const t of target.templates) {
    const msgId = `${newMsgIdPrefix()}ff0000000000`
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': t.contentType },
      body: fill(t.body, stationId(ID_PREFIX, n % stations), msgId),
    })
    const text = await res.text()
    const element = `${t.name.charAt(0).toLowerCase()}${t.name.slice(1)}Response`
    const good =
      res.status === 200 &&
      (!target.soap || (text.includes(element) && text.includes(msgId) && !text.includes('Fault>')))
    if (!good)
      throw new Error(`${target.name} preflight ${t.name}: HTTP ${res.status}\n${text.slice(0, 1500)}`)
    n++
  }
  log(`${target.name}: preflight ok (${n} request kinds)`)
  return n
}

async function checkCorrectness(
  running: Running[],
  js: JetStreamView,
  acked: { boot: number; preflight: number; load: number },
  runs: StreamDelta[],
  options: Options,
) {
  const gateway = running.find((r) => r.target.name === 'gateway')
  if (!gateway) return undefined
  await sleep(300)
  const streams = await js.counts()
  // only OCPP_IN holds the answered requests; `streams` (all of them) is reported for information
  const stored = streams[js.ocppIn] ?? 0
  const storedBytes = (await js.bytes())[js.ocppIn] ?? 0
  const clientAcked = acked.boot + acked.preflight + acked.load
  const metrics = await gatewayMetrics(gateway.target)
  // A client run can stop with up to `connections` requests in flight: stored and answered, never seen by it.
  const runsOk = runs.every(
    (r) => r.stored >= r.acked && r.stored - r.acked <= options.connections * r.clientRuns,
  )
  // "acknowledged" = the gateway answered a request as new (it counts right before the 200, after the PubAck)
  // with several gateway processes /metrics shows whichever worker answered: only client-side bounds apply
  const single = options.gatewayProcesses === 1
  const ackedEqualsStored = metrics.answered === stored
  const ok = (!single || (ackedEqualsStored && metrics.http2xx <= stored)) && stored >= clientAcked && runsOk
  return {
    ok,
    note:
      'gatewayAnswered (ocpp_gateway_requests_total outcome=answered: answered as new after the PubAck) must equal ' +
      'storedInStreams (messages in the OCPP_IN stream; the other streams are listed, not counted). ' +
      'gatewayAcked2xx (http_request_duration_seconds_count, 2xx, /ocpp routes) and clientAcked ' +
      '(2xx the load generators received) may be lower by requests in flight when a run stopped: Fastify records ' +
      'no onResponse for a connection the client closed, and the client never sees those replies (checked per ' +
      'round: 0 <= stored - acked <= connections x client runs).',
    storedInStreams: stored,
    averageStoredMessageBytes: stored > 0 ? Math.round(storedBytes / stored) : 0,
    gatewayCounters: single ? 'all' : 'one worker only (not compared)',
    gatewayAcked2xx: metrics.http2xx,
    gatewayAnswered: metrics.answered,
    gatewayDuplicates: metrics.duplicate,
    gatewayFaults: metrics.fault,
    clientAcked,
    clientAckedParts: acked,
    streams,
    perRun: runs,
  }
}

/** Counters from the gateway's /metrics: 2xx on the /ocpp routes, and requests by outcome. */
async function gatewayMetrics(target: Target) {
  const res = await fetch(new URL('/metrics', target.url))
  if (!res.ok) throw new Error(`gateway /metrics: HTTP ${res.status}`)
  const out = { http2xx: 0, answered: 0, duplicate: 0, fault: 0 }
  for (const line of (await res.text()).split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (line.startsWith('http_request_duration_seconds_count{')) {
      if (/route="\/ocpp[^"]*"/.test(line) && /status_code="2\d\d"/.test(line)) out.http2xx += value
    } else if (line.startsWith('ocpp_gateway_requests_total{')) {
      const outcome = /outcome="(\w+)"/.exec(line)?.[1]
      if (outcome === 'answered' || outcome === 'duplicate' || outcome === 'fault') out[outcome] += value
    }
  }
  return out
}

function summarize(results: Record<string, Record<string, Measured[]>>, options: Options) {
  const out: Record<string, unknown> = {}
  for (const [loadgen, byTarget] of Object.entries(results)) {
    const medians: Record<string, unknown> = {}
    for (const [name, runs] of Object.entries(byTarget)) {
      medians[name] = {
        rps: Math.round(median(runs.map((r) => r.rps))),
        p50Ms: round3(median(runs.map((r) => r.latencyMs.p50))),
        p99Ms: round3(median(runs.map((r) => r.latencyMs.p99))),
        errors: runs.reduce((a, r) => a + errorCount(r), 0),
        serverCpuUsPerRequest: round3(median(runs.map((r) => r.serverCpuUsPerRequest))),
        serverCores: round3(median(runs.map((r) => r.serverCores))),
        natsCores: round3(median(runs.map((r) => r.natsCores))),
        natsCpuUsPerRequest: round3(median(runs.map((r) => r.natsCpuUsPerRequest))),
        loadgenCores: round3(median(runs.map((r) => r.loadgenCores))),
        loadgenCpuUsPerRequest: round3(median(runs.map((r) => r.loadgenCpuUsPerRequest))),
        otherCores: round3(median(runs.map((r) => r.otherCores))),
      }
    }
    const perRound = (a: TargetName, b: TargetName, figure: (m: Measured) => number = (m) => m.rps) => {
      const x = byTarget[a]
      const y = byTarget[b]
      if (!x || !y) return undefined
      const ratios = x.map((r, i) => round3(figure(r) / (y[i] ? figure(y[i]) : Number.NaN)))
      return { perRound: ratios, median: round3(median(ratios)) }
    }
    const gatewayOverFastify = perRound('gateway', 'fastify')
    const gatewayOverSoap = perRound('gateway', 'soap')
    const soapOverFastify = perRound('soap', 'fastify')
    const floorOverFastify = perRound('floor', 'fastify')
    const gatewayOverFloor = perRound('gateway', 'floor')
    const gatewayCpuOverFloor = perRound('gateway', 'floor', (m) => m.serverCpuUsPerRequest)
    const tracedOverGateway = perRound('gateway-traced', 'gateway')
    const tracedCpuOverGateway = perRound('gateway-traced', 'gateway', (m) => m.serverCpuUsPerRequest)
    const gatewayP99 = (medians.gateway as { p99Ms: number } | undefined)?.p99Ms
    const floorMedians = medians.floor as { p99Ms: number; natsCpuUsPerRequest: number } | undefined
    out[loadgen] = {
      medians,
      ratios: {
        gatewayOverFastify,
        gatewayOverSoap,
        soapOverFastify,
        floorOverFastify,
        gatewayOverFloor,
        // server CPU per request, gateway / floor, per round
        gatewayCpuOverFloor,
        tracedOverGateway,
        // server CPU per request, traced / untraced, per round: the tracing goal's measure
        tracedCpuOverGateway,
      },
      goals: {
        ...GOALS,
        connections: options.connections,
        gatewayOverFloorMet: gatewayOverFloor ? gatewayOverFloor.median >= GOALS.gatewayOverFloor : null,
        gatewayOverSoapMet: gatewayOverSoap ? gatewayOverSoap.median >= GOALS.gatewayOverSoap : null,
        gatewayCpuOverFloorMet: gatewayCpuOverFloor
          ? gatewayCpuOverFloor.median <= GOALS.gatewayCpuOverFloor
          : null,
        floorOverFastifyMet: floorOverFastify ? floorOverFastify.median >= GOALS.floorOverFastify : null,
        gatewayP99Met: gatewayP99 === undefined ? null : gatewayP99 <= GOALS.gatewayP99Ms,
        // tracing on at the default sampling costs at most 10% of the gateway: server CPU per request
        tracedCpuOverGatewayMet: tracedCpuOverGateway
          ? tracedCpuOverGateway.median <= GOALS.tracedCpuOverGateway
          : null,
      },
      // What the floor says of the goals, same rounds: the gateway does the floor's work and more, so it cannot
      // serve more than the floor (gateway/soap <= floor/soap); the floor's p99 is the durable publish's alone
      bounds: {
        gatewayOverSoapAtMost: perRound('floor', 'soap'),
        floorP99Ms: floorMedians?.p99Ms ?? null,
        natsCpuUsPerStoredMessage: floorMedians?.natsCpuUsPerRequest ?? null,
      },
      rounds: Object.fromEntries(
        Object.entries(byTarget).map(([name, runs]) => [name, runs.map((r) => roundFigures(r))]),
      ),
    }
  }
  return out
}

/** The parts of one load generator's summary that the goals line reads. */
interface Summary {
  medians: Record<string, { p99Ms: number } | undefined>
  ratios: Record<string, { median: number } | undefined>
  goals: Record<string, unknown>
  bounds: {
    gatewayOverSoapAtMost: { median: number } | undefined
    floorP99Ms: number | null
    natsCpuUsPerStoredMessage: number | null
  }
}

/** One line of the goals: each ratio's median, its goal and whether it is met. */
function goalsLine(r: Summary): string {
  const parts: string[] = []
  for (const [name, goal] of Object.entries(GOALS)) {
    const met = r.goals[`${name}Met`]
    if (met === null || met === undefined) continue
    const value = name === 'gatewayP99Ms' ? r.medians.gateway?.p99Ms : r.ratios[name]?.median
    parts.push(`${name} ${value} (goal ${goal}: ${met ? 'met' : 'not met'})`)
  }
  const { gatewayOverSoapAtMost, floorP99Ms, natsCpuUsPerStoredMessage } = r.bounds
  if (gatewayOverSoapAtMost)
    parts.push(
      `from the floor: gatewayOverSoap <= ${gatewayOverSoapAtMost.median}, floor p99 ${floorP99Ms} ms, nats-server ${natsCpuUsPerStoredMessage} µs CPU per stored message`,
    )
  return parts.join('; ')
}

function roundFigures(m: Measured) {
  const { msgIdPrefix: _, ...rest } = m
  return {
    ...rest,
    rps: Math.round(m.rps),
    durationS: round3(m.durationS),
    latencyMs: Object.fromEntries(Object.entries(m.latencyMs).map(([k, v]) => [k, round3(v)])),
  }
}

function machineInfo() {
  const cpus = os.cpus()
  // first output line, whatever the exit status (`wrk -v` exits 1)
  const version = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' })
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() || undefined
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    wrk: version('wrk', ['-v']),
    natsServer: version('nats-server', ['--version']),
    loadAvgAtStart: os.loadavg().map(round3),
    note: 'load generator and servers share this machine',
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000

process.exitCode = await main()
