import { parseArgs } from 'node:util'
import { LOADGENS, type Loadgen } from './load.ts'

export const TARGETS = ['fastify', 'floor', 'soap', 'gateway', 'gateway-traced'] as const
export type TargetName = (typeof TARGETS)[number]
/** Without --targets: the four that answer the bench's first question (tracing overhead is asked for). */
const DEFAULT_TARGETS = ['fastify', 'floor', 'soap', 'gateway'] as const

export interface Options {
  connections: number
  durationS: number
  warmupS: number
  rounds: number
  targets: TargetName[]
  loadgens: Loadgen[]
  /** wrk threads. */
  threads: number
  stations: number
  /** `none`: the scheduler places everything; `split`: servers on CPU 1, load generator on CPU 0. */
  pin: 'none' | 'split'
  basePort: number
  /** Undefined: the bench starts its own nats-server (JetStream, temporary store) for the gateway. */
  natsUrl: string | undefined
  /** With `natsUrl`: the gateway's env variable that takes the bus namespace (required to stay isolated). */
  namespaceEnv: string | undefined
  gatewayEnv: Record<string, string>
  keepStreams: boolean
  gatewayProcesses: number
  /** Every target under load at the same time in each round (own load generator each), not one after another. */
  paired: boolean
  /** Directory for `node --cpu-prof` profiles of the server processes (written when they stop). */
  cpuProfDir: string | undefined
  /** Profile each measured run over the inspector and report the costs per request (top five on stderr). */
  profile: boolean
  outDir: string | undefined
}

export const USAGE = `Usage: pnpm bench:gateway [options]

  --connections N     concurrent connections (default 64)
  --duration S        measured seconds per run (default 10)
  --warmup S          unmeasured seconds before each measured run (default 3; 0 = none)
  --rounds N          interleaved rounds A B C A B C ... (default 3)
  --targets LIST      comma list of fastify,floor,soap,gateway,gateway-traced (default the first four);
                      gateway-traced is the gateway with tracing on (default sampling) exporting OTLP to a
                      receiver in the bench that accepts and drops: with gateway, the tracing overhead
  --loadgen LIST      wrk (default) and/or autocannon; with both, each target runs under each
  --threads N         wrk threads (default 2, or 1 with --pin split)
  --stations N        simulated station identities (default 200)
  --pin MODE          none (default) | split (servers on CPU 1, load generator on CPU 0; taskset)
  --base-port N       fastify N, soap N+1, gateway N+2, private nats-server N+3, floor N+4,
                      gateway-traced N+5, its OTLP receiver N+6 (default 3901)
  --nats-url URL      use this NATS server for the gateway instead of a private nats-server started by the
                      bench; needs --namespace-env (the bench never writes to a shared default namespace)
  --namespace-env VAR the gateway's env variable for its bus namespace (a fresh one is set per run)
  --gateway-env K=V   extra environment for the gateway process (repeatable)
  --gateway-processes N
                      experiment: N gateway processes behind one port via node:cluster (default 1: plain
                      node services/ocpp-gateway/src/main.ts); its /metrics then shows one worker, so only
                      the client-side correctness bounds are checked
  --paired            load every target at the same time in each round, each under its own load generator
                      with the same settings, so all of them see the same machine load (for ratios of CPU per
                      request on a shared machine, e.g. gateway,gateway-traced); otherCores leaves them out
  --keep-streams      do not delete the gateway's streams at the end (shared NATS server only)
  --cpu-prof DIR      run the servers with node --cpu-prof, profiles in DIR (figures are then not comparable);
                      summarize with: node bench/gateway/src/profile-summary.ts DIR/<file>.cpuprofile
  --profile           profile every measured run of every target (V8 sampling profiler over the inspector,
                      only the measured window) and report where each target's CPU per request goes, by
                      named cost (XML parse, SOAP decode, bus publish, NATS client, HTTP, GC...); the top five
                      per target are printed at the end (sampling adds a few % to every figure)
  --out DIR           report directory (default bench/results)
`

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string', default: '64' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      targets: { type: 'string', default: DEFAULT_TARGETS.join(',') },
      loadgen: { type: 'string', default: 'wrk' },
      threads: { type: 'string' },
      stations: { type: 'string', default: '200' },
      pin: { type: 'string', default: 'none' },
      'base-port': { type: 'string', default: '3901' },
      'nats-url': { type: 'string' },
      'namespace-env': { type: 'string' },
      'gateway-env': { type: 'string', multiple: true, default: [] },
      'keep-streams': { type: 'boolean', default: false },
      paired: { type: 'boolean', default: false },
      'gateway-processes': { type: 'string', default: '1' },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const int = (name: string, v: string, min: number) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got ${v})`)
    return n
  }
  const list = <T extends string>(name: string, v: string, allowed: readonly T[]): T[] => {
    const items = v.split(',').map((s) => s.trim()) as T[]
    for (const i of items)
      if (!allowed.includes(i))
        throw new Error(`--${name}: unknown ${JSON.stringify(i)} (use ${allowed.join(', ')})`)
    return [...new Set(items)]
  }
  if (values.profile && (values['cpu-prof'] || values['gateway-processes'] !== '1'))
    throw new Error('--profile profiles one process per target: not with --cpu-prof or --gateway-processes')
  if (values.pin !== 'none' && values.pin !== 'split') throw new Error('--pin must be none or split')
  if (values['nats-url'] && !values['namespace-env'])
    throw new Error(
      '--nats-url needs --namespace-env: without a namespace the gateway would write to shared streams',
    )
  const gatewayEnv: Record<string, string> = {}
  for (const kv of values['gateway-env']) {
    const eq = kv.indexOf('=')
    if (eq <= 0) throw new Error(`--gateway-env expects KEY=VALUE (got ${kv})`)
    gatewayEnv[kv.slice(0, eq)] = kv.slice(eq + 1)
  }
  return {
    connections: int('connections', values.connections, 1),
    durationS: int('duration', values.duration, 1),
    warmupS: int('warmup', values.warmup, 0),
    rounds: int('rounds', values.rounds, 1),
    targets: list('targets', values.targets, TARGETS),
    loadgens: list('loadgen', values.loadgen, LOADGENS),
    threads: int('threads', values.threads ?? (values.pin === 'split' ? '1' : '2'), 1),
    stations: int('stations', values.stations, 1),
    pin: values.pin,
    basePort: int('base-port', values['base-port'], 1024),
    natsUrl: values['nats-url'],
    namespaceEnv: values['namespace-env'],
    gatewayEnv,
    keepStreams: values['keep-streams'],
    paired: values.paired,
    gatewayProcesses: int('gateway-processes', values['gateway-processes'], 1),
    outDir: values.out,
    cpuProfDir: values['cpu-prof'],
    profile: values.profile,
  }
}
