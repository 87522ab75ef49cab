import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { connectBus } from '@chargebus/bus'
import { pino } from 'pino'
import { freeConsecutivePorts, freePort } from '../support/cp-server.ts'
import { NATS_URL, uniqueNamespace } from '../support/nats.ts'

/*
 * `pnpm start` (scripts/start.ts) as a terminal runs it: in a process group of its own, where Ctrl-C sends
 * SIGINT to the whole group. The services must get one signal and stop with 0; a busy port is one line.
 */

const START = join(import.meta.dirname, '..', '..', 'scripts', 'start.ts')
const SLOW = 60_000
const namespaces: string[] = []

// the stacks' streams and KV buckets on the shared nats-server go with the run
afterAll(async () => {
  for (const namespace of namespaces) {
    const bus = await connectBus({
      servers: NATS_URL,
      name: 'start-test',
      namespace,
      logger: pino({ level: 'silent' }),
    })
    await bus.deleteNamespace()
    await bus.close()
  }
}, SLOW)

function runStart(services: string[], env: Record<string, string>) {
  const namespace = uniqueNamespace('start')
  namespaces.push(namespace)
  const child = spawn(process.execPath, [START, ...services], {
    // START_DEPS_UP=0: deps:up would migrate the developer's `chargebus` database; the run's own one is ready
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      BUS_NAMESPACE: namespace,
      START_DEPS_UP: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (b: Buffer) => (output += b.toString()))
  child.stderr.on('data', (b: Buffer) => (output += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, exited, output: () => output }
}

async function until(run: ReturnType<typeof runStart>, check: () => boolean): Promise<void> {
  const deadline = performance.now() + 40_000
  while (!check()) {
    if (performance.now() > deadline || run.child.exitCode !== null)
      throw new Error(`start did not get there (exit ${run.child.exitCode}):\n${run.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test(
  'Ctrl-C (SIGINT to the process group, and again from pnpm) stops gateway and api once each, exit 0',
  async () => {
    const [gatewayPort, apiPort] = [await freePort(), await freePort()]
    const run = runStart(['ocpp-gateway', 'api'], {
      OCPP_GATEWAY_PORT: String(gatewayPort),
      API_PORT: String(apiPort),
    })
    try {
      await until(run, () => run.output().includes('start: 2 services up'))
      expect(run.output()).toContain(
        `start: 2 services up; API docs http://127.0.0.1:${apiPort}/docs (key dev-admin-key in development); stations: http://127.0.0.1:${gatewayPort}/ocpp/1.6;`,
      )
      process.kill(-(run.child.pid as number), 'SIGINT')
      // pnpm forwards the terminal's SIGINT to its script as well: the services must still get one signal
      run.child.kill('SIGINT')
      expect(await run.exited).toBe(0)
      expect(run.output()).toMatch(/ocpp-gateway \| exited \(0\)/)
      expect(run.output()).toMatch(/api\s+\| exited \(0\)/)
      expect(run.output()).not.toContain('second signal')
    } finally {
      if (run.child.exitCode === null) process.kill(-(run.child.pid as number), 'SIGKILL')
    }
  },
  SLOW,
)

test(
  'a busy port: one line naming the service and its variable, exit 1',
  async () => {
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const port = (holder.address() as { port: number }).port
    try {
      const run = runStart(['api'], { API_PORT: String(port) })
      expect(await run.exited).toBe(1)
      const lines = run.output().split('\n')
      expect(lines.filter((l) => l.includes('in use'))).toEqual([
        expect.stringMatching(
          new RegExp(`^api \\| .*FATAL.*cannot listen: port ${port} is in use; set API_PORT to a free port$`),
        ),
      ])
      expect(run.output()).not.toMatch(/\n\s+at /)
    } finally {
      holder.close()
    }
  },
  SLOW,
)

test(
  'dependencies that cannot be brought up: one line saying what is missing and what to run, exit 1, no service',
  async () => {
    // a remote Postgres that does not answer (TEST-NET-1): deps:up cannot start it, so it stops at once
    const run = runStart(['api'], { START_DEPS_UP: '1', POSTGRES_HOST: '192.0.2.1' })
    expect(await run.exited).toBe(1)
    expect(run.output()).toBe(
      'start: dependencies are not up: postgres is not answering on 192.0.2.1:5432 (a remote host: start it there); fix that and run pnpm start again (pnpm deps:up checks them alone)\n',
    )
  },
  SLOW,
)

test(
  '--replicas runs N processes of a service on consecutive ports, named service.n; Ctrl-C stops them all',
  async () => {
    // two replicas each: four consecutive ports, none of them an ephemeral one
    const gatewayPort = await freeConsecutivePorts(4)
    const ingestPort = gatewayPort + 2
    const run = runStart(['ocpp-gateway', 'ingest', '--replicas', 'ocpp-gateway=2,ingest=2'], {
      OCPP_GATEWAY_PORT: String(gatewayPort),
      INGEST_PORT: String(ingestPort),
    })
    try {
      await until(run, () => run.output().includes('start: 2 services up'))
      const gateways = [gatewayPort, gatewayPort + 1].map((p) => `http://127.0.0.1:${p}/ocpp/1.6`)
      expect(run.output()).toContain(
        `start: 2 services up (4 processes); stations: ${gateways.join(' ')}; a fleet that charges: pnpm chargebus simulate --stations 10 --profile burst --url ${gateways.join(',')};`,
      )
      for (const port of [gatewayPort, gatewayPort + 1, ingestPort, ingestPort + 1])
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
      process.kill(-(run.child.pid as number), 'SIGINT')
      expect(await run.exited).toBe(0)
      for (const name of ['ocpp-gateway.1', 'ocpp-gateway.2', 'ingest.1', 'ingest.2'])
        expect(run.output()).toMatch(new RegExp(`${name.replace('.', '\\.')}\\s* \\| exited \\(0\\)`))
    } finally {
      if (run.child.exitCode === null) process.kill(-(run.child.pid as number), 'SIGKILL')
    }
  },
  SLOW,
)

test.each([
  ['ingest=0', 'start: --replicas ingest=0: the count must be an integer from 1 to 8'],
  ['api=2', 'start: --replicas api=2: api is not a service being started'],
  ['ftp-ingest=2', 'start: --replicas ftp-ingest=2: ftp-ingest runs once (its FTP ports are fixed)'],
])(
  '--replicas %s is refused in one line before anything starts, exit 1',
  async (spec, line) => {
    const services = spec.startsWith('ftp') ? ['ftp-ingest'] : ['ingest']
    const run = runStart([...services, '--replicas', spec], {})
    try {
      expect(await run.exited).toBe(1)
      expect(run.output()).toBe(`${line}\n`)
    } finally {
      if (run.child.exitCode === null) process.kill(-(run.child.pid as number), 'SIGKILL')
    }
  },
  20_000,
)
