import { parseArgs } from 'node:util'
import type { FloodKind } from './requests.ts'

export const FLOODS: readonly FloodKind[] = ['one-address', 'many-addresses', 'unknown-stations']

export interface Options {
  stations: number
  /** Requests per second per honest station. */
  stationRate: number
  floodRate: number
  floods: FloodKind[]
  durationS: number
  warmupS: number
  rounds: number
  basePort: number
  gatewayEnv: Record<string, string>
  /** `split`: the system under test (gateway, nats-server) on CPU 1, the load generators on CPU 0. */
  pin: 'none' | 'split'
  keepLogs: boolean
  outDir: string | undefined
}

export const USAGE = `Usage: pnpm bench:auth-flood [options]

What a flood of bad station passwords costs honest stations. In every round the honest stations' load runs
once without a flood (quiet) and once under each flood, interleaved; the report compares each run's p99 with
the same round's quiet p99.

  --stations N        honest stations, each with its own password and client address (default 200)
  --station-rate R    requests per second per honest station (default 1: 200 stations = 200 req/s)
  --flood-rate R      bad passwords per second (default 1000)
  --floods LIST       comma list of ${FLOODS.join(', ')} (default all)
  --duration S        measured seconds per run (default 20)
  --warmup S          unmeasured seconds at the start of each run (default 3)
  --rounds N          interleaved rounds (default 3)
  --base-port N       gateway N, private nats-server N+1 (default 3951)
  --gateway-env K=V   extra environment for the gateway (repeatable), e.g. OCPP_AUTH_CONCURRENCY=1
  --pin MODE          none | split (default): gateway and nats-server on CPU 1, the load generators on CPU 0
                      (taskset), so the attackers' CPU is not taken from the server, as on the internet
  --keep-logs         keep the gateway's and nats-server's logs (their folder is printed)
  --out DIR           report directory (default bench/results)
`

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      stations: { type: 'string', default: '200' },
      'station-rate': { type: 'string', default: '1' },
      'flood-rate': { type: 'string', default: '1000' },
      floods: { type: 'string', default: FLOODS.join(',') },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      'base-port': { type: 'string', default: '3951' },
      'gateway-env': { type: 'string', multiple: true, default: [] },
      pin: { type: 'string', default: 'split' },
      'keep-logs': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const number = (name: string, v: string, min: number, integer = true) => {
    const n = Number(v)
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
      throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min} (got ${v})`)
    return n
  }
  const floods = values.floods.split(',').map((s) => s.trim()) as FloodKind[]
  for (const f of floods)
    if (!FLOODS.includes(f))
      throw new Error(`--floods: unknown ${JSON.stringify(f)} (use ${FLOODS.join(', ')})`)
  const gatewayEnv: Record<string, string> = {}
  for (const kv of values['gateway-env']) {
    const eq = kv.indexOf('=')
    if (eq <= 0) throw new Error(`--gateway-env expects KEY=VALUE (got ${kv})`)
    gatewayEnv[kv.slice(0, eq)] = kv.slice(eq + 1)
  }
  if (values.pin !== 'none' && values.pin !== 'split') throw new Error('--pin must be none or split')
  return {
    stations: number('stations', values.stations, 1),
    stationRate: number('station-rate', values['station-rate'], 0.01, false),
    floodRate: number('flood-rate', values['flood-rate'], 1),
    floods: [...new Set(floods)],
    durationS: number('duration', values.duration, 1),
    warmupS: number('warmup', values.warmup, 0),
    rounds: number('rounds', values.rounds, 1),
    basePort: number('base-port', values['base-port'], 1024),
    gatewayEnv,
    pin: values.pin,
    keepLogs: values['keep-logs'],
    outDir: values.out,
  }
}
