import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { createErrorKeepingSampler } from '../../src/error-keeping-sampler.ts'
import { ErrorKeepingSpanProcessor } from '../../src/error-keeping-span-processor.ts'

// The pair the SDK uses (tracing-sdk.ts), with the ratio given: 0 = nothing sampled, only errors exported.
function setUp(ratio: number) {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({
    sampler: createErrorKeepingSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) })),
    spanProcessors: [new ErrorKeepingSpanProcessor(new SimpleSpanProcessor({ exporter }))],
  })
  const exported = async () => {
    await provider.forceFlush()
    return exporter.getFinishedSpans()
  }
  return { exported, tracer: provider.getTracer('test') }
}

const remoteParent = (flags: TraceFlags) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: flags,
    isRemote: true,
  })

describe('createErrorKeepingSampler', () => {
  test('in an unsampled trace records the local root and CLIENT spans, not the other children', () => {
    const { tracer } = setUp(0)
    const root = tracer.startSpan('request', { kind: SpanKind.SERVER })
    const ctx = trace.setSpan(ROOT_CONTEXT, root)
    const publish = tracer.startSpan('publish', { kind: SpanKind.PRODUCER }, ctx)
    const internal = tracer.startSpan('handler', {}, ctx)
    const sql = tracer.startSpan('INSERT', { kind: SpanKind.CLIENT }, ctx)
    const consumed = tracer.startSpan('process', { kind: SpanKind.CONSUMER }, remoteParent(TraceFlags.NONE))

    expect([root, publish, internal, sql, consumed].map((s) => s.isRecording())).toEqual([
      true,
      false,
      false,
      true,
      true,
    ])
    // Not recorded is not untraced: the stand-ins keep the trace id (logs, propagation), flagged unsampled.
    expect(publish.spanContext().traceId).toBe(root.spanContext().traceId)
    expect(publish.spanContext().traceFlags).toBe(TraceFlags.NONE)
    expect(consumed.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
  })

  test('a sampled trace records and exports every span', async () => {
    const { tracer, exported } = setUp(0)
    const root = tracer.startSpan('process', { kind: SpanKind.CONSUMER }, remoteParent(TraceFlags.SAMPLED))
    const ctx = trace.setSpan(ROOT_CONTEXT, root)
    const children = [
      tracer.startSpan('publish', { kind: SpanKind.PRODUCER }, ctx),
      tracer.startSpan('handler', {}, ctx),
    ]
    for (const child of children) {
      expect(child.isRecording()).toBe(true)
      child.end()
    }
    root.end()
    expect((await exported()).map((s) => s.name)).toEqual(['publish', 'handler', 'process'])
  })

  test('at ratio 0 a failed request is exported with its failed SQL statement, a successful one not at all', async () => {
    const { tracer, exported } = setUp(0)
    const ok = tracer.startSpan('request', { kind: SpanKind.SERVER })
    tracer.startSpan('SELECT', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, ok)).end()
    ok.end()

    const failed = tracer.startSpan('request', { kind: SpanKind.SERVER })
    const ctx = trace.setSpan(ROOT_CONTEXT, failed)
    tracer.startSpan('publish', { kind: SpanKind.PRODUCER }, ctx).end()
    const sql = tracer.startSpan('INSERT', { kind: SpanKind.CLIENT }, ctx)
    sql.setStatus({ code: SpanStatusCode.ERROR, message: 'unique violation' })
    sql.end()
    failed.setStatus({ code: SpanStatusCode.ERROR, message: 'unique violation' })
    failed.end()

    const spans = await exported()
    expect(spans.map((s) => s.name)).toEqual(['INSERT', 'request'])
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
      new Set([failed.spanContext().traceId]),
    )
  })

  test('at ratio 1 every new trace is sampled', () => {
    const { tracer } = setUp(1)
    const root = tracer.startSpan('request', { kind: SpanKind.SERVER })
    expect(root.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(TraceFlags.SAMPLED)
  })
})
