/**
 * `pnpm start`: every service under services/ as a native process, with one readable,
 * prefixed log stream. First it runs `pnpm deps:up` (idempotent, under a second when all is up) so Postgres,
 * pgbouncer, NATS and the migrations are there, or says in one line what is missing (START_DEPS_UP=0 skips it).
 * Ctrl-C (or SIGTERM) is forwarded to every service, once, and they shut down gracefully (exit 0).
 * Each service's HTTP port comes from `<SERVICE>_PORT` (API_PORT, OCPP_GATEWAY_PORT, ...), else its default.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { prettyFactory } from 'pino-pretty'

const root = join(import.meta.dirname, '..')
const only = process.argv.slice(2)
const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'src', 'main.ts')))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort()

if (services.length === 0) {
  console.error(`start: no service to start${only.length ? ` (asked for ${only.join(', ')})` : ''}`)
  process.exit(1)
}

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

const width = Math.max(...services.map((s) => s.length))
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

/** Once every service listens (Fastify's info line), one line saying where to look. */
function noteListening(name: string, address: string): void {
  addresses.set(name, address)
  if (addresses.size !== services.length) return
  const where = [
    addresses.has('api') ? `API docs ${addresses.get('api')}/docs (key dev-admin-key in development)` : '',
    addresses.has('ocpp-gateway') ? `stations: ${addresses.get('ocpp-gateway')}/ocpp/1.6` : '',
  ].filter((part) => part !== '')
  console.log(
    `start: ${services.length} services up${where.length ? `; ${where.join('; ')}` : ''}; a fleet that charges: pnpm chargebus simulate --stations 10 --profile burst; Ctrl-C stops`,
  )
}

/** API_PORT for api, OCPP_GATEWAY_PORT for ocpp-gateway: one PORT cannot serve six services. */
function portVariableOf(service: string): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_PORT`
}

function serviceEnv(name: string): NodeJS.ProcessEnv {
  const { PORT: _shared, ...env } = process.env
  const variable = portVariableOf(name)
  const port = process.env[variable]
  return { ...env, ...(port ? { PORT: port } : {}), CHARGEBUS_PORT_VARIABLE: variable }
}

services.forEach((name, i) => {
  const child = spawn(process.execPath, [join(root, 'services', name, 'src', 'main.ts')], {
    cwd: root,
    env: serviceEnv(name),
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
