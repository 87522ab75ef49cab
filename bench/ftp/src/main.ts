/**
 * FTP upload benchmark (not part of the test run): N concurrent `curl -T` uploads (100 by default) to the
 * Chargebus FTP edge (`node services/ftp-ingest/src/main.ts`, the production start) and, in the same run, to a
 * bare ftp-srv (`bare-ftp-srv.ts`). Each server is its own process, started fresh for every measurement, and its
 * memory is sampled from /proc (VmRSS every 50 ms, VmHWM at the end). Two file sizes (10 MB and 1 MB by
 * default) show whether the edge's peak memory grows with the file size. Every upload must end with 226 and be
 * stored whole; for the edge also recorded in ftp_files with its size and SHA-256 and announced on FTP.
 *
 * A third target, `bare-scrypt`, is the bare ftp-srv with the edge's password check per login and nothing else:
 * the upper bound of any edge that checks the stored scrypt hashes as the edge does, in the same run.
 *
 *   pnpm bench:ftp [--uploads 100] [--size-mb 10] [--small-size-mb 1] [--rounds 2] [--targets bare,edge,bare-scrypt]
 *                  [--passive-ports 200] [--client-dir /dev/shm] [--edge-env KEY=VALUE ...]
 *
 * Needs Linux (/proc), curl, Postgres (DATABASE_ADMIN_URL, direct) and pgbouncer (DATABASE_URL), NATS with
 * JetStream (NATS_URL). Progress goes to stderr; the JSON report to stdout and bench/results/ftp-<time>.json.
 * Exit 1 when an upload failed or is missing, 2 on bad flags.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { percentiles, round, roundedMedian } from '../../auth-flood/src/stats.ts'
import { REPO_ROOT } from '../../e2e/src/stack.ts'
import { CLK_TCK, machineTicks, treeCpuTicks } from '../../gateway/src/processes.ts'
import { type ClientFile, type UploadResult, uploadAll, writeClientFiles } from './clients.ts'
import { memoryOf, type RssSummary, sampleRss } from './rss.ts'
import { type RunningTarget, startBare, startEdge, type TargetName } from './targets.ts'

const MB = 1_000_000
/** The issue's goals: edge throughput against bare ftp-srv, and the edge's peak RSS at the large size against the small. */
const THROUGHPUT_GOAL = 0.7
const RSS_GROWTH_LIMIT = 1.25

const progress = (msg: string) => process.stderr.write(`[bench-ftp] ${msg}\n`)

function usage(problem: string): never {
  progress(problem)
  progress(
    'usage: pnpm bench:ftp [--uploads 100] [--size-mb 10] [--small-size-mb 1 (0: none)] [--rounds 2] ' +
      '[--targets bare,edge,bare-scrypt] [--passive-ports 2 x uploads] [--client-dir DIR]',
  )
  process.exit(2)
}

function parseFlags() {
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    values = parseArgs({
      options: {
        uploads: { type: 'string', default: '100' },
        'size-mb': { type: 'string', default: '10' },
        'small-size-mb': { type: 'string', default: '1' },
        rounds: { type: 'string', default: '2' },
        targets: { type: 'string', default: 'bare,edge,bare-scrypt' },
        'passive-ports': { type: 'string' },
        'client-dir': { type: 'string' },
        'edge-env': { type: 'string', multiple: true },
        help: { type: 'boolean', default: false },
      },
    }).values
  } catch (err) {
    usage((err as Error).message)
  }
  if (values.help) usage('FTP upload benchmark: the edge against a bare ftp-srv')
  const positive = (name: string, min = 1) => {
    const n = Number(values[name])
    if (!Number.isFinite(n) || n < min) usage(`--${name} must be a number >= ${min}`)
    return n
  }
  const uploads = Math.floor(positive('uploads'))
  const targets = String(values.targets).split(',') as TargetName[]
  if (targets.length === 0 || targets.some((t) => !['bare', 'bare-scrypt', 'edge'].includes(t)))
    usage('--targets takes bare, edge and bare-scrypt, comma-separated')
  const sizes = [positive('small-size-mb', 0), positive('size-mb', 0.001)].filter((s) => s > 0)
  const edgeEnv: Record<string, string> = {}
  for (const pair of (values['edge-env'] as string[] | undefined) ?? []) {
    const at = pair.indexOf('=')
    if (at < 1) usage(`--edge-env takes KEY=VALUE, not ${pair}`)
    edgeEnv[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return {
    uploads,
    edgeEnv,
    sizesMb: [...new Set(sizes)].sort((a, b) => a - b),
    largeMb: positive('size-mb', 0.001),
    rounds: Math.floor(positive('rounds')),
    targets,
    // Each transfer holds a passive port until it ends; ftp-srv tries 5 ports in turn for a new one, so the
    // range is twice the uploads at once by default (the edge's default 20 would make the rest wait or fail).
    passivePorts: values['passive-ports'] === undefined ? 2 * uploads : Math.floor(positive('passive-ports')),
    clientDir:
      (values['client-dir'] as string | undefined) ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir()),
  }
}

