/**
 * The faults, one at a time, each injected mid-burst: what is done, how long the fault lasts, and how the
 * stack is brought back. The servers are the bench's own (infra.ts); services are killed and restarted by pid.
 */
import { awaitCaughtUp, awaitElection, clusterView, type Election, type Placement } from './cluster-state.ts'
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
  /** Only with the bench's three-node NATS cluster (`--cluster`). */
  readonly needsCluster?: boolean
  inject(t: FaultTarget): Promise<void>
  recover(t: FaultTarget): Promise<void>
  /** What the fault found out (e.g. which node it killed and how long the elections took), for the report. */
  details?(): Record<string, unknown>
  /** The fault's own checks, added to the bench's. */
  checks?(): Record<string, boolean>
}

export interface FaultDurations {
  /** A killed service is restarted after this many seconds (a supervisor's restart delay). */
  restartDelayS: number
  pgbouncerDownS: number
  natsDownS: number
  slowS: number
  slowMs: number
  postgresDownS: number
  /** A killed NATS node is started again (on its store) after this many seconds. */
  natsNodeDownS: number
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
    natsNodeKill({
      name: 'nats node kill',
      role: 'a follower of OCPP_IN (the stream keeps its leader; what else the node led elects anew)',
      downS: d.natsNodeDownS,
      pick: (before) => before.find((p) => p.asset === OCPP_IN)?.followers[0]?.name,
    }),
    natsNodeKill({
      name: 'nats leader kill',
      role: "OCPP_IN's leader (the stream elects a new one among the two others)",
      downS: d.natsNodeDownS,
      pick: (before) => before.find((p) => p.asset === OCPP_IN)?.leader,
    }),
  ]
}

const OCPP_IN = 'OCPP_IN'
/** Ingest's durable consumer on OCPP_IN: its leader is what ingest's pulls wait on. */
const INGEST_CONSUMER = `${OCPP_IN}/ingest`
const ELECTION_TIMEOUT_MS = 30_000
const CATCH_UP_TIMEOUT_MS = 120_000

/**
 * SIGKILL to one node of the three (chosen from the placements before the kill), started again on its store
 * after `downS`. Measures, through the survivors, how long each asset the node led took to elect another leader,
 * and after the restart how long until every replica was current again.
 */
function natsNodeKill(o: {
  name: string
  role: string
  downS: number
  pick: (before: readonly Placement[]) => string | undefined
}): Fault {
  let killed: string | undefined
  let ledBefore: string[] = []
  let election: Election | undefined
  let caughtUpMs: number | null | undefined
  return {
    name: o.name,
    what: `SIGKILL to one of the three NATS nodes, ${o.role}; started again on its store after ${o.downS} s`,
    holdS: o.downS,
    needsCluster: true,
    async inject(t) {
      const nodes = t.infra.nats.nodes
      const all = await clusterView(
        nodes.map((n) => n.url),
        [INGEST_CONSUMER],
      )
      const before = await all.placements().finally(() => all.close())
      const victim = o.pick(before)
      if (!victim) throw new Error(`${o.name}: no node to kill in ${JSON.stringify(before)}`)
      killed = victim
      ledBefore = before.filter((p) => p.leader === victim).map((p) => p.asset)
      const survivors = await clusterView(
        nodes.filter((n) => n.name !== victim).map((n) => n.url),
        [INGEST_CONSUMER],
      )
      try {
        const killedAt = Date.now()
        await t.infra.nats.kill(victim)
        election = await awaitElection(survivors, victim, before, killedAt, ELECTION_TIMEOUT_MS)
      } finally {
        await survivors.close()
      }
    },
    async recover(t) {
      if (!killed) return
      await t.infra.nats.start(killed)
      const view = await clusterView(
        t.infra.nats.nodes.map((n) => n.url),
        [INGEST_CONSUMER],
      )
      try {
        caughtUpMs = await awaitCaughtUp(view, CATCH_UP_TIMEOUT_MS)
      } finally {
        await view.close()
      }
    },
    details: () => ({ killed, ledBefore, election, caughtUpAfterRestartMs: caughtUpMs }),
    checks: () => ({
      [`every stream, bucket and ingest's consumer led again within ${ELECTION_TIMEOUT_MS / 1000} s of the kill`]:
        election?.allLedAfterMs != null,
      [`every replica current within ${CATCH_UP_TIMEOUT_MS / 1000} s of the restart`]: caughtUpMs != null,
    }),
  }
}

/** Short names for --faults: `kill-ocpp-gateway`, `postgres-restart`, `pgbouncer-stopped`, ... */
export const faultKey = (f: Fault) => f.name.replace(/^kill -9 /, 'kill-').replace(/ /g, '-')
