import { parseArgs } from 'node:util'
import type { FaultDurations } from './faults.ts'

export interface Options extends FaultDurations {
  short: boolean
  /** Three clustered nats-servers, streams and buckets at R3 (the cluster faults need it). */
  cluster: boolean
  stations: number
  sessions: number
  meterValues: number
  concurrency: number
  /** Fault keys to run (faultKey), in the bench's order; empty = all. */
  faults: string[]
  /** Inject once the gateway has answered this share of the burst's calls. */
  faultAtShare: number
  /** Every service must be ready again this many seconds after the recovery. */
  readyWithinS: number
  drainTimeoutS: number
  out: string | undefined
}

/** `--short`: the CI run. A few minutes on the shared 2-vCPU box (see bench/README.md). */
export const SHORT_FAULTS = [
  'kill-ocpp-gateway',
  'kill-ingest',
  'postgres-restart',
  'pgbouncer-stopped',
  'nats-stopped',
  'slow-database',
  'postgres-down',
]

export const USAGE = `Usage: pnpm bench:chaos [options]

Its own Postgres cluster, pgbouncer (scripts/deps-up.sh) and nats-server, every service as a process, and a burst of
\`chargebus simulate\` stations per fault; one fault at a time, injected mid-burst. After each: acknowledged =
stored in Postgres once (natural keys), every service ready again. JSON report in bench/results/chaos-<time>.json,
the README table on stdout, progress on stderr. Exit 1 when a check fails, 2 on bad flags.

  --cluster               three clustered nats-servers (own ports and stores), the services connected to all
                          three with NATS_STREAM_REPLICAS=3; alone, runs the cluster faults nats-node-kill and
                          nats-leader-kill (they imply it)
  --short                 the CI run: 200 stations, ${SHORT_FAULTS.length} faults, shorter outages (NATS 10 s, Postgres 20 s)
  --stations N            stations per fault's burst (default 500; short 200)
  --sessions N            sessions per station (default 1)
  --meter-values N        MeterValues per session (default 3)
  --concurrency N         simulator sockets (default 256)
  --faults a,b            only these (default all): kill-<service> (ocpp-gateway, ingest, aggregator, api,
                          archiver, ftp-ingest), postgres-restart, pgbouncer-stopped, nats-stopped,
                          slow-database, postgres-down; with a cluster: nats-node-kill (a follower of
                          OCPP_IN), nats-leader-kill (OCPP_IN's leader)
  --fault-at SHARE        inject when the gateway has answered this share of the burst's calls (default 0.3)
  --restart-delay S       a killed service is restarted after S seconds (default 2)
  --pgbouncer-down S      (default 10; short 5)
  --nats-down S           (default 30; short 10)
  --nats-node-down S      a killed NATS node is started again after S s (default 10)
  --slow-ms MS            delay added by the proxy (default 200)
  --slow-seconds S        (default 20; short 10)
  --postgres-down S       (default 60; short 20)
  --ready-within S        every service ready again within S s of the recovery (default 30)
  --drain-timeout S       (default 180)
  --out DIR               report directory (default bench/results)
`

function int(text: string, flag: string, min: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
    throw new Error(`${flag} must be an integer >= ${min} (got ${JSON.stringify(text)})`)
  return n
}

export function parseOptions(
  argv: string[],
  knownFaults: readonly string[],
  clusterFaults: readonly string[],
): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      short: { type: 'boolean', default: false },
      cluster: { type: 'boolean', default: false },
      stations: { type: 'string' },
      sessions: { type: 'string', default: '1' },
      'meter-values': { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '256' },
      faults: { type: 'string' },
      'fault-at': { type: 'string', default: '0.3' },
      'restart-delay': { type: 'string', default: '2' },
      'pgbouncer-down': { type: 'string' },
      'nats-down': { type: 'string' },
      'nats-node-down': { type: 'string', default: '10' },
      'slow-ms': { type: 'string', default: '200' },
      'slow-seconds': { type: 'string' },
      'postgres-down': { type: 'string' },
      'ready-within': { type: 'string', default: '30' },
      'drain-timeout': { type: 'string', default: '180' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) return 'help'
  const short = values.short
  const faults =
    values.faults?.split(',').map((f) => f.trim()) ??
    (short ? SHORT_FAULTS : values.cluster ? [...clusterFaults] : [])
  for (const f of faults)
    if (!knownFaults.includes(f))
      throw new Error(`--faults: unknown fault ${JSON.stringify(f)} (known: ${knownFaults.join(', ')})`)
  const share = Number(values['fault-at'])
  if (!(share >= 0 && share < 1)) throw new Error(`--fault-at must be a number from 0 to below 1`)
  return {
    short,
    cluster: values.cluster || faults.some((f) => clusterFaults.includes(f)),
    stations: int(values.stations ?? (short ? '200' : '500'), '--stations', 1),
    sessions: int(values.sessions, '--sessions', 1),
    meterValues: int(values['meter-values'], '--meter-values', 1),
    concurrency: int(values.concurrency, '--concurrency', 1),
    faults,
    faultAtShare: share,
    restartDelayS: int(values['restart-delay'], '--restart-delay', 0),
    pgbouncerDownS: int(values['pgbouncer-down'] ?? (short ? '5' : '10'), '--pgbouncer-down', 0),
    natsDownS: int(values['nats-down'] ?? (short ? '10' : '30'), '--nats-down', 0),
    natsNodeDownS: int(values['nats-node-down'], '--nats-node-down', 0),
    slowMs: int(values['slow-ms'], '--slow-ms', 1),
    slowS: int(values['slow-seconds'] ?? (short ? '10' : '20'), '--slow-seconds', 1),
    postgresDownS: int(values['postgres-down'] ?? (short ? '20' : '60'), '--postgres-down', 0),
    readyWithinS: int(values['ready-within'], '--ready-within', 1),
    drainTimeoutS: int(values['drain-timeout'], '--drain-timeout', 1),
    out: values.out,
  }
}
