import { Writable } from 'node:stream'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { createLogger } from '../../src/index.ts'

function capture() {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { lines, destination }
}

describe('createLogger', () => {
  const contextManager = new AsyncLocalStorageContextManager()
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
  })

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable())
    trace.setGlobalTracerProvider(provider)
  })
  afterAll(async () => {
    await provider.shutdown()
    trace.disable()
    context.disable()
  })

  test('writes JSON lines with name, level label and ISO time, and no trace ids outside a span', () => {
    const { lines, destination } = capture()
    createLogger({ name: 'ingest', destination }).info({ stationId: 'CP1' }, 'boot accepted')
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', name: 'ingest', stationId: 'CP1', msg: 'boot accepted' }),
    ])
    expect(lines[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(lines[0]).not.toHaveProperty('trace_id')
  })

  test('adds trace_id and span_id of the active span to every line, children included', () => {
    const { lines, destination } = capture()
    const logger = createLogger({ name: 'api', destination })
    const tracer = trace.getTracer('test')
    const ids = tracer.startActiveSpan('request', (span) => {
      logger.info('in span')
      logger.child({ component: 'db' }).warn('child in span')
      span.end()
      return span.spanContext()
    })
    logger.info('after span')
    expect(lines[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' })
    expect(lines[1]).toMatchObject({ trace_id: ids.traceId, component: 'db' })
    expect(lines[2]).not.toHaveProperty('trace_id')
  })

  test('respects the level', () => {
    const { lines, destination } = capture()
    const logger = createLogger({ name: 'x', level: 'warn', destination })
    logger.info('dropped')
    logger.warn('kept')
    expect(lines.map((l) => l.msg)).toEqual(['kept'])
  })

  test('redacts authorization headers and passwords', () => {
    const { lines, destination } = capture()
    const logger = createLogger({ name: 'x', destination, redact: ['custom.token'] })
    logger.info({
      req: { headers: { authorization: 'Bearer secret-key', cookie: 'sid=1', accept: 'text/xml' } },
      password: 'p1',
      db: { password: 'p2' },
      custom: { token: 't' },
    })
    const line = JSON.stringify(lines[0])
    for (const secret of ['secret-key', 'sid=1', 'p1', 'p2', '"t"']) expect(line).not.toContain(secret)
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', accept: 'text/xml' } } })
  })
})
