import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Streams, stationJournalFilter } from '@chargebus/events'
import { startTelemetry, type Telemetry } from '@chargebus/platform'
import { hashPassword } from '@chargebus/station-registry'
import { context, TraceFlags, trace } from '@opentelemetry/api'
import {
  envelope,
  startTestGateway,
  type TestGateway,
} from '../../services/ocpp-gateway/test/support/gateway.ts'
import { type CommandContext, runCli } from '../../tools/cli/src/index.ts'
import { readLatestStationMessages } from '../../tools/cli/src/trace/latest-messages.ts'
import { eventually } from '../support/eventually.ts'
import { NATS_URL } from '../support/nats.ts'

/*
 * `chargebus trace STATION` against the journal the real gateway writes: SOAP requests posted to it, some
 * inside a traced span (the bus writes the span's traceparent on what the gateway stores), some without tracing.
 */

const SLOW = 60_000
const UI = 'http://localhost:16686/trace/{traceId}'
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const auth = basic('CP-T', 's3cret')
const heartbeat = (station: string) => envelope({ identity: station, body: '<cs:heartbeatRequest/>' })
const unknownTag = () =>
  envelope({
    identity: 'CP-T',
    body: '<cs:authorizeRequest><cs:idTag>NOBODY-TAG</cs:idTag></cs:authorizeRequest>',
  })
const badMeterValues = () =>
  envelope({
    identity: 'CP-T',
    body: '<cs:meterValuesRequest><cs:connectorId>one</cs:connectorId></cs:meterValuesRequest>',
  })

let telemetry: Telemetry | undefined
/** Takes the spans the SDK exports (they are not what this test checks: the stored traceparent is). */
let receiver: Server | undefined
let gw: TestGateway
/** CP-T's requests in the order posted: untraced first, then traced (with the test span's trace id). */
const untraced: { messageId: string; action: string }[] = []
const traced: { messageId: string; traceId: string; sampled: boolean }[] = []
/** Stream times of CP-T's journal entries, oldest first. */
let stored: Date[] = []

async function post(xml: string, station = 'CP-T'): Promise<void> {
  const res = await gw.post(xml, { authorization: station === 'CP-T' ? auth : basic(station, 'other') })
  if (res.status !== 200 && !xml.includes('meterValuesRequest')) throw new Error(`${res.status} ${res.body}`)
}

beforeAll(async () => {
  gw = await startTestGateway({ NODE_ENV: 'production', OCPP_REGISTRATION: 'accept-all' })
  await gw.putStation('CP-T', { registrationStatus: 'Accepted', password: hashPassword('s3cret') })
  await gw.putStation('CP-OTHER', { registrationStatus: 'Accepted', password: hashPassword('other') })
  await gw.putStation('CP-QUIET', { registrationStatus: 'Accepted', password: hashPassword('other') })

  // Without tracing: no traceparent is written.
  for (const [action, request] of [
    ['Heartbeat', heartbeat('CP-T')],
    ['Authorize', unknownTag()],
    ['MeterValues', badMeterValues()],
  ] as const) {
    await post(request.xml)
    await post(heartbeat('CP-OTHER').xml, 'CP-OTHER')
    untraced.push({ messageId: request.messageId as string, action })
  }
  // The fault journal is written after the answer (best effort): wait until it is in the stream.
  await eventually(async () => (await gw.faults()).length === 1)

  // Tracing as a service starts it (context manager, W3C propagator, sampled tracer provider).
  receiver = createServer((req, res) => req.resume().on('end', () => res.end('{}')))
  await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve))
  const port = (receiver.address() as AddressInfo).port
  telemetry = await startTelemetry({
    serviceName: 'cli-trace-test',
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER_ARG: '1',
    },
  })
  const tracer = trace.getTracer('cli-trace-test')
  for (let i = 0; i < 3; i++) {
    const request = heartbeat('CP-T')
    const traceId = await tracer.startActiveSpan('station call', async (span) => {
      await post(request.xml)
      span.end()
      return span.spanContext().traceId
    })
    await post(heartbeat('CP-OTHER').xml, 'CP-OTHER')
    traced.push({ messageId: request.messageId as string, traceId, sampled: true })
  }
  // A caller whose trace is not sampled (traceparent flags 00): the id travels, no span is exported.
  const unsampled = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.NONE,
  }
  const request = heartbeat('CP-T')
  await context.with(trace.setSpanContext(context.active(), { ...unsampled, isRemote: true }), () =>
    post(request.xml),
  )
  traced.push({ messageId: request.messageId as string, traceId: unsampled.traceId, sampled: false })
  const scan = await gw.deps.bus.scan(Streams.OCPP_IN, {
    filter: stationJournalFilter({ station: 'CP-T' }),
    max: 100,
    budgetMs: 5_000,
  })
  stored = scan.events.map((e) => e.publishedAt)
}, SLOW)

