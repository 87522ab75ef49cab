/**
 * `pnpm start`: every service under services/ as a native process, with one readable,
 * prefixed log stream. First it runs `pnpm deps:up` (idempotent, under a second when all is up) so Postgres,
 * pgbouncer, NATS and the migrations are there, or says in one line what is missing (START_DEPS_UP=0 skips it).
 * Ctrl-C (or SIGTERM) is forwarded to every service, once, and they shut down gracefully (exit 0).
 * Each service's HTTP port comes from `<SERVICE>_PORT` (API_PORT, OCPP_GATEWAY_PORT, ...), else its default.
 * `--replicas ocpp-gateway=2,ingest=2` (or START_REPLICAS) runs N processes of a service: replica n listens on the
 * service's port + n - 1 (3100 and 3101 for two gateways); they share NATS and Postgres (docs/operations.md).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { prettyFactory } from 'pino-pretty'

const root = join(import.meta.dirname, '..')
/** Replicas only where a second process can run beside the first: ftp-ingest's FTP ports are fixed. */
const SINGLE = new Set(['ftp-ingest'])
const MAX_REPLICAS = 8

function fail(message: string): never {
  console.error(`start: ${message}`)
  process.exit(1)
}

const { positionals: only, values: flags } = (() => {
  try {
    return parseArgs({ options: { replicas: { type: 'string' } }, allowPositionals: true })
  } catch (err) {
    return fail(`${(err as Error).message} (usage: pnpm start [service ...] [--replicas service=N,...])`)
  }
})()
const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'src', 'main.ts')))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort()

if (services.length === 0) fail(`no service to start${only.length ? ` (asked for ${only.join(', ')})` : ''}`)

/** `ocpp-gateway=2,ingest=2` -> how many processes of each service (1 unless named). */
function parseReplicas(spec: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const part of spec.split(',').filter((p) => p.trim() !== '')) {
    const [name = '', count = ''] = part.trim().split('=')
    const n = Number(count)
    if (!/^\d+$/.test(count) || n < 1 || n > MAX_REPLICAS)
      fail(`--replicas ${part}: the count must be an integer from 1 to ${MAX_REPLICAS}`)
    if (!services.includes(name)) fail(`--replicas ${part}: ${name} is not a service being started`)
    if (SINGLE.has(name) && n > 1) fail(`--replicas ${part}: ${name} runs once (its FTP ports are fixed)`)
    counts.set(name, n)
  }
  return counts
}

const replicas = parseReplicas(flags.replicas ?? process.env.START_REPLICAS ?? '')

/** One process to run: replica `index` (0-based) of `service`, named `service` or `service.2` in the log. */
interface Instance {
  service: string
  index: number
  name: string
}

const instances: Instance[] = services.flatMap((service) => {
  const n = replicas.get(service) ?? 1
  return Array.from({ length: n }, (_, index) => ({
    service,
    index,
    name: n === 1 ? service : `${service}.${index + 1}`,
  }))
})

ensureDependencies()

/** `scripts/deps-up.sh`, its chatter kept to one line: ready, or what is missing and how to fix it. */
function ensureDependencies(): void {
  if (process.env.START_DEPS_UP === '0') return
  const run = spawnSync('bash', [join(root, 'scripts', 'deps-up.sh')], { cwd: root, encoding: 'utf8' })
  const lines = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.split('\n').filter((l) => l.trim() !== '')
  if (run.status === 0) {
    console.log(`start: dependencies up (${lines.at(-1)?.replace(/^deps:up: /, '') ?? 'deps:up'})`)
    return
  }
  const why =
    (run.stderr ?? '')
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^deps:up: /, '') || run.error?.message
  console.error(
    `start: dependencies are not up: ${why ?? 'deps:up failed'}; fix that and run pnpm start again (pnpm deps:up checks them alone)`,
  )
  process.exit(1)
}

const width = Math.max(...instances.map((i) => i.name.length))
const colours = [36, 35, 33, 32, 34, 91]
const pretty = prettyFactory({
  colorize: process.stdout.isTTY,
  ignore: 'pid,hostname,service',
  translateTime: 'HH:MM:ss.l',
})