interface Measurement {
  round: number
  target: TargetName
  fileMb: number
  uploads: number
  confirmed: number
  failures: string[]
  missing: string[]
  wallS: number
  /** Starting the curl processes, before the clock started (not part of wallS). */
  spawnS: number
  throughputMBps: number
  filesPerS: number
  uploadMs: ReturnType<typeof percentiles>
  loginMs: ReturnType<typeof percentiles>
  transferMs: ReturnType<typeof percentiles>
  rss: RssSummary
  /** The server's user+system CPU while uploading (all its threads: the password checks too), in seconds. */
  serverCpuS: number
  /** The same per MB confirmed, in ms. */
  serverCpuMsPerMB: number
  /** Busy CPU of the whole machine while uploading, in cores (2 = both saturated). */
  machineBusyCores: number
}

/** A passive range of `count` ports, per target, away from the edge's default (30000-30019) and the tests' (40000+). */
function passiveRange(target: TargetName, count: number): { min: number; max: number } {
  const base = { bare: 31_000, 'bare-scrypt': 33_000, edge: 35_000 }[target]
  const min = base + Math.floor(Math.random() * 10) * 100
  return { min, max: min + count - 1 }
}

async function measure(
  roundNo: number,
  target: TargetName,
  fileMb: number,
  files: readonly ClientFile[],
  flags: ReturnType<typeof parseFlags>,
  workDir: string,
  settings: Partial<Record<TargetName, Record<string, string>>>,
): Promise<Measurement> {
  const range = passiveRange(target, flags.passivePorts)
  const options = {
    uploads: files.length,
    fileBytes: Math.round(fileMb * MB),
    passiveMin: range.min,
    passiveMax: range.max,
    workDir,
    edgeEnv: flags.edgeEnv,
  }
  const server: RunningTarget =
    target === 'edge' ? await startEdge(options) : await startBare(options, target === 'bare-scrypt')
  try {
    settings[target] = server.settings
    const label = `round ${roundNo} ${server.label} ${fileMb} MB`
    const rss = sampleRss(server.proc.pid)
    const cpuBefore = treeCpuTicks(server.proc.pid)
    const machineBefore = machineTicks()
    const step = Math.max(1, Math.round(files.length / 5))
    progress(
      `${label}: starting ${files.length} curl processes, then all at once (RSS ${memoryOf(server.proc.pid)?.rssMiB.toFixed(0)} MiB)`,
    )
    const { results, wallMs, spawnMs } = await uploadAll(server, files, (done) => {
      if (done % step === 0 || done === files.length)
        progress(
          `${label}: ${done}/${files.length} done, RSS ${memoryOf(server.proc.pid)?.rssMiB.toFixed(0)} MiB`,
        )
    })
    const memory = rss.stop()
    const serverCpuS = (treeCpuTicks(server.proc.pid) - cpuBefore) / CLK_TCK
    const machineAfter = machineTicks()
    const cores = os.cpus().length
    const machineBusyCores =
      (cores * (machineAfter.busy - machineBefore.busy)) /
      Math.max(1, machineAfter.total - machineBefore.total)
    const failed = results.filter((r) => r.exitCode !== 0 || r.responseCode !== 226)
    const confirmed = results.filter((r) => !failed.includes(r))
    const missing = await server.verify(confirmed)
    const bytes = confirmed.reduce((sum, r) => sum + r.file.size, 0)
    const m: Measurement = {
      round: roundNo,
      target,
      fileMb,
      uploads: files.length,
      confirmed: confirmed.length,
      failures: failed.map(describeFailure),
      missing,
      wallS: round(wallMs / 1000, 3),
      spawnS: round(spawnMs / 1000, 3),
      throughputMBps: round(bytes / MB / (wallMs / 1000)),
      filesPerS: round(confirmed.length / (wallMs / 1000)),
      uploadMs: percentiles(results.map((r) => r.totalMs)),
      loginMs: percentiles(results.map((r) => r.loginMs)),
      transferMs: percentiles(results.map((r) => r.transferMs)),
      serverCpuS: round(serverCpuS),
      serverCpuMsPerMB: round((1000 * serverCpuS) / Math.max(1, bytes / MB), 3),
      machineBusyCores: round(machineBusyCores),
      rss: {
        ...memory,
        peakSampledMiB: round(memory.peakSampledMiB, 1),
        startMiB: round(memory.startMiB, 1),
        hwmMiB: round(memory.hwmMiB, 1),
      },
    }
    progress(
      `${label}: ${m.throughputMBps} MB/s, ${m.filesPerS} files/s, upload p50 ${m.uploadMs.p50} ms p99 ${m.uploadMs.p99} ms ` +
        `(login p50 ${m.loginMs.p50} ms, data p50 ${m.transferMs.p50} ms), ` +
        `server CPU ${m.serverCpuS} s (machine ${m.machineBusyCores} cores busy), peak RSS ${m.rss.hwmMiB} MiB, ${m.failures.length} failed, ${m.missing.length} problems`,
    )
    for (const line of [...m.failures, ...m.missing].slice(0, 5)) progress(`  ${line}`)
    return m
  } finally {
    await server.stop()
  }
}

