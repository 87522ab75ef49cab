import { parseArgs } from 'node:util'

export interface Options {
  /** Burst phase: stations that boot at once and run their sessions back to back. */
  stations: number
  sessions: number
  meterValues: number
  /** Steady phase: seconds (0 skips it), stations, meter interval, ramp. */
  steadySeconds: number
  steadyStations: number
  steadyMeterIntervalS: number
  steadyRampS: number
  /** Most sockets the simulator keeps open to the gateway (its --concurrency). */
  concurrency: number
  ingestPool: number
  gatewayPool: number
  gatewayEnv: Record<string, string>
  ingestEnv: Record<string, string>
  idTag: string
  baselines: boolean
  baselineSeconds: number
  baselineWarmupS: number
  baselineConnections: number
  /** Workers each awaiting its own PubAck in the raw JetStream baseline. */
  publishConcurrency: number
  pollMs: number
  drainTimeoutS: number
  keep: boolean
  outDir: string | undefined
  /** Gateway and ingest processes per stack; several counts run one stack after the other (same run). */
  replicas: number[]
}

export const USAGE = `Usage: pnpm bench:e2e [options]

The native stack (gateway + ingest as processes, throwaway database through pgbouncer, own bus namespace on the
local NATS), driven by \`chargebus simulate\`: a burst, then a steady phase. JSON report on stdout and in
bench/results/e2e-<time>.json; progress on stderr. Exit 1 when an acceptance check fails, 2 on bad flags.

  --stations N              burst: stations booting at once (default 2000)
  --sessions N              burst: sessions per station (default 1)
  --meter-values N          burst: MeterValues per session (default 3)
  --steady-seconds S        steady phase length (default 60; 0 skips it)
  --steady-stations N       steady: stations (default: --stations)
  --steady-meter-interval S steady: MeterValueSampleInterval (default 10)
  --steady-ramp S           steady: station starts spread over S seconds (default 5)
  --concurrency N           simulator sockets to the gateway (default 256, the simulator's default)
  --ingest-pool N           ingest DATABASE_POOL_SIZE (default 4)
  --gateway-pool N          gateway DATABASE_POOL_SIZE (default 2)
  --gateway-env K=V         extra environment for the gateway (repeatable)
  --ingest-env K=V          extra environment for ingest (repeatable)
  --id-tag TAG              the tag the stations charge with (default E2E-TAG; seeded into the gateway's KV)
  --no-baselines            skip the baselines (bare Fastify, raw JetStream publish, raw INSERT)
  --baseline-seconds S      wrk measured seconds against bare Fastify (default 5; warm-up 2)
  --baseline-connections N  wrk connections against bare Fastify (default 64, as bench/gateway)
  --publish-concurrency N   raw JetStream baseline: publishers each awaiting its ack (default 256)
  --poll-ms N               pg_stat_activity and row-visibility polling period (default 100)
  --drain-timeout S         how long to wait for ingest to catch up after a phase (default 120)
  --replicas LIST           gateway and ingest processes each, e.g. 2; a list (1,2) runs a fresh stack per count,
                            one after the other, and compares them (default 1). The simulator spreads its
                            stations over the gateways (--url a,b)
  --keep                    keep the database and streams (their names are printed)
  --out DIR                 report directory (default bench/results)
`

function kv(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of list) {
    const at = item.indexOf('=')
    if (at <= 0) throw new Error(`${flag} takes KEY=VALUE (got ${JSON.stringify(item)})`)
    out[item.slice(0, at)] = item.slice(at + 1)
  }
  return out
}

function int(text: string, flag: string, min: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
    throw new Error(`${flag} must be an integer >= ${min} (got ${JSON.stringify(text)})`)
  return n
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      stations: { type: 'string', default: '2000' },
      sessions: { type: 'string', default: '1' },
      'meter-values': { type: 'string', default: '3' },
      'steady-seconds': { type: 'string', default: '60' },
      'steady-stations': { type: 'string' },
      'steady-meter-interval': { type: 'string', default: '10' },
      'steady-ramp': { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '256' },
      'ingest-pool': { type: 'string', default: '4' },
      'gateway-pool': { type: 'string', default: '2' },
      'gateway-env': { type: 'string', multiple: true, default: [] },
      'ingest-env': { type: 'string', multiple: true, default: [] },
      'id-tag': { type: 'string', default: 'E2E-TAG' },
      baselines: { type: 'boolean', default: true },
      'no-baselines': { type: 'boolean', default: false },
      'baseline-seconds': { type: 'string', default: '5' },
      'baseline-connections': { type: 'string', default: '64' },
      'publish-concurrency': { type: 'string', default: '256' },
      'poll-ms': { type: 'string', default: '100' },
      'drain-timeout': { type: 'string', default: '120' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string' },
      replicas: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) return 'help'
  const stations = int(values.stations, '--stations', 1)
  return {
    stations,
    sessions: int(values.sessions, '--sessions', 1),
    meterValues: int(values['meter-values'], '--meter-values', 1),
    steadySeconds: int(values['steady-seconds'], '--steady-seconds', 0),
    steadyStations: int(values['steady-stations'] ?? String(stations), '--steady-stations', 1),
    steadyMeterIntervalS: int(values['steady-meter-interval'], '--steady-meter-interval', 1),
    steadyRampS: int(values['steady-ramp'], '--steady-ramp', 0),
    concurrency: int(values.concurrency, '--concurrency', 1),
    ingestPool: int(values['ingest-pool'], '--ingest-pool', 2),
    gatewayPool: int(values['gateway-pool'], '--gateway-pool', 1),
    gatewayEnv: kv(values['gateway-env'], '--gateway-env'),
    ingestEnv: kv(values['ingest-env'], '--ingest-env'),
    idTag: values['id-tag'],
    baselines: values.baselines && !values['no-baselines'],
    baselineSeconds: int(values['baseline-seconds'], '--baseline-seconds', 1),
    baselineWarmupS: 2,
    baselineConnections: int(values['baseline-connections'], '--baseline-connections', 1),
    publishConcurrency: int(values['publish-concurrency'], '--publish-concurrency', 1),
    pollMs: int(values['poll-ms'], '--poll-ms', 10),
    drainTimeoutS: int(values['drain-timeout'], '--drain-timeout', 1),
    keep: values.keep,
    outDir: values.out,
    replicas: values.replicas.split(',').map((n) => int(n.trim(), '--replicas', 1)),
  }
}
