/**
 * Where a server's CPU goes per request, from a V8 CPU profile: every sample is charged to the innermost frame
 * on its stack that belongs to a named cost (a library, or a stage of the gateway's request), so a socket write
 * under the NATS client is "NATS client" and the same syscall under Fastify's reply is "HTTP". Shares of busy
 * time times the run's measured CPU per request give microseconds per request.
 */

export interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

export interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly hitCount?: number
  readonly children?: readonly number[]
}

/** The parts of a V8 `.cpuprofile` (Profiler.stop's `profile`) that are read here. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
}

export interface Cost {
  readonly cost: string
  /** Share of the busy (non-idle) samples. */
  readonly share: number
  readonly usPerRequest: number
}

const path = (url: string) => url.replace(/^file:\/\//, '')

/** Named costs, tried in order for each frame; the first that matches names the frame. */
const RULES: ReadonlyArray<readonly [string, (f: CallFrame, url: string) => boolean]> = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  [
    'XML parse (saxes)',
    (_, u) => /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(saxes|xmlchars)\//.test(u),
  ],
  ['XML parse', (_, u) => /\/packages\/ocpp\/src\/xml\/(parse|scan|decode-body)/.test(u)],
  [
    'SOAP decode and validation',
    (_, u) =>
      /\/packages\/ocpp\/src\/(soap\/(decode-request|envelope-parser)|xsd\/(read|validate|date|schema))/.test(
        u,
      ),
  ],
  [
    'SOAP encode',
    (_, u) =>
      /\/packages\/ocpp\/src\/(soap\/(encode|envelope-writer|serialize)|xsd\/write|xml\/escape)/.test(u),
  ],
  ['NATS client (socket writes, PubAcks)', (_, u) => u.includes('/@nats-io/')],
  ['bus publish (event check, headers, JSON)', (_, u) => u.includes('/packages/bus/src/')],
  ['event schemas (TypeBox)', (_, u) => u.includes('/typebox/') || u.includes('/packages/events/')],
  [
    'tracing (OpenTelemetry)',
    (_, u) =>
      u.includes('/@opentelemetry/') ||
      /\/packages\/platform\/src\/(request-tracing|deferred-span|pinnable-id-generator|error-keeping)/.test(
        u,
      ),
  ],
  ['metrics (prom-client)', (_, u) => u.includes('/prom-client/')],
  ['logging (pino)', (_, u) => u.includes('/pino')],
  ['Postgres (kysely, pg)', (_, u) => /\/(kysely|pg|pg-pool|pg-protocol)\//.test(u)],
  ['command dispatcher (background)', (_, u) => u.includes('/services/ocpp-gateway/src/commands/')],
  [
    'OCPP logic (auth, registration, answer, journal entry)',
    (_, u) => u.includes('/services/ocpp-gateway/src/'),
  ],
  ['OCPP codec (other)', (_, u) => u.includes('/packages/ocpp/src/')],
  ['HTTP (node:http, Fastify, socket writes)', (_, u) => /\/(fastify|find-my-way|avvio)\//.test(u)],
]

/** Node's own modules name a sample only when no library or stage above them does (the same write serves both). */
const NODE_RULES: ReadonlyArray<readonly [string, (url: string) => boolean]> = [
  [
    'HTTP (node:http, Fastify, socket writes)',
    (u) => /^node:(_http|http|net|stream|internal\/streams)/.test(u),
  ],
]

const IDLE = new Set(['(idle)', '(program)'])

function nameOf(f: CallFrame): string | undefined {
  const url = path(f.url)
  for (const [name, test] of RULES) if (test(f, url)) return name
  return undefined
}

function nodeNameOf(f: CallFrame): string | undefined {
  for (const [name, test] of NODE_RULES) if (test(f.url)) return name
  return undefined
}

/**
 * Busy samples by named cost. A sample whose stack has no named frame is "other (node internals, promises)".
 *
 * ### Examples
 * ```ts
 * costCenters(profile, 105) // [{ cost: 'XML parse (saxes)', share: 0.2, usPerRequest: 21 }, ...] largest first
 * ```
 */
export function costCenters(profile: CpuProfile, serverCpuUsPerRequest: number): Cost[] {
  const parentOf = new Map<number, ProfileNode>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n)
  // The innermost frame named by `name` on the node's stack (memoized per node: stacks share their tops).
  const innermost = (name: (f: CallFrame) => string | undefined) => {
    const memo = new Map<number, string | null>()
    const of = (node: ProfileNode): string | null => {
      const known = memo.get(node.id)
      if (known !== undefined) return known
      const parent = parentOf.get(node.id)
      const found = name(node.callFrame) ?? (parent ? of(parent) : null)
      memo.set(node.id, found)
      return found
    }
    return of
  }
  const byRule = innermost(nameOf)
  const byNode = innermost(nodeNameOf)
  const costOf = (node: ProfileNode) => byRule(node) ?? byNode(node) ?? 'other (node internals, promises)'
  const samples = new Map<string, number>()
  let busy = 0
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0
    if (hits === 0 || IDLE.has(n.callFrame.functionName)) continue
    busy += hits
    const cost = costOf(n)
    samples.set(cost, (samples.get(cost) ?? 0) + hits)
  }
  return [...samples]
    .map(([cost, n]) => ({
      cost,
      share: Math.round((1000 * n) / Math.max(1, busy)) / 1000,
      usPerRequest: Math.round((10 * serverCpuUsPerRequest * n) / Math.max(1, busy)) / 10,
    }))
    .sort((a, b) => b.usPerRequest - a.usPerRequest)
}
