import diagnostics from 'node:diagnostics_channel'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import {
  context,
  propagation,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { hrTimeToNanoseconds, W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { createErrorKeepingSampler } from '../../src/error-keeping-sampler.ts'
import { ErrorKeepingSpanProcessor } from '../../src/error-keeping-span-processor.ts'
import { PinnableIdGenerator } from '../../src/pinnable-id-generator.ts'
import { addRequestTracing } from '../../src/request-tracing.ts'
import { createServiceApp } from '../../src/service-app.ts'

// The SDK pieces tracing-sdk.ts assembles (its sampler, id generator and processor), with an in-memory exporter.
function setUp(ratio: number) {
  const exporter = new InMemorySpanExporter()
  const processor = new ErrorKeepingSpanProcessor(new SimpleSpanProcessor({ exporter }))
  const sampler = createErrorKeepingSampler(
    new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
  )
  const ids = new PinnableIdGenerator()
  const provider = new TracerProvider({ sampler, idGenerator: ids, spanProcessors: [processor] })
  const exported = async () => {
    await provider.forceFlush()
    return exporter.getFinishedSpans()
  }
  const options = {
    tracer: provider.getTracer('@chargebus/platform/request-tracing'),
    sampler,
    ids,
    release: (traceId: string) => processor.release(traceId),
  }
  return { provider, exported, options, client: provider.getTracer('client') }
}

interface Seen {
  span: SpanContext | undefined
  traceparent: string | undefined
}

/** Routes like a service's: a success, a thrown error, a fault marked on the span, a failed SQL-like call. */
function routes(app: FastifyInstance, client: ReturnType<typeof setUp>['client'], seen: Seen[]) {
  const look = () => {
    const carrier: Record<string, string> = {}
    propagation.inject(context.active(), carrier)
    seen.push({ span: trace.getActiveSpan()?.spanContext(), traceparent: carrier.traceparent })
  }
  const query = (fails: boolean) => {
    const span = client.startSpan('pg.query:SELECT', { kind: SpanKind.CLIENT })
    if (fails) span.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' })
    span.end()
  }
  app.get('/stations/:id', async () => {
    look()
    query(false)
    return { ok: true }
  })
  app.get('/broken', async () => {
    look()
    query(false)
    throw new Error('kaboom')
  })
  app.post('/soap', async () => {
    look()
    trace.getActiveSpan()?.setAttributes({ 'ocpp.action': 'Heartbeat' })
    trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: 'fault' })
    return 'fault'
  })
  app.post('/soap-500', async (_request, reply) => {
    trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: 'fault' })
    return reply.code(500).send('fault')
  })
  app.get('/retried', async () => {
    query(true)
    query(false)
    return { ok: true }
  })
  app.get('/healthz', async () => {
    look()
    return { status: 'ok' }
  })
}

const callerSampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
const callerUnsampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'

const attributesOf = (s: ReadableSpan | undefined) => s?.attributes

