/**
 * The faults, one at a time, each injected mid-burst: what is done, how long the fault lasts, and how the
 * stack is brought back. The servers are the bench's own (infra.ts); services are killed and restarted by pid.
 */
import type { Infra } from './infra.ts'

export const SERVICE_NAMES = [
  'ocpp-gateway',
  'ingest',
  'aggregator',
  'api',
  'archiver',
  'ftp-ingest',
] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

export interface FaultTarget {
  readonly infra: Infra
  /** SIGKILL to the service's process; resolves when it is gone. */
  kill(name: ServiceName): Promise<void>
  /** Starts the service again (same port and environment) without waiting for it to be ready. */
  restart(name: ServiceName): void
}

export interface Fault {
  readonly name: string
  readonly what: string
  /** Seconds between the injection and the recovery. */
  readonly holdS: number
  /** Inject when the gateway has answered this share of the burst's calls (default: the --fault-at option). */
  readonly atShare?: number
  /** When set, this service is down during the fault (its /metrics counters start again from 0). */
  readonly restarts?: ServiceName
  inject(t: FaultTarget): Promise<void>
  recover(t: FaultTarget): Promise<void>
}

export interface FaultDurations {
  /** A killed service is restarted after this many seconds (a supervisor's restart delay). */
  restartDelayS: number
  pgbouncerDownS: number
  natsDownS: number
  slowS: number
  slowMs: number
  postgresDownS: number
}

export function allFaults(d: FaultDurations): Fault[] {
  const kills: Fault[] = SERVICE_NAMES.map((name) => ({
    name: `kill -9 ${name}`,
    what: `SIGKILL to ${name}, restarted after ${d.restartDelayS} s`,
    holdS: d.restartDelayS,
    restarts: name,
    inject: (t) => t.kill(name),
    recover: async (t) => t.restart(name),
  }))
  return [
    ...kills,
    {
      name: 'postgres restart',
      what: 'pg_ctl restart -m fast (every connection dropped, the server back within seconds)',
      holdS: 0,
      inject: (t) => t.infra.postgresRestart(),
      recover: async () => undefined,
    },
    {
      name: 'pgbouncer stopped',
      what: `pgbouncer stopped (deps-up.sh down), started again after ${d.pgbouncerDownS} s`,
      holdS: d.pgbouncerDownS,
      inject: (t) => t.infra.pgbouncerStop(),
      recover: (t) => t.infra.pgbouncerStart(),
    },
    {
      name: 'nats stopped',
      what: `nats-server stopped (SIGTERM), started again on its store after ${d.natsDownS} s`,
      holdS: d.natsDownS,
      inject: (t) => t.infra.natsStop(),
      recover: (t) => t.infra.natsStart(),
    },
    {
      name: 'slow database',
      what: `${d.slowMs} ms added to every request pgbouncer sends Postgres, for ${d.slowS} s`,
      holdS: d.slowS,
      inject: async (t) => {
        t.infra.proxy.delayMs = d.slowMs
      },
      recover: async (t) => {
        t.infra.proxy.delayMs = 0
      },
    },
    {
      name: 'postgres down',
      what: `Postgres stopped (pg_ctl stop -m fast) before the burst's first call, started again after ${d.postgresDownS} s`,
      holdS: d.postgresDownS,
      // the whole burst (boots, authorizations, transaction ids, heartbeats) meets a stack without Postgres
      atShare: 0,
      inject: (t) => t.infra.postgresStop(),
      recover: (t) => t.infra.postgresStart(),
    },
  ]
}

/** Short names for --faults: `kill-ocpp-gateway`, `postgres-restart`, `pgbouncer-stopped`, ... */
export const faultKey = (f: Fault) => f.name.replace(/^kill -9 /, 'kill-').replace(/ /g, '-')