afterAll(async () => {
  await gw?.close()
  await telemetry?.shutdown()
  await new Promise((resolve) => receiver?.close(resolve))
}, SLOW)

async function cli(args: string[], extra: Partial<CommandContext> = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['trace', ...args, '--namespace', gw.namespace], {
    env: { NATS_URL },
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    ...extra,
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

interface JsonRow {
  action: string
  messageId: string
  outcome: { kind: string; detail: string | null; errorCode: string | null }
  traceId: string | null
  traceUrl: string | null
}
const json = (stdout: string) => JSON.parse(stdout) as { stationId: string; items: JsonRow[]; more: boolean }

test('the table: every CP-T message oldest first with action, message id, outcome and trace id; no other station', async () => {
  const run = await cli(['CP-T'])
  expect(run).toMatchObject({ code: 0, stderr: '' })
  const [header, ...lines] = run.stdout.trimEnd().split('\n')
  expect(header?.split(/\s{2,}/)).toEqual(['TIME', 'ACTION', 'MESSAGE ID', 'OUTCOME', 'TRACE ID'])
  const cells = lines.map((l) => l.split(/\s{2,}/))
  expect(cells.map((c) => c.slice(1))).toEqual([
    ['Heartbeat', untraced[0]?.messageId, 'answered', '-'],
    ['Authorize', untraced[1]?.messageId, 'rejected Invalid', '-'],
    ['MeterValues', untraced[2]?.messageId, 'faulted ProtocolError OCPP_ERR_SCHEMA', '-'],
    ...traced.map((t) => ['Heartbeat', t.messageId, 'answered', t.traceId]),
  ])
  expect(run.stdout).not.toContain('CP-OTHER')
})

test('the traced rows carry the trace id of the span the request was made in', () => {
  // Guards the fixture: distinct, valid W3C trace ids (a no-op tracer would give all zeros).
  expect(new Set(traced.map((t) => t.traceId)).size).toBe(traced.length)
  for (const t of traced) expect(t.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/)
})

test('--json, with CHARGEBUS_TRACE_URL: a link per sampled trace, null where there is none or it was not sampled', async () => {
  const run = await cli(['CP-T', '--json'], { env: { NATS_URL, CHARGEBUS_TRACE_URL: UI } })
  expect(run.code).toBe(0)
  const doc = json(run.stdout)
  expect(doc).toMatchObject({ stationId: 'CP-T', more: false })
  expect(doc.items.map((r) => [r.action, r.outcome, r.traceId, r.traceUrl])).toEqual([
    ['Heartbeat', { kind: 'answered', detail: null, errorCode: null }, null, null],
    ['Authorize', { kind: 'rejected', detail: 'Invalid', errorCode: null }, null, null],
    ['MeterValues', { kind: 'faulted', detail: 'ProtocolError', errorCode: 'OCPP_ERR_SCHEMA' }, null, null],
    ...traced.map((t) => [
      'Heartbeat',
      { kind: 'answered', detail: null, errorCode: null },
      t.traceId,
      t.sampled ? `http://localhost:16686/trace/${t.traceId}` : null,
    ]),
  ])
})

test('the table gets a LINK column when a trace UI is configured', async () => {
  const run = await cli(['CP-T', '--limit', '2'], { env: { NATS_URL, CHARGEBUS_TRACE_URL: UI } })
  const [header, ...rows] = run.stdout
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/\s{2,}/))
  expect(header?.at(-1)).toBe('LINK')
  expect(rows.map((r) => r.slice(-2))).toEqual([
    [traced[2]?.traceId, `http://localhost:16686/trace/${traced[2]?.traceId}`],
    [traced[3]?.traceId, '-'],
  ])
})

