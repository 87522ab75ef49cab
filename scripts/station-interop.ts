/**
 * `pnpm interop`: proves the gateway against a station nobody here wrote. Starts the gateway the
 * way a user does (`pnpm start ocpp-gateway`) in its own bus namespace, seeds an id tag with the
 * CLI, then runs the scenarios of the independent station in ../shared/tools/ocpp-station (zeep,
 * built from the official OCA WSDLs, checking every reply against the official schema and
 * WS-Addressing). Prints one line per scenario and `interop: N passed, N failed`; exits 1 on any
 * failure. Needs Debian's python3-zeep and python3-lxml.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { connectBus } from '@chargebus/bus'
import { pino } from 'pino'

const root = join(import.meta.dirname, '..')
const stationDir = process.env.OCPP_STATION_DIR ?? join(root, '..', 'shared', 'tools', 'ocpp-station')
const python = '/usr/bin/python3'
const port = Number(process.env.INTEROP_PORT ?? 3100)
const namespace = `interop${Date.now().toString(36)}`
const tag = 'INTEROP-TAG-1'
const base = `http://127.0.0.1:${port}`

interface Scenario {
  name: string
  args: string[]
}

const scenarios: Scenario[] = [
  { name: '1.6 boot', args: ['--id', 'IOP-BOOT', 'scenario', 'boot'] },
  { name: '1.6 heartbeat', args: ['--id', 'IOP-HB', 'scenario', 'heartbeat'] },
  { name: '1.6 session', args: ['--id', 'IOP-SES', '--id-tag', tag, 'scenario', 'session'] },
  { name: '1.6 auth-unknown', args: ['--id', 'IOP-AUTH', 'scenario', 'auth-unknown'] },
  { name: '1.6 burst 200', args: ['--id', 'IOP-BURST', '--id-tag', tag, 'scenario', 'burst', '200'] },
  {
    name: '1.5 session',
    args: [
      '--ocpp',
      '1.5',
      '--url',
      `${base}/ocpp/1.5`,
      '--id',
      'IOP-15',
      '--id-tag',
      tag,
      'scenario',
      'session',
    ],
  },
]

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
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

async function waitReady(gateway: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (gateway.exitCode !== null)
      throw new Error(`gateway exited with ${gateway.exitCode} before it was ready`)
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`gateway not ready on ${base}/readyz after ${timeoutMs} ms`)
}

async function main(): Promise<number> {
  if (!existsSync(join(stationDir, 'station.py'))) {
    console.error(`interop: no station at ${stationDir} (set OCPP_STATION_DIR)`)
    return 1
  }
  if ((await run(python, ['-c', 'import zeep, lxml'])).code !== 0) {
    console.error('interop: /usr/bin/python3 lacks zeep/lxml: apt-get install -y python3-zeep python3-lxml')
    return 1
  }
  const env = { ...process.env, BUS_NAMESPACE: namespace, PORT: String(port), LOG_LEVEL: 'warn' }
  const gateway = spawn(process.execPath, [join(root, 'scripts', 'start.ts'), 'ocpp-gateway'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  try {
    await waitReady(gateway, 30_000)
    const seeded = await run(process.execPath, [
      join(root, 'packages', 'cli', 'src', 'main.ts'),
      'id-tags',
      'add',
      tag,
      '--namespace',
      namespace,
    ])
    if (seeded.code !== 0) throw new Error(`seeding the id tag failed: ${seeded.stderr.trim()}`)

    let failed = 0
    for (const s of scenarios) {
      const args = s.args.includes('--url') ? s.args : ['--url', `${base}/ocpp/1.6`, ...s.args]
      const started = Date.now()
      const r = await run(python, ['station.py', ...args], { cwd: stationDir })
      const summary = r.stdout.trim().split('\n').at(-1) ?? ''
      const ok = r.code === 0
      if (!ok) failed++
      console.log(`${ok ? 'PASS' : 'FAIL'} ${s.name} (${Date.now() - started} ms) ${summary}`)
      if (!ok) console.log(r.stderr.trim().split('\n').slice(-15).join('\n'))
    }
    console.log(`interop: ${scenarios.length - failed} passed, ${failed} failed`)
    return failed === 0 ? 0 : 1
  } finally {
    gateway.kill('SIGTERM')
    await new Promise((r) => gateway.once('exit', r))
    const bus = await connectBus({
      servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'interop-cleanup',
      namespace,
      logger: pino({ level: 'silent' }),
    })
    await bus.deleteNamespace()
    await bus.close()
  }
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`interop: ${err instanceof Error ? err.message : String(err)}`)
  return 1
})
