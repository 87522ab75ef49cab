import { createLogger, createServiceApp, type ServiceApp } from '../../src/index.ts'
import { parsePrometheusText } from '../support/prometheus-text.ts'

describe('/metrics over HTTP', () => {
  let app: ServiceApp
  let address: string
  beforeAll(async () => {
    app = createServiceApp({
      name: 'metrics-test',
      logger: createLogger({ name: 'metrics-test', level: 'silent' }),
    })
    app.get('/sessions/:id', async () => ({ ok: true }))
    app.post('/sessions', async (_request, reply) => reply.code(201).send({ created: true }))
    address = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(() => app.close())

  test('is valid Prometheus text with process metrics and the request histogram', async () => {
    await fetch(`${address}/sessions/1`)
    await fetch(`${address}/sessions/2`)
    await fetch(`${address}/sessions`, { method: 'POST' })
    await fetch(`${address}/missing`)

    const res = await fetch(`${address}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const families = parsePrometheusText(await res.text())

    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge')
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge')

    const histogram = families.get('http_request_duration_seconds')
    expect(histogram?.type).toBe('histogram')
    const count = (route: string, method: string, status: string) =>
      histogram?.samples.find(
        (s) =>
          s.name === 'http_request_duration_seconds_count' &&
          s.labels.route === route &&
          s.labels.method === method &&
          s.labels.status_code === status,
      )?.value
    expect(count('/sessions/:id', 'GET', '200')).toBe(2)
    expect(count('/sessions', 'POST', '201')).toBe(1)
    expect(count('(unmatched)', 'GET', '404')).toBe(1)
    const buckets = histogram?.samples.filter(
      (s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === '/sessions/:id',
    )
    expect(buckets?.at(-1)).toMatchObject({ labels: expect.objectContaining({ le: '+Inf' }), value: 2 })
    expect(new Set(histogram?.samples.map((s) => s.labels.service))).toEqual(new Set(['metrics-test']))
  })

  test('the reader used above rejects malformed text', () => {
    expect(() => parsePrometheusText('orphan_total 1\n')).toThrow('sample without # HELP and # TYPE')
    expect(() => parsePrometheusText('# HELP a x\n# TYPE a gauge\na{b="c} 1\n')).toThrow()
    expect(() => parsePrometheusText('# HELP a x\n# TYPE a gauge\na one\n')).toThrow('not a number')
    // Accepted as Prometheus accepts them: prom-client writes NaN as `Nan` before the first sample.
    expect(
      parsePrometheusText('# HELP a x\n# TYPE a gauge\na Nan\na{b="1"} +Inf\n').get('a')?.samples,
    ).toHaveLength(2)
  })
})
