import { attributeOf, type OtlpReceiver, startOtlpReceiver } from '../../../../test/support/otlp-receiver.ts'
import {
  CHILD_TIMEOUT_MS,
  fixtures,
  listeningAddress,
  platformSrc,
  startNode,
} from '../support/child-process.ts'

// Auto-instrumentation records nothing inside jest, so these tests run a real service process
// with `node --import <platform>/src/instrument.ts` and receive its spans over OTLP/HTTP.

const attribute = attributeOf

const traceparent = (traceId: string) => `00-${traceId}-b7ad6b7169203331-01`

describe('telemetry in a real process (node --import instrument)', () => {
  let receiver: OtlpReceiver
  beforeEach(async () => {
    receiver = await startOtlpReceiver()
  })
  afterEach(async () => {
    await receiver.close()
  })

  function startTracedService(env: Record<string, string>) {
    return startNode(`${fixtures}traced-service.ts`, {
      nodeArgs: ['--import', `${platformSrc}instrument.ts`],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'traced-test', ...env },
    })
  }

  test(
    'exports http and fastify spans over OTLP/JSON, follows the caller, skips probes, flushes on SIGTERM',
    async () => {
      // Ratio 0: only traces a sampled caller started are recorded (parent-based sampling).
      const child = startTracedService({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER_ARG: '0',
      })
      const address = await listeningAddress(child)
      const followed = '0af7651916cd43dd8448eb211c80319c'
      const probe = '11111111111111111111111111111111'

      expect(
        (await fetch(`${address}/stations/CP1`, { headers: { traceparent: traceparent(followed) } })).status,
      ).toBe(200)
      expect((await fetch(`${address}/stations/CP2`)).status).toBe(200)
      expect(
        (await fetch(`${address}/healthz`, { headers: { traceparent: traceparent(probe) } })).status,
      ).toBe(200)
      const handled = await child.waitForLine((l) => l.msg === 'handling' && l.trace_id === followed)
      const unsampled = await child.waitForLine((l) => l.msg === 'handling' && l.trace_id !== followed)

      // Nothing was exported yet (batching); shutdown must flush.
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(0)

      expect(receiver.received.every((r) => r.contentType === 'application/json')).toBe(true)
      const spans = receiver.spans()
      expect(spans.length).toBeGreaterThanOrEqual(1)
      expect(new Set(spans.map((s) => s.span.traceId))).toEqual(new Set([followed]))
      expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['traced-test']))

      // One span per request: the platform's SERVER span (request-tracing.ts) (http's own incoming spans and the handler span are
      // off: they cost CPU per request and told nothing the request span does not).
      expect(spans.filter((s) => s.scope === '@opentelemetry/instrumentation-http')).toEqual([])
      const fastifySpans = spans.filter((s) => s.scope === '@chargebus/platform/request-tracing')
      expect(fastifySpans).toHaveLength(1)
      const server = fastifySpans[0]
      expect(server?.span).toMatchObject({ name: 'request', kind: 2, parentSpanId: 'b7ad6b7169203331' })
      expect(server && attribute(server.span, 'http.route')).toEqual({ stringValue: '/stations/:id' })

      // The handler runs in the request span's context: its log line carries that span's ids.
      expect(handled.span_id).toBe(server?.span.spanId)
      // An unsampled request still gets ids in its logs (for correlation), flagged not sampled.
      expect(unsampled).toMatchObject({
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        trace_flags: '00',
      })
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'exports a failed request at ratio 0 (errors are always sampled), and nothing of the successful ones',
    async () => {
      const child = startTracedService({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER_ARG: '0',
      })
      const address = await listeningAddress(child)
      expect((await fetch(`${address}/stations/CP1`)).status).toBe(200)
      expect((await fetch(`${address}/broken`)).status).toBe(500)
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(0)

      const spans = receiver.spans().map((s) => s.span)
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(1)
      const server = spans.find((s) => s.kind === 2)
      expect(server && attribute(server, 'http.route')).toEqual({ stringValue: '/broken' })
      expect(spans.some((s) => (s as { status?: { code?: number } }).status?.code === 2)).toBe(true)
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'exports OTLP/protobuf by default',
    async () => {
      const child = startTracedService({ OTEL_TRACES_SAMPLER_ARG: '1' })
      const address = await listeningAddress(child)
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
      expect(
        (await fetch(`${address}/stations/CP9`, { headers: { traceparent: traceparent(traceId) } })).status,
      ).toBe(200)
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(0)
      expect(receiver.received.length).toBeGreaterThan(0)
      expect(receiver.received.every((r) => r.contentType === 'application/x-protobuf')).toBe(true)
      const body = Buffer.concat(receiver.received.map((r) => r.body))
      expect(body.includes(Buffer.from(traceId, 'hex'))).toBe(true)
      expect(body.includes(Buffer.from('traced-test'))).toBe(true)
    },
    CHILD_TIMEOUT_MS,
  )

  test(
    'without an endpoint nothing is exported and the service runs normally',
    async () => {
      const child = startNode(`${fixtures}traced-service.ts`, {
        nodeArgs: ['--import', `${platformSrc}instrument.ts`],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: '' },
      })
      const address = await listeningAddress(child)
      await child.waitForLine((l) => l.msg === 'ready for test' && l.telemetry === false)
      await fetch(`${address}/stations/CP1`, {
        headers: { traceparent: traceparent('0af7651916cd43dd8448eb211c80319c') },
      })
      const handled = await child.waitForLine((l) => l.msg === 'handling')
      expect(handled).not.toHaveProperty('trace_id')
      child.process.kill('SIGTERM')
      expect(await child.exited).toBe(0)
      expect(receiver.received).toEqual([])
    },
    CHILD_TIMEOUT_MS,
  )
})
