/**
 * Server connections and CPU while the stack runs.
 *
 * - Connections: every `periodMs`, the client backends of the run's database in pg_stat_activity, minus the
 *   bench's own direct connections (application_name `bench-e2e-*`). What is left are pgbouncer's server
 *   connections for the services, idle ones included: that is what the pool budget bounds.
 * - CPU: the services' process trees and the machine from /proc (bench/gateway's accounting), plus the Postgres
 *   backends seen in those samples (a backend's CPU before its first sighting is not counted: at most one period).
 */
import { readFileSync } from 'node:fs'
import { type Database, type Kysely, sql } from '@chargebus/db'
import { CLK_TCK, machineTicks, pidsByComm, treeCpuTicks } from '../../gateway/src/processes.ts'

export const OWN_APPLICATION_PREFIX = 'bench-e2e'

/** utime + stime of one process (no children), in clock ticks; undefined when it is gone. */
function processTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return Number(f[11]) + Number(f[12])
  } catch {
    return undefined
  }
}

export interface ConnectionPeak {
  peak: number
  /** application_name -> backends, in the sample with the peak (pgbouncer passes the client's name on). */
  atPeak: Record<string, number>
  samples: number
  /** Sampling errors (a failed query counts no sample). */
  errors: number
}

export class ConnectionMonitor {
  private peak = 0
  private atPeak: Record<string, number> = {}
  private samples = 0
  private errors = 0
  private running = false
  private loop: Promise<void> | undefined
  /** Backend samples by what the backend was doing: its `state`, and what it waited on, if anything. */
  private readonly states = new Map<string, number>()
  /** pid -> [ticks at first sighting, latest ticks] of the database's backends. */
  readonly backends = new Map<number, { first: number; last: number }>()

  private readonly db: Kysely<Database>
  private readonly database: string

  constructor(db: Kysely<Database>, database: string) {
    this.db = db
    this.database = database
  }

  async sampleOnce(): Promise<void> {
    const { rows } = await sql<{
      pid: number
      app: string
      state: string | null
      waitType: string | null
      wait: string | null
    }>`
      select pid, application_name as app, state, wait_event_type as "waitType", wait_event as wait
        from pg_stat_activity
       where datname = ${this.database} and backend_type = 'client backend'
         and application_name not like ${`${OWN_APPLICATION_PREFIX}%`}`.execute(this.db)
    this.samples++
    if (rows.length > this.peak) {
      this.peak = rows.length
      const byApp: Record<string, number> = {}
      for (const r of rows) byApp[r.app || '(none)'] = (byApp[r.app || '(none)'] ?? 0) + 1
      this.atPeak = byApp
    }
    for (const r of rows) {
      const state = `${r.state ?? '?'}${r.waitType === null ? '' : ` (${r.waitType}:${r.wait})`}`
      this.states.set(state, (this.states.get(state) ?? 0) + 1)
      const ticks = processTicks(r.pid)
      if (ticks === undefined) continue
      const seen = this.backends.get(r.pid)
      if (seen) seen.last = ticks
      else this.backends.set(r.pid, { first: ticks, last: ticks })
    }
  }

  /**
   * Shares of the backend samples by state, largest first: where the database's connections spent the time
   * (`active`, `idle in transaction (Client:ClientRead)`: waiting for the client mid-transaction,
   * `active (Lock:transactionid)`: waiting for another transaction's row lock...).
   */
  stateShares(): Record<string, number> {
    const total = [...this.states.values()].reduce((a, b) => a + b, 0)
    return Object.fromEntries(
      [...this.states].sort((a, b) => b[1] - a[1]).map(([state, n]) => [state, round3(n / total)]),
    )
  }

  /** Latest ticks per backend pid (for per-phase deltas). */
  backendTicks(): Map<number, number> {
    for (const [pid, b] of this.backends) {
      const ticks = processTicks(pid)
      if (ticks !== undefined) b.last = ticks
    }
    return new Map([...this.backends].map(([pid, b]) => [pid, b.last]))
  }

