import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/*
 * The independent ChargePointService endpoint of ../shared/tools/ocpp-station (cp_server.py, built from the
 * official OCA WSDLs with zeep/lxml): it answers every operation schema-valid and logs each call it received
 * as a JSON line with the `issues` it found (SOAP version, Content-Type, wsa:Action/MessageID/To, identity,
 * namespace, XSD). Tests assert on what the station received.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
/** `../shared/tools/ocpp-station` beside the repository (CI and dev machines), or OCPP_STATION_DIR. */
export const STATION_TOOLS_DIR =
  process.env.OCPP_STATION_DIR ?? join(repoRoot, '..', 'shared', 'tools', 'ocpp-station')
/** Debian's python3 with zeep and lxml, which runs the station tools. */
export const STATION_PYTHON = process.env.OCPP_STATION_PYTHON ?? '/usr/bin/python3'

/** One call as cp_server.py logged it. */
export interface CpCall {
  t: string
  path: string
  content_type: string
  soap: string
  op: string | null
  chargeBoxIdentity: string | null
  action: string | null
  messageId: string | null
  to: string | null
  request: Record<string, unknown>
  issues: string[]
  reply_status: number
  reply: Record<string, unknown>
}

export interface CpServer {
  readonly port: number
  /** Base URL; any path is served (use `${url}/ocpp/cp/<id>` as the station's wsa:From). */
  readonly url: string
  /** Every call received so far, oldest first. */
  calls(): CpCall[]
  /** Resolves once `predicate` holds for the calls received (polls the log). */
  waitFor(predicate: (calls: CpCall[]) => boolean, timeoutMs?: number): Promise<CpCall[]>
  /** Stops the process; with `keepLog` a new server on the same port continues the same log. */
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * The first of `count` consecutive ports free on 127.0.0.1, chosen below the kernel's ephemeral range: a service
 * with replicas listens on its port and the next ones, and a port inside that range (where `freePort` draws) can
 * be taken at any moment by some process's outgoing connection (a --replicas test once failed that way).
 */
export async function freeConsecutivePorts(count: number): Promise<number> {
  const ephemeralLow = Number(
    readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
  )
  const low = 10_000
  const high = (Number.isInteger(ephemeralLow) && ephemeralLow > low + 1_000 ? ephemeralLow : 32_768) - count
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = low + Math.floor(Math.random() * (high - low))
    if (await bindable(first, count)) return first
  }
  throw new Error(`no ${count} consecutive free ports between ${low} and ${high + count}`)
}

/**
 * A port nothing listens on until the test starts something there (a station that is "unreachable" for now).
 * Not from `freePort`: its ports come from the kernel's ephemeral range, where any process's `listen(0)` or
 * outgoing connection may be given the same port meanwhile; this one is below it.
 */
export const quietPort = (): Promise<number> => freeConsecutivePorts(1)

/** Whether ports first..first+count-1 can all be listened on now (each is held until all are tried). */
async function bindable(first: number, count: number): Promise<boolean> {
  const held: ReturnType<typeof createServer>[] = []
  try {
    for (let port = first; port < first + count; port++) {
      const server = createServer()
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false))
        server.listen(port, '127.0.0.1', () => resolve(true))
      })
      if (!ok) return false
      held.push(server)
    }
    return true
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
  }
}

/** Whether the station tools and Debian's python with zeep/lxml are here (tests fail loudly otherwise). */
export function stationToolsAvailable(): { ok: boolean; reason?: string } {
  if (!existsSync(join(STATION_TOOLS_DIR, 'cp_server.py')))
    return { ok: false, reason: `no cp_server.py in ${STATION_TOOLS_DIR} (set OCPP_STATION_DIR)` }
  if (!existsSync(STATION_PYTHON))
    return { ok: false, reason: `${STATION_PYTHON} missing (apt-get install python3-zeep python3-lxml)` }
  return { ok: true }
}

/**
 * Starts cp_server.py on `port` (default: a free one) for station `id` speaking `version`; resolves once it
 * accepts connections. `log` continues an earlier server's log (a station that went away and came back).
 *
 * ### Examples
 * ```ts
 * const cp = await startCpServer({ id: 'CP-1', version: '1.6' })
 * // ... make the central system call `${cp.url}/ocpp/cp/CP-1`
 * await cp.waitFor((calls) => calls.some((c) => c.op === 'Reset'))
 * await cp.stop()
 * ```
 */
export async function startCpServer(opts: {
  id: string
  version?: '1.5' | '1.6'
  port?: number
  log?: string
  respond?: Record<string, string>
}): Promise<CpServer & { readonly log: string }> {
  const available = stationToolsAvailable()
  if (!available.ok) throw new Error(`cp_server.py cannot run: ${available.reason}`)
  const port = opts.port ?? (await freePort())
  const dir = opts.log === undefined ? mkdtempSync(join(tmpdir(), 'cp-server-')) : undefined
  const log = opts.log ?? join(dir as string, 'calls.jsonl')
  const args = [
    join(STATION_TOOLS_DIR, 'cp_server.py'),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--id',
    opts.id,
    '--ocpp',
    opts.version ?? '1.6',
    '--log',
    log,
  ]
  for (const [op, status] of Object.entries(opts.respond ?? {})) args.push('--respond', `${op}=${status}`)
  const child: ChildProcess = spawn(STATION_PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await waitUntil(
    () => acceptsConnections(port),
    15_000,
    () => `cp_server did not start: ${stderr}`,
  )

  function calls(): CpCall[] {
    if (!existsSync(log)) return []
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as CpCall)
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    calls,
    async waitFor(predicate, timeoutMs = 15_000) {
      let last: CpCall[] = []
      await waitUntil(
        async () => {
          last = calls()
          return predicate(last)
        },
        timeoutMs,
        () => `cp_server calls never matched; got ${JSON.stringify(last.map((c) => c.op))}`,
      )
      return last
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT')
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(timer)
      }
      if (/cp_server ERROR/.test(stderr)) throw new Error(`cp_server reported errors: ${stderr}`)
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describe())
    await new Promise((r) => setTimeout(r, 50))
  }
}
