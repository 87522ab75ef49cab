import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { streamLimitVariables } from '@chargebus/bus'
import { allStreams } from '@chargebus/events'
import { freePort } from './cp-server.ts'

const REPO_ROOT = join(import.meta.dirname, '..', '..')

/**
 * Small stream limits for every spawned service (a test may override them): with NODE_ENV=production a
 * service would otherwise reserve the production sizes (tens of GiB) on the shared nats-server.
 */
const TEST_STREAM_LIMITS = Object.fromEntries(
  allStreams.map((s) => [streamLimitVariables(s.name).maxBytes, '8MiB']),
)

/** The services `services/<name>/src/main.ts` starts, in the order a test starts them all (streams first). */
export const SERVICES = ['ocpp-gateway', 'ingest', 'aggregator', 'api', 'ftp-ingest', 'archiver'] as const
export type ServiceName = (typeof SERVICES)[number]

/** A service running as its own process (`node services/<name>/src/main.ts`), as production runs it. */
export interface ServiceProcess {
  /** `http://127.0.0.1:<port>` (https when the service serves TLS). */
  readonly url: string
  readonly port: number
  /** Everything it printed so far. */
  output(): string
  /** The Prometheus text of `/metrics`. */
  metrics(): Promise<string>
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>
  /** SIGKILL at once (a crash), resolved when it is gone. */
  kill(): Promise<void>
}

function spawnService(
  service: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', service, 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...TEST_STREAM_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const keep = (chunk: Buffer) => {
    text += chunk.toString()
    if (text.length > 200_000) text = text.slice(-100_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, output: () => text }
}

/**
 * Starts `service` with `env` (on top of this process's environment: the run's database and NATS) on a free
 * port and waits until `/healthz` answers; throws with its output when it exits or does not answer in time.
 *
 * ### Examples
 * ```ts
 * const gateway = await startServiceProcess('ocpp-gateway', { NODE_ENV: 'production', BUS_NAMESPACE: ns })
 * await fetch(`${gateway.url}/ocpp/1.6`, { method: 'POST', body: xml })
 * await gateway.stop()
 * ```
 */
export async function startServiceProcess(
  service: ServiceName,
  env: Record<string, string>,
  opts: { tls?: { ca: string } } = {},
): Promise<ServiceProcess> {
  const port = await freePort()
  const { child, output } = spawnService(service, { PORT: String(port), ...env })
  const scheme = opts.tls === undefined ? 'http' : 'https'
  const url = `${scheme}://127.0.0.1:${port}`
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const deadline = performance.now() + 30_000
  for (;;) {
    const up = await probe(port).catch(() => false)
    if (up) break
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${service} did not start (exit ${child.exitCode}):\n${output().slice(-4000)}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    port,
    output,
    async metrics() {
      return (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.text() ?? ''
    },
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** A plain TCP probe: the service listens (TLS or not). */
function probe(port: number): Promise<boolean> {
  return import('node:net').then(
    ({ connect }) =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => {
          s.destroy()
          resolve(true)
        })
        s.once('error', () => resolve(false))
      }),
  )
}

/**
 * Runs `service` until it exits by itself (a refused configuration), at most `timeoutMs`: its exit code and
 * output.
 */
export async function runServiceToExit(
  service: ServiceName,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string }> {
  const port = await freePort()
  const { child, output } = spawnService(service, { PORT: String(port), ...env })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, output: output() }
}