  /** CPU ticks of the backends between two `backendTicks()` marks (a backend first seen later counts from then). */
  backendDelta(before: Map<number, number>, after: Map<number, number>): number {
    let ticks = 0
    for (const [pid, last] of after)
      ticks += last - (before.get(pid) ?? this.backends.get(pid)?.first ?? last)
    return ticks
  }

  start(periodMs: number): void {
    this.running = true
    this.loop = (async () => {
      while (this.running) {
        const next = Date.now() + periodMs
        await this.sampleOnce().catch(() => {
          this.errors++
        })
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())))
      }
    })()
  }

  async stop(): Promise<ConnectionPeak> {
    this.running = false
    await this.loop
    return { peak: this.peak, atPeak: this.atPeak, samples: this.samples, errors: this.errors }
  }

  result(): ConnectionPeak {
    return { peak: this.peak, atPeak: this.atPeak, samples: this.samples, errors: this.errors }
  }
}

export interface CpuSnapshot {
  atMs: number
  gateway: number
  ingest: number
  nats: number
  pgbouncer: number
  postgresBackends: Map<number, number>
  bench: NodeJS.CpuUsage
  machine: { busy: number; total: number }
}

/** CPU ticks so far of the gateway and ingest processes (every replica of each summed) and the shared servers. */
export function cpuSnapshot(
  gatewayPids: readonly number[],
  ingestPids: readonly number[],
  monitor: ConnectionMonitor,
): CpuSnapshot {
  const ticksOf = (pids: readonly number[]) => pids.reduce((a, p) => a + treeCpuTicks(p), 0)
  return {
    atMs: performance.now(),
    gateway: ticksOf(gatewayPids),
    ingest: ticksOf(ingestPids),
    // the shared servers: other users' traffic on them counts too
    nats: pidsByComm('nats-server').reduce((a, p) => a + treeCpuTicks(p), 0),
    pgbouncer: pidsByComm('pgbouncer').reduce((a, p) => a + treeCpuTicks(p), 0),
    postgresBackends: monitor.backendTicks(),
    bench: process.cpuUsage(),
    machine: machineTicks(),
  }
}

export interface CpuFigures {
  wallS: number
  /** CPU seconds and cores (1.0 = one CPU busy for the whole phase) per process group. */
  seconds: Record<string, number>
  cores: Record<string, number>
  machineBusyCores: number
}

/**
 * CPU per part between two snapshots. `simulatorS` is the simulator's user+system time (GNU time), `other` is the
 * machine's busy time minus every part measured (other users' work, the kernel's softirq time, ...).
 */
export function cpuBetween(
  a: CpuSnapshot,
  b: CpuSnapshot,
  monitor: ConnectionMonitor,
  simulatorS: number,
): CpuFigures {
  const wallS = (b.atMs - a.atMs) / 1000
  const s = (ticks: number) => ticks / CLK_TCK
  const bench = b.bench.user + b.bench.system - (a.bench.user + a.bench.system)
  const seconds: Record<string, number> = {
    gateway: s(b.gateway - a.gateway),
    ingest: s(b.ingest - a.ingest),
    postgres: s(monitor.backendDelta(a.postgresBackends, b.postgresBackends)),
    pgbouncer: s(b.pgbouncer - a.pgbouncer),
    nats: s(b.nats - a.nats),
    simulator: simulatorS,
    bench: bench / 1e6,
  }
  const busy = s(b.machine.busy - a.machine.busy)
  const measured = Object.values(seconds).reduce((x, y) => x + y, 0)
  seconds.other = Math.max(0, busy - measured)
  const cores = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, round3(v / wallS)]))
  return {
    wallS: round3(wallS),
    seconds: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, round3(v)])),
    cores,
    machineBusyCores: round3(busy / wallS),
  }
}

export const round3 = (v: number) => Math.round(v * 1000) / 1000
