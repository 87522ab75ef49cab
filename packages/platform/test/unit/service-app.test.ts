import { Writable } from 'node:stream'
import { Counter } from 'prom-client'
import {
  createLogger,
  createMetricsRegistry,
  createServiceApp,
  type LogLevel,
  type ServiceApp,
} from '../../src/index.ts'

function quietLogger(level: LogLevel = 'silent') {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: createLogger({ name: 'test', level, destination }), lines }
}

describe('createServiceApp', () => {
  const apps: ServiceApp[] = []
  function build(options: Partial<Parameters<typeof createServiceApp>[0]> = {}) {
    const app = createServiceApp({ name: 'test', logger: quietLogger().logger, ...options })
    apps.push(app)
    return app
  }
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })

  test('/healthz answers 200 without consulting dependencies', async () => {
    const app = build({
      readiness: {
        broken: async () => {
          throw new Error('down')
        },
      },
    })
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  test('/readyz answers 200 with every check when all pass', async () => {
    const app = build({ readiness: { postgres: async () => {}, nats: async () => {} } })
    const res = await app.inject('/readyz')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      status: 'ok',
      checks: {
        postgres: { status: 'ok', durationMs: expect.any(Number) },
        nats: { status: 'ok', durationMs: expect.any(Number) },
      },
    })
  })

  test('/readyz reports background work beside the checks without making the service unready', async () => {
    let work: { status: 'running' | 'done'; progress: Record<string, number> } = {
      status: 'running',
      progress: { rows: 500 },
    }
    const app = build({ readiness: { nats: async () => {} }, background: () => ({ catchUp: work }) })
    const running = await app.inject('/readyz')
    expect(running.statusCode).toBe(200)
    expect(running.json()).toMatchObject({
      status: 'ok',
      background: { catchUp: { status: 'running', progress: { rows: 500 } } },
    })
    work = { status: 'done', progress: { rows: 30_000 } }
    expect((await app.inject('/readyz')).json().background).toEqual({
      catchUp: { status: 'done', progress: { rows: 30_000 } },
    })
  })

  test('/readyz answers 503 naming the failing and the hanging check, without their error text', async () => {
    const app = build({
      readinessTimeoutMs: 100,
      readiness: {
        postgres: async () => {},
        nats: async () => {
          throw new Error('connect ECONNREFUSED 10.0.3.7:4222')
        },
        cache: () => new Promise(() => {}),
      },
    })
    const res = await app.inject('/readyz')
    expect(res.statusCode).toBe(503)
    const body = res.json()
    expect(body.status).toBe('unavailable')
    expect(body.checks.postgres.status).toBe('ok')
    expect(body.checks.nats).toEqual({ status: 'failed', durationMs: expect.any(Number) })
    expect(body.checks.cache).toEqual({ status: 'failed', durationMs: expect.any(Number) })
    expect(res.body).not.toContain('10.0.3.7') // internal addresses stay in the log
  })

  test('/metrics serves Prometheus text with process metrics and the request histogram by route', async () => {
    const app = build()
    app.get('/stations/:id', async () => ({ ok: true }))
    await app.inject('/stations/CP1')
    await app.inject('/stations/CP2')
    await app.inject('/nowhere/at/all')
    const res = await app.inject('/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(res.body).toContain('# TYPE http_request_duration_seconds histogram')
    expect(res.body).toMatch(/^process_cpu_user_seconds_total\{service="test"\} \d/m)
    expect(res.body).toContain(
      'http_request_duration_seconds_count{service="test",method="GET",route="/stations/:id",status_code="200",outcome="answered"} 2',
    )
    expect(res.body).toContain('route="(unmatched)",status_code="404",outcome="answered"')
    expect(res.body).not.toContain('/stations/CP1')
  })

  test('two apps in one process keep separate registries; a service adds metrics to its own', async () => {
    const registry = createMetricsRegistry({ service: 'one' })
    const rows = new Counter({ name: 'ingest_rows_total', help: 'Rows written', registers: [registry] })
    const one = build({ name: 'one', metrics: registry })
    const two = build({ name: 'two' })
    rows.inc(5)
    expect(one.metrics).toBe(registry)
    expect((await one.inject('/metrics')).body).toContain('ingest_rows_total{service="one"} 5')
    expect((await two.inject('/metrics')).body).not.toContain('ingest_rows_total')
  })

  test('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const app = build()
    app.get('/id', async (request) => ({ id: request.id }))
    const given = await app.inject({ url: '/id', headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers['x-request-id']).toBe('abc-123')
    expect(given.json()).toEqual({ id: 'abc-123' })
    const forged = await app.inject({ url: '/id', headers: { 'x-request-id': 'a"b\n{"level":"fatal"}' } })
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const generated = await app.inject('/id')
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(generated.headers['x-request-id']).not.toBe(forged.headers['x-request-id'])
  })

  test('logs requests at debug only, with the request id', async () => {
    const atInfo = quietLogger('info')
    const infoApp = build({ logger: atInfo.logger })
    await infoApp.inject('/healthz')
    await infoApp.inject('/nowhere')
    expect(atInfo.lines).toEqual([])

    const atDebug = quietLogger('debug')
    const app = build({ logger: atDebug.logger })
    await app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-1' } })
    expect(atDebug.lines).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        msg: 'request completed',
        request_id: 'req-1',
        route: '/healthz',
      }),
    )
    expect(atDebug.lines.filter((l) => l.level === 'info')).toEqual([])
  })

  test('per-request loggers are created lazily but write the same lines', async () => {
    const atInfo = quietLogger('info')
    const app = build({ logger: atInfo.logger })
    app.get('/warn', async (request) => {
      request.log.debug('hidden')
      request.log.warn({ x: 1 }, 'careful')
      return {}
    })
    app.get('/chatty', { logLevel: 'debug' }, async (request) => {
      request.log.debug('shown')
      return {}
    })
    await app.inject({ url: '/warn', headers: { 'x-request-id': 'req-w' } })
    await app.inject({ url: '/chatty', headers: { 'x-request-id': 'req-c' } })
    expect(atInfo.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'careful', x: 1, request_id: 'req-w' }),
    )
    expect(atInfo.lines).not.toContainEqual(expect.objectContaining({ msg: 'hidden' }))
    expect(atInfo.lines).toContainEqual(
      expect.objectContaining({ level: 'debug', msg: 'shown', request_id: 'req-c' }),
    )
  })

  test('logs unexpected errors at error level while requests stay at debug', async () => {
    const atInfo = quietLogger('info')
    const app = build({ logger: atInfo.logger })
    app.get('/bug', async () => {
      throw new Error('a bug')
    })
    app.get('/bad', async () => {
      throw Object.assign(new Error('bad input'), { statusCode: 400 })
    })
    expect((await app.inject('/bug')).statusCode).toBe(500)
    expect((await app.inject('/bad')).statusCode).toBe(400)
    expect(atInfo.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        request_id: expect.any(String),
        err: expect.objectContaining({ message: 'a bug' }),
      }),
    ])
  })

  test('a failing health route answers with the generic error body, not the error', async () => {
    const registry = createMetricsRegistry()
    registry.registerMetric(
      new Counter({
        name: 'broken_total',
        help: 'collect throws',
        registers: [],
        collect() {
          throw new Error('secret internals')
        },
      }),
    )
    const app = build({ metrics: registry })
    const res = await app.inject('/metrics')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ status: 'error', message: 'internal error' })
  })

  test('service routes keep Fastify error handling (edges bring their own format)', async () => {
    const app = build()
    app.get('/boom', async () => {
      throw Object.assign(new Error('nope'), { statusCode: 409 })
    })
    const res = await app.inject('/boom')
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ message: 'nope' })
  })
})