describe('addRequestTracing', () => {
  const manager = new AsyncLocalStorageContextManager()
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable())
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  })
  afterAll(() => {
    context.disable()
    propagation.disable()
  })

  async function traced(ratio: number) {
    const set = setUp(ratio)
    const app = fastify()
    addRequestTracing(app, set.options)
    const seen: Seen[] = []
    routes(app, set.client, seen)
    await app.ready()
    return { ...set, app, seen }
  }

  test('makes the span @fastify/otel makes (name, kind, parent, attributes, status, exception)', async () => {
    // The same requests through @fastify/otel (hooks and handler spans off, as the platform used it) and ours.
    const otel = setUp(1)
    const instrumentation = new FastifyOtelInstrumentation({
      instrumentHooks: false,
      instrumentHandler: false,
    })
    instrumentation.setTracerProvider(otel.provider)
    const reference = fastify()
    await reference.register(instrumentation.plugin())
    routes(reference, otel.client, [])
    const ours = await traced(1)
    for (const app of [reference, ours.app]) {
      expect(
        (await app.inject({ url: '/stations/CP1?x=1', headers: { traceparent: callerSampled } })).statusCode,
      ).toBe(200)
      expect((await app.inject({ url: '/broken' })).statusCode).toBe(500)
    }
    const comparable = (s: ReadableSpan) => ({
      name: s.name,
      kind: s.kind,
      parent: s.parentSpanContext?.spanId,
      status: s.status,
      attributes: Object.fromEntries(Object.entries(s.attributes).filter(([k]) => k !== 'fastify.root')),
      // the stack trace names the hook that ran the handler: the only difference
      events: s.events.map((e) => ({
        name: e.name,
        attributes: { ...e.attributes, 'exception.stacktrace': '' },
      })),
    })
    const requests = async (set: { exported: () => Promise<ReadableSpan[]> }) =>
      (await set.exported()).filter((s) => s.kind === SpanKind.SERVER).map(comparable)
    const expected = await requests(otel)
    expect(expected).toHaveLength(2)
    expect(await requests(ours)).toEqual(expected)
    expect(expected[0]).toMatchObject({
      parent: 'b7ad6b7169203331',
      attributes: {
        'http.route': '/stations/:id',
        'url.path': '/stations/CP1?x=1',
        'http.response.status_code': 200,
      },
    })
    expect(expected[1]).toMatchObject({ status: { code: SpanStatusCode.ERROR, message: 'kaboom' } })
  })

  test('exports nothing of an unsampled request that succeeds, yet the handler runs in its trace', async () => {
    const { app, seen, exported } = await traced(0)
    expect((await app.inject({ url: '/stations/CP1' })).statusCode).toBe(200)
    expect(await exported()).toEqual([])
    const span = seen[0]?.span
    expect(span).toMatchObject({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      traceFlags: TraceFlags.NONE,
    })
    // what a publish carries: this request's ids, not sampled
    expect(seen[0]?.traceparent).toBe(`00-${span?.traceId}-${span?.spanId}-00`)
  })

  test('exports a failed unsampled request with the ids it ran with, its exception and its SQL span', async () => {
    const { app, seen, exported } = await traced(0)
    expect((await app.inject({ url: '/broken' })).statusCode).toBe(500)
    const spans = await exported()
    const request = spans.find((s) => s.kind === SpanKind.SERVER)
    const sql = spans.find((s) => s.kind === SpanKind.CLIENT)
    expect(request?.spanContext()).toMatchObject({ ...seen[0]?.span, traceFlags: TraceFlags.SAMPLED })
    expect(request).toMatchObject({
      name: 'request',
      status: { code: SpanStatusCode.ERROR, message: 'kaboom' },
    })
    expect(request?.parentSpanContext).toBeUndefined()
    expect(attributesOf(request)).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/broken',
      'http.response.status_code': 500,
    })
    expect(request?.events.map((e) => e.name)).toEqual(['exception'])
    expect(sql?.parentSpanContext?.spanId).toBe(seen[0]?.span?.spanId)
    expect(sql?.spanContext().traceId).toBe(seen[0]?.span?.traceId)
    // the start time is the request's arrival, before its SQL span (the SDK starts a span at Date.now(): 1 ms grain)
    const ns = (s: ReadableSpan | undefined) =>
      s === undefined ? Number.NaN : hrTimeToNanoseconds(s.startTime)
    expect(ns(request)).toBeLessThanOrEqual(ns(sql) + 1e6)
  })

  test('exports an unsampled request answered 200 whose handler marked it failed (a SOAP fault)', async () => {
    const { app, exported } = await traced(0)
    expect((await app.inject({ method: 'POST', url: '/soap', payload: {} })).statusCode).toBe(200)
    const [request] = await exported()
    expect(request).toMatchObject({ status: { code: SpanStatusCode.ERROR, message: 'fault' } })
    expect(attributesOf(request)).toMatchObject({
      'ocpp.action': 'Heartbeat',
      'http.response.status_code': 200,
    })
  })

  test.each([0, 1])(
    'a 5xx whose handler already marked it failed keeps that reason (SOAP 1.2 faults are 500s), ratio %d',
    async (ratio) => {
      const { app, exported } = await traced(ratio)
      expect((await app.inject({ method: 'POST', url: '/soap-500', payload: {} })).statusCode).toBe(500)
      const [request] = await exported()
      expect(request).toMatchObject({ status: { code: SpanStatusCode.ERROR, message: 'fault' } })
    },
  )

  test('exports an unsampled request whose SQL call failed though the request succeeded', async () => {
    const { app, exported } = await traced(0)
    expect((await app.inject({ url: '/retried' })).statusCode).toBe(200)
    const spans = await exported()
    expect(spans.map((s) => s.kind).sort()).toEqual(
      [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.CLIENT].sort(),
    )
    expect(spans.find((s) => s.kind === SpanKind.SERVER)?.status.code).toBe(SpanStatusCode.UNSET)
  })

  test("follows the caller's decision: unsampled at ratio 1 stays unsampled, sampled at ratio 0 is exported", async () => {
    const one = await traced(1)
    await one.app.inject({ url: '/stations/CP1', headers: { traceparent: callerUnsampled } })
    expect(await one.exported()).toEqual([])
    expect(one.seen[0]?.span?.traceId).toBe('0af7651916cd43dd8448eb211c80319c')

    const zero = await traced(0)
    await zero.app.inject({ url: '/stations/CP1', headers: { traceparent: callerSampled } })
    const [request] = (await zero.exported()).filter((s) => s.kind === SpanKind.SERVER)
    expect(request?.parentSpanContext).toMatchObject({ spanId: 'b7ad6b7169203331', isRemote: true })
    expect(request?.spanContext()).toEqual(zero.seen[0]?.span)
  })

  test('leaves the operational routes untraced, with or without a query string', async () => {
    const { app, seen, exported } = await traced(1)
    await app.inject({ url: '/healthz' })
    await app.inject({ url: '/healthz?verbose=1' })
    expect(seen.map((s) => s.span)).toEqual([undefined, undefined])
    expect(await exported()).toEqual([])
  })

  test.each([0, 1])(
    'a 503 of the in-flight cap (load shed) is no error span, ratio %d; a real 5xx still is one',
    async (ratio) => {
      const set = setUp(ratio)
      // Wired as tracing-sdk.ts does: the request hooks added to the service app as it is created.
      const onFastify = (message: unknown) =>
        addRequestTracing((message as { fastify: FastifyInstance }).fastify, set.options)
      diagnostics.subscribe('fastify.initialization', onFastify)
      const limits = {
        maxInFlight: 1,
        maxConnections: 10,
        requestTimeoutMs: 1000,
        headersTimeoutMs: 1000,
        trustProxy: false,
      }
      const app = createServiceApp({ name: 'shed', logger: pino({ level: 'silent' }), limits })
      diagnostics.unsubscribe('fastify.initialization', onFastify)
      let entered = () => {}
      const inHandler = new Promise<void>((resolve) => {
        entered = resolve
      })
      let answer = () => {}
      app.post('/slow', () => {
        entered()
        return new Promise((resolve) => {
          answer = () => resolve({ ok: true })
        })
      })
      app.get('/broken', async () => {
        throw new Error('kaboom')
      })
      await app.ready()
      const held = app.inject({ method: 'POST', url: '/slow' })
      await inHandler
      expect((await app.inject({ url: '/broken' })).statusCode).toBe(503)
      answer()
      expect((await held).statusCode).toBe(200)
      expect((await app.inject({ url: '/broken' })).statusCode).toBe(500)
      const requests = (await set.exported())
        .filter((s) => s.kind === SpanKind.SERVER)
        .map((s) => ({ status: s.attributes['http.response.status_code'], code: s.status.code }))
        .sort((a, b) => Number(a.status) - Number(b.status))
      const failed = { status: 500, code: SpanStatusCode.ERROR }
      // Unsampled, only the real failure is exported; sampled, the shed request is an ordinary 503.
      expect(requests).toEqual(
        ratio === 0
          ? [failed]
          : [
              { status: 200, code: SpanStatusCode.UNSET },
              failed,
              { status: 503, code: SpanStatusCode.UNSET },
            ],
      )
      await app.close()
    },
  )

  test('a sampled request runs in the SDK span that is exported', async () => {
    const { app, seen, exported } = await traced(1)
    await app.inject({ url: '/stations/CP7' })
    const request = (await exported()).find((s) => s.kind === SpanKind.SERVER)
    expect(request?.spanContext()).toEqual(seen[0]?.span)
    expect((seen[0]?.span?.traceFlags ?? 0) & TraceFlags.SAMPLED).toBe(TraceFlags.SAMPLED)
  })
})
