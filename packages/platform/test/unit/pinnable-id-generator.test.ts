import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api'
import { AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace'
import { PinnableIdGenerator } from '../../src/pinnable-id-generator.ts'

const traceId = '0af7651916cd43dd8448eb211c80319c'
const spanId = 'b7ad6b7169203331'

describe('PinnableIdGenerator', () => {
  const ids = new PinnableIdGenerator()
  const tracer = new TracerProvider({ sampler: new AlwaysOnSampler(), idGenerator: ids }).getTracer('test')

  test('gives the SDK span started inside withIds those ids, and random ones after', () => {
    const pinned = ids.withIds({ traceId, spanId }, () => tracer.startSpan('request'))
    expect(pinned.spanContext()).toMatchObject({ traceId, spanId })
    const next = tracer.startSpan('request').spanContext()
    expect(next.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect([next.traceId, next.spanId]).not.toEqual([traceId, spanId])
  })

  test("keeps a valid parent's trace id (the SDK's rule) and a random span id when none is pinned", () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    })
    const span = ids.withIds({ traceId }, () => tracer.startSpan('child', {}, parent))
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(span.spanContext().spanId).not.toBe(spanId)
  })

  test('unpins when the start throws', () => {
    expect(() =>
      ids.withIds({ traceId, spanId }, () => {
        throw new Error('start failed')
      }),
    ).toThrow('start failed')
    expect(ids.generateSpanId()).not.toBe(spanId)
    expect(ids.generateTraceId()).not.toBe(traceId)
  })
})