test('--limit keeps the newest, newest last, and says older ones were left out', async () => {
  const run = await cli(['CP-T', '--limit', '2', '--json'])
  expect(json(run.stdout).items.map((r) => r.messageId)).toEqual(traced.slice(-2).map((t) => t.messageId))
  expect(json(run.stdout).more).toBe(true)
  const table = await cli(['CP-T', '--limit', '2'])
  expect(table.stderr).toContain('older ones left out')
})

test('--since TIME: only what was stored since then; --since DURATION counts back from the clock', async () => {
  const firstTraced = stored[untraced.length] as Date
  const byTime = await cli(['CP-T', '--since', firstTraced.toISOString(), '--json'])
  expect(json(byTime.stdout).items.map((r) => r.messageId)).toEqual(traced.map((t) => t.messageId))

  const clock = () => new Date(firstTraced.getTime() + 90 * 60_000)
  const byDuration = await cli(['CP-T', '--since', '90m', '--json'], { clock })
  expect(json(byDuration.stdout).items.map((r) => r.messageId)).toEqual(traced.map((t) => t.messageId))

  const later = new Date((stored.at(-1) as Date).getTime() + 1_000).toISOString()
  expect(await cli(['CP-T', '--since', later])).toMatchObject({
    code: 0,
    stdout: `no messages from CP-T since ${later}\n`,
  })
})

test('reading backwards in small windows finds the same newest messages as one wide window', async () => {
  for (const limit of [1, 4, 50]) {
    const wide = await readLatestStationMessages(gw.deps.bus, { stationId: 'CP-T', limit })
    const narrow = await readLatestStationMessages(gw.deps.bus, { stationId: 'CP-T', limit }, undefined, 1)
    expect(narrow).toEqual(wide)
    expect(wide.items).toHaveLength(Math.min(limit, untraced.length + traced.length))
  }
})

test('a known station without messages says so; an unknown station is exit 1 with a clear message', async () => {
  expect(await cli(['CP-QUIET'])).toMatchObject({ code: 0, stdout: 'no messages from CP-QUIET in OCPP_IN\n' })
  const unknown = await cli(['CP-NOBODY'])
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toMatch(/^chargebus trace: unknown station CP-NOBODY: no entry in OCPP_IN/)
  expect(unknown.stdout).toBe('')
})

test('a wrong command line is exit 2 with the usage hint', async () => {
  for (const args of [['CP-T', '--limit', '0'], ['CP-T', '--since', 'yesterday'], ['--json']]) {
    const run = await cli(args)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('(chargebus trace --help)')
  }
  const badUrl = await cli(['CP-T'], { env: { NATS_URL, CHARGEBUS_TRACE_URL: 'localhost:16686/trace' } })
  expect(badUrl.code).toBe(1)
  expect(badUrl.stderr).toContain('CHARGEBUS_TRACE_URL')
})

test(
  'the real command line (`node tools/cli/src/main.ts trace`, as `pnpm chargebus trace` runs it)',
  async () => {
    const main = fileURLToPath(new URL('../../tools/cli/src/main.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      [main, 'trace', 'CP-T', '--limit', '1', '--json', '--namespace', gw.namespace],
      {
        env: { PATH: process.env.PATH ?? '', NATS_URL },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    expect(json(stdout).items.map((r) => r.traceId)).toEqual([traced.at(-1)?.traceId])
  },
  SLOW,
)