function pipeLines(name: string, child: ChildProcess, colour: number): void {
  const prefix = process.stdout.isTTY
    ? `\x1b[${colour}m${name.padEnd(width)}\x1b[0m |`
    : `${name.padEnd(width)} |`
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue
    createInterface({ input: stream }).on('line', (line) => {
      // pino lines are pretty-printed; anything else (a crash before the logger exists) is shown as is
      const text = line.startsWith('{') ? pretty(line).trimEnd() : line
      process.stdout.write(`${prefix} ${text}\n`)
      const listening = /Server listening at ([^\s"]+)/.exec(line)?.[1]
      if (listening !== undefined) noteListening(name, listening)
    })
  }
}

const children = new Map<string, ChildProcess>()
let stopping = false
const addresses = new Map<string, string>()

/** Once every process listens (Fastify's info line), one line saying where to look. */
function noteListening(name: string, address: string): void {
  addresses.set(name, address)
  if (addresses.size !== instances.length) return
  const of = (service: string) =>
    instances.filter((i) => i.service === service).map((i) => addresses.get(i.name) ?? '')
  const api = of('api')[0]
  const gateways = of('ocpp-gateway').map((a) => `${a}/ocpp/1.6`)
  const where = [
    api !== undefined ? `API docs ${api}/docs (key dev-admin-key in development)` : '',
    gateways.length ? `stations: ${gateways.join(' ')}` : '',
  ].filter((part) => part !== '')
  // Several gateways: the simulator spreads its stations over them, as a load balancer would.
  const fleet = `pnpm chargebus simulate --stations 10 --profile burst${gateways.length > 1 ? ` --url ${gateways.join(',')}` : ''}`
  const processes = instances.length > services.length ? ` (${instances.length} processes)` : ''
  console.log(
    `start: ${services.length} services up${processes}${where.length ? `; ${where.join('; ')}` : ''}; a fleet that charges: ${fleet}; Ctrl-C stops`,
  )
}

/** API_PORT for api, OCPP_GATEWAY_PORT for ocpp-gateway: one PORT cannot serve six services. */
function portVariableOf(service: string): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_PORT`
}

function serviceEnv({ service, index }: Instance): NodeJS.ProcessEnv {
  const { PORT: _shared, START_REPLICAS: _replicas, ...env } = process.env
  const variable = portVariableOf(service)
  const port = process.env[variable]
  return {
    ...env,
    ...(port ? { PORT: port } : {}),
    CHARGEBUS_PORT_VARIABLE: variable,
    // the service adds it to its port, whose default only it knows
    ...(index > 0 ? { CHARGEBUS_PORT_OFFSET: String(index) } : {}),
  }
}

instances.forEach((instance, i) => {
  const { name } = instance
  const child = spawn(process.execPath, [join(root, 'services', instance.service, 'src', 'main.ts')], {
    cwd: root,
    env: serviceEnv(instance),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only this script, which forwards one SIGTERM.
    // Sharing the group, each service got SIGINT from the terminal and SIGTERM from here: "second signal", exit 1.
    detached: true,
  })
  children.set(name, child)
  pipeLines(name, child, colours[i % colours.length] ?? 36)
  child.on('exit', (code, signal) => {
    children.delete(name)
    process.stdout.write(`${name.padEnd(width)} | exited (${signal ?? code})\n`)
    // one service dying takes the stack down: a half-running stack hides failures
    if (!stopping) stop(code === 0 ? 1 : (code ?? 1))
    if (children.size === 0) process.exit(process.exitCode ?? 0)
  })
})

function stop(exitCode: number): void {
  // pnpm forwards the terminal's SIGINT too: a repeated signal must not reach the services twice.
  if (stopping) return
  stopping = true
  process.exitCode = exitCode
  for (const child of children.values()) child.kill('SIGTERM')
}

process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))
// The services no longer share our process group: never leave them behind if this script dies.
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGTERM')
})