function describeFailure(r: UploadResult): string {
  return `${r.user} ${r.file.name}: curl exit ${r.exitCode}, reply ${r.responseCode}${r.stderr ? `: ${r.stderr}` : ''}`
}

function summarize(runs: Measurement[], flags: ReturnType<typeof parseFlags>) {
  const of = (target: TargetName, fileMb: number) =>
    runs.filter((r) => r.target === target && r.fileMb === fileMb)
  const bySize = flags.sizesMb.map((fileMb) => {
    const bare = of('bare', fileMb)
    const edge = of('edge', fileMb)
    const bareScrypt = of('bare-scrypt', fileMb)
    /** Per round: the target's throughput over bare's in the same round. */
    const overBare = (ms: Measurement[]) =>
      ms
        .map((e) => {
          const b = bare.find((x) => x.round === e.round)
          return b === undefined ? undefined : round(e.throughputMBps / b.throughputMBps, 3)
        })
        .filter((x) => x !== undefined)
    const ratios = overBare(edge)
    const scryptRatios = overBare(bareScrypt)
    const side = (ms: Measurement[]) =>
      ms.length === 0
        ? undefined
        : {
            throughputMBps: roundedMedian(ms.map((m) => m.throughputMBps)),
            filesPerS: roundedMedian(ms.map((m) => m.filesPerS)),
            uploadP50Ms: roundedMedian(ms.map((m) => m.uploadMs.p50)),
            uploadP99Ms: roundedMedian(ms.map((m) => m.uploadMs.p99)),
            peakRssMiB: Math.max(...ms.map((m) => m.rss.hwmMiB)),
          }
    return {
      fileMb,
      bare: side(bare),
      edge: side(edge),
      edgeOverBare: ratios,
      edgeOverBareMedian: ratios.length === 0 ? undefined : roundedMedian(ratios),
      ...(bareScrypt.length > 0 && {
        bareScrypt: side(bareScrypt),
        /** The upper bound of an edge that checks stored scrypt hashes: bare ftp-srv plus that check alone. */
        bareScryptOverBare: scryptRatios,
        bareScryptOverBareMedian: scryptRatios.length === 0 ? undefined : roundedMedian(scryptRatios),
      }),
    }
  })
  const large = bySize.find((s) => s.fileMb === flags.largeMb)
  const small = bySize.find((s) => s.fileMb !== flags.largeMb)
  const growth =
    large?.edge && small?.edge ? round(large.edge.peakRssMiB / small.edge.peakRssMiB, 3) : undefined
  return {
    bySize,
    goals: {
      throughput: {
        what: `edge / bare ftp-srv throughput at ${flags.largeMb} MB (median of the rounds)`,
        value: large?.edgeOverBareMedian,
        goal: `>= ${THROUGHPUT_GOAL}`,
        met:
          large?.edgeOverBareMedian === undefined ? undefined : large.edgeOverBareMedian >= THROUGHPUT_GOAL,
      },
      rssFlat: {
        what: `edge peak RSS (VmHWM) at ${flags.largeMb} MB / at ${small?.fileMb ?? '-'} MB`,
        value: growth,
        goal: `<= ${RSS_GROWTH_LIMIT} (memory does not follow the file size)`,
        met: growth === undefined ? undefined : growth <= RSS_GROWTH_LIMIT,
      },
    },
  }
}

