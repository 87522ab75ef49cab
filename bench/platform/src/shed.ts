/**
 * Load-shedding micro-benchmark (not part of the test run): the CPU one request costs when the in-flight cap
 * answers it 503, in one process through `inject`, against the same-run floor (bare Fastify answering the same
 * 503 from an `onRequest` hook), untraced and traced (the real SDK from `startTelemetry`, exporting OTLP/JSON to
 * a sink in a child process that counts the spans and the error spans it receives). An ordinary 200 of the
 * service app is measured alongside, so a change to the cap shows on that path too. The variants run
 * interleaved in blocks; CPU from `process.cpuUsage`, medians over blocks. Prints one JSON object.
 *
 * Compare a variant with itself across code changes (same creation order), and each with the floor created
 * first: a bare Fastify app created after the others measured 2.5x the same app created first (V8's inline
 * caches and shapes, shared by every app in the process), so apps made in another order are not comparable.
 *
 *   node bench/platform/src/shed.ts [blocks=40] [perBlock=400] [--ratio 0.1] [--base-port 4901]
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { createServiceApp, startTelemetry } from '@chargebus/platform'
import fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { median } from '../../gateway/src/stats.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { ratio: { type: 'string', default: '0.1' }, 'base-port': { type: 'string', default: '4901' } },
})
const [blocks = 40, perBlock = 400] = positionals.map(Number)
const ratio = values.ratio
const port = Number(values['base-port'])

/** The OTLP/HTTP JSON sink, in its own process so its parsing is not counted as the server's CPU. */
const SINK = `
const http = require('node:http')
let spans = 0, errors = 0, requests = 0
http.createServer((req, res) => {
  let body = ''
  req.on('data', (d) => { body += d })
  req.on('end', () => {
    requests++
    for (const r of JSON.parse(body).resourceSpans ?? [])
      for (const s of r.scopeSpans ?? [])
        for (const span of s.spans ?? []) { spans++; if (span.status?.code === 2) errors++ }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
}).listen(Number(process.argv[1]), '127.0.0.1', () => process.send('ready'))
process.on('message', () => process.send({ spans, errors, requests }))
`
const sink = spawn(process.execPath, ['-e', SINK, String(port)], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
await new Promise<void>((resolve) => sink.once('message', () => resolve()))
const sinkCounts = () =>
  new Promise<{ spans: number; errors: number; requests: number }>((resolve) => {
    sink.once('message', (m) => resolve(m as { spans: number; errors: number; requests: number }))
    sink.send('count')
  })

const logger = pino({ level: 'info' }, pino.destination('/dev/null'))
const limits = {
  maxInFlight: 1,
  maxConnections: 100,
  requestTimeoutMs: 600_000,
  headersTimeoutMs: 600_000,
  trustProxy: false,
}
const held: Array<() => void> = []

/** A service app whose one in-flight place is taken by a request that waits until the end. */
async function platformApp(cap: boolean): Promise<FastifyInstance> {
  const app = createServiceApp({ name: 'shed-bench', logger, ...(cap ? { limits } : {}) })
  app.post('/slow', () => new Promise((resolve) => held.push(() => resolve({ ok: true }))))
  app.post('/work', async () => ({ ok: true }))
  await app.ready()
  if (cap) {
    void app.inject({ method: 'POST', url: '/slow' })
    while (held.length === 0) await new Promise((r) => setImmediate(r))
  }
  return app as unknown as FastifyInstance
}

/** Bare Fastify, no logger, answering every request as the cap does: the floor. */
async function bareShedApp(): Promise<FastifyInstance> {
  const app = fastify()
  app.addHook('onRequest', (_request, reply, _done) => {
    void reply.code(503).header('retry-after', '1').header('connection', 'close').send()
  })
  app.post('/work', async () => ({ ok: true }))
  await app.ready()
  return app
}

// Untraced apps first: the SDK adds its request hooks to the Fastify apps created after it starts.
const variants: Record<string, { app: FastifyInstance; status: number }> = {
  'bare-503': { app: await bareShedApp(), status: 503 },
  'platform-503': { app: await platformApp(true), status: 503 },
  'platform-200': { app: await platformApp(false), status: 200 },
}
const telemetry = await startTelemetry({
  serviceName: 'shed-bench',
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER_ARG: ratio,
  },
})
variants['traced-503'] = { app: await platformApp(true), status: 503 }

const payload = { station: 'CP-1', values: [1, 2, 3] }
async function block(app: FastifyInstance, status: number): Promise<number> {
  const start = process.cpuUsage()
  for (let i = 0; i < perBlock; i++) {
    const res = await app.inject({ method: 'POST', url: '/work', payload })
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}`)
  }
  const used = process.cpuUsage(start)
  return (used.user + used.system) / perBlock
}

const startedAt = new Date().toISOString()
const loadAtStart = loadavg()
const names = Object.keys(variants)
const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
for (const n of names) await block(variants[n]?.app as FastifyInstance, variants[n]?.status ?? 0) // warm-up
for (let b = 0; b < blocks; b++) {
  // Rotated order: no variant always runs right after the same one.
  for (let i = 0; i < names.length; i++) {
    const name = names[(b + i) % names.length] as string
    const v = variants[name]
    if (v) samples[name]?.push(await block(v.app, v.status))
  }
}
const loadAtEnd = loadavg()

for (const release of held.splice(0)) release()
await Promise.all(names.map((n) => variants[n]?.app.close()))
await telemetry.shutdown()
const exported = await sinkCounts()
sink.kill()

const cpu = Object.fromEntries(names.map((n) => [n, Number(median(samples[n] ?? []).toFixed(2))]))
const tracedRequests = (blocks + 1) * perBlock
console.log(
  JSON.stringify(
    {
      startedAt,
      finishedAt: new Date().toISOString(),
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      blocks,
      perBlock,
      samplerRatio: Number(ratio),
      cpuMicrosPerRequest: cpu,
      ratios: {
        platform503OverBare503: Number(((cpu['platform-503'] ?? 0) / (cpu['bare-503'] ?? 1)).toFixed(2)),
        traced503OverBare503: Number(((cpu['traced-503'] ?? 0) / (cpu['bare-503'] ?? 1)).toFixed(2)),
      },
      // Spans of the traced shed requests the sink received: at ratio r about r of them, none an error.
      traced503Exported: {
        requests: tracedRequests,
        spans: exported.spans,
        errorSpans: exported.errors,
        spansPerRequest: Number((exported.spans / tracedRequests).toFixed(3)),
      },
    },
    null,
    2,
  ),
)
