/**
 * Child processes of the bench (servers, load generators) and CPU accounting from /proc (Linux only).
 * Every process is started and stopped by pid; nothing is killed by name.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

export interface Started {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<string>
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string
}

export interface StartOptions {
  name: string
  command: string
  args: readonly string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** `taskset -c` CPU list, or undefined for no pinning. */
  cpus?: string | undefined
  /** File that receives the process's stdout and stderr. */
  logFile: string
}

/** Starts a long-running process (a server), pinned with taskset when `cpus` is given. */
export function startProcess(opts: StartOptions): Started {
  const [command, args] = pinned(opts.command, opts.args, opts.cpus)
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error(`${opts.name}: could not start ${opts.command}`)
  const log = createWriteStream(opts.logFile)
  const lines: string[] = []
  const keep = (chunk: Buffer) => {
    log.write(chunk)
    lines.push(...chunk.toString().split('\n').filter(Boolean))
    if (lines.length > 40) lines.splice(0, lines.length - 40)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end()
      resolve(signal ?? String(code))
    })
  })
  return { name: opts.name, child, pid: child.pid, exited, tail: () => lines.join('\n') }
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process has exited. */
export async function stopProcess(p: Started, graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return
  p.child.kill('SIGTERM')
  const timer = sleep(graceMs).then(() => 'timeout')
  if ((await Promise.race([p.exited, timer])) === 'timeout') {
    p.child.kill('SIGKILL')
    await p.exited
  }
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion (load generators), pinned when `cpus` is given. */
export function runToEnd(
  command: string,
  args: readonly string[],
  cpus: string | undefined,
  onStart?: (child: ChildProcess) => void,
): Promise<RunResult> {
  const [cmd, argv] = pinned(command, args, cpus)
  return new Promise((resolve, reject) => {
    // own process group, so `killGroup` also reaches wrk under /usr/bin/time (which does not forward signals)
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    onStart?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Sends `signal` to the process group of a child started by `runToEnd` (the load generator and its children). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

function pinned(command: string, args: readonly string[], cpus: string | undefined): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, [...args]]
}

/** Polls `url` until it answers with `status` (any status when undefined) or the process dies. */
export async function waitForHttp(
  url: string,
  p: Started,
  opts: { timeoutMs?: number; status?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  let last = ''
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`${p.name} exited during start-up:\n${p.tail()}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`
      if (opts.status === undefined || res.status === opts.status) return
    } catch (err) {
      last = String(err)
    }
    await sleep(200)
  }
  throw new Error(`${p.name} not ready at ${url} (${last}):\n${p.tail()}`)
}

/** Waits until `port` on 127.0.0.1 accepts TCP connections (servers without an HTTP endpoint). */
export async function waitForTcp(port: number, p: Started, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`${p.name} exited during start-up:\n${p.tail()}`)
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (up) return
    await sleep(100)
  }
  throw new Error(`${p.name} not listening on ${port}:\n${p.tail()}`)
}

/** utime + stime in clock ticks of `pid` and all its descendants (0 for processes that are gone). */
export function treeCpuTicks(pid: number): number {
  const stats = readAllStats()
  const children = new Map<number, number[]>()
  for (const s of stats.values()) {
    const list = children.get(s.ppid) ?? []
    list.push(s.pid)
    children.set(s.ppid, list)
  }
  let ticks = 0
  const stack = [pid]
  while (stack.length > 0) {
    const current = stack.pop() as number
    const s = stats.get(current)
    if (s) ticks += s.ticks
    stack.push(...(children.get(current) ?? []))
  }
  return ticks
}

interface ProcStat {
  pid: number
  ppid: number
  comm: string
  ticks: number
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = text.lastIndexOf(')')
    const comm = text.slice(text.indexOf('(') + 1, close)
    const f = text.slice(close + 2).split(' ')
    // after "pid (comm) ": state ppid ... utime is field 14 overall = index 11 here, stime index 12
    return { pid, ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) }
  } catch {
    return undefined
  }
}

function readAllStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const s = readStat(Number(entry))
    if (s) out.set(s.pid, s)
  }
  return out
}

/** Pids of processes whose command name is exactly `comm` (read-only lookup, e.g. for nats-server's CPU). */
export function pidsByComm(comm: string): number[] {
  return [...readAllStats().values()].filter((s) => s.comm === comm).map((s) => s.pid)
}

/** utime + stime in clock ticks of each live process named `comm`, by pid (Postgres' backends: each its own process). */
export function ticksByComm(comm: string): Map<number, number> {
  const ticks = new Map<number, number>()
  for (const s of readAllStats().values()) if (s.comm === comm) ticks.set(s.pid, s.ticks)
  return ticks
}

/**
 * The ticks processes of {@link ticksByComm} spent between two readings: a process started since counts from 0;
 * one that exited meanwhile is not counted (its ticks are gone with it), so never less than 0.
 */
export function ticksBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let ticks = 0
  for (const [pid, t] of after) ticks += Math.max(0, t - (before.get(pid) ?? 0))
  return ticks
}

/** Busy and total clock ticks of the whole machine (all CPUs), from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  return { busy: total - idle, total }
}