async function main(): Promise<number> {
  const flags = parseFlags()
  const startedAt = new Date()
  const workDir = mkdtempSync(join(os.tmpdir(), 'chargebus-bench-ftp-'))
  const clientDir = mkdtempSync(join(flags.clientDir, 'chargebus-bench-ftp-clients-'))
  const runs: Measurement[] = []
  const settings: Partial<Record<TargetName, Record<string, string>>> = {}
  let ok = false
  try {
    const filesBySize = new Map<number, ClientFile[]>()
    for (const fileMb of flags.sizesMb) {
      progress(`writing ${flags.uploads} client files of ${fileMb} MB (random bytes) to ${clientDir}`)
      const dir = join(clientDir, `${fileMb}mb`)
      mkdirSync(dir)
      filesBySize.set(fileMb, await writeClientFiles(dir, flags.uploads, Math.round(fileMb * MB)))
    }
    for (let r = 1; r <= flags.rounds; r++)
      for (const fileMb of flags.sizesMb)
        for (const target of flags.targets)
          runs.push(await measure(r, target, fileMb, filesBySize.get(fileMb) ?? [], flags, workDir, settings))
    ok = runs.every((m) => m.failures.length === 0 && m.missing.length === 0)
  } finally {
    rmSync(clientDir, { recursive: true, force: true })
    if (ok || runs.length === 0) rmSync(workDir, { recursive: true, force: true })
    else progress(`server logs kept in ${workDir}`)
  }
  const cpus = os.cpus()
  const report = {
    bench: 'ftp',
    startedAt: startedAt.toISOString(),
    durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      kernel: os.release(),
      node: process.version,
      loadAvgAtStart: os.loadavg().map((l) => round(l)),
      note: 'curl clients, both servers, Postgres, pgbouncer and NATS share this machine (and other users)',
    },
    settings: {
      uploadsAtOnce: flags.uploads,
      sizesMb: flags.sizesMb,
      rounds: flags.rounds,
      passivePortsPerTarget: flags.passivePorts,
      clientFiles: flags.clientDir,
      client:
        'curl -T --ftp-pasv, one process per upload, all started first and released at once (the clock starts then); upload = curl time_total, login = time_pretransfer (connect, USER/PASS, EPSV), transfer = the rest (data and the final reply)',
      rssSampling:
        '/proc/<pid>/status VmRSS every 50 ms while uploading, VmHWM (peak since start) at the end',
      servers: settings,
    },
    correct: ok,
    summary: summarize(runs, flags),
    runs,
  }
  const text = JSON.stringify(report, null, 2)
  process.stdout.write(`${text}\n`)
  const resultsDir = join(REPO_ROOT, 'bench', 'results')
  mkdirSync(resultsDir, { recursive: true })
  const file = join(resultsDir, `ftp-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, text)
  progress(`report written to ${file}`)
  if (!ok) progress('FAILED: some uploads were not confirmed or not stored (see failures/missing)')
  return ok ? 0 : 1
}

process.exitCode = await main()
