import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import {
  createAlwaysRecordSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { ErrorKeepingSpanProcessor } from '../../src/error-keeping-span-processor.ts'

// The sampler and processor pair the SDK uses, with ratio 0: only errors (or a sampled caller) are exported.
function setUp(limits?: ConstructorParameters<typeof ErrorKeepingSpanProcessor>[1]) {
  const exporter = new InMemorySpanExporter()
  const processor = new ErrorKeepingSpanProcessor(new SimpleSpanProcessor({ exporter }), limits)
  const provider = new TracerProvider({
    sampler: createAlwaysRecordSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) })),
    spanProcessors: [processor],
  })
  // SimpleSpanProcessor exports asynchronously: read what was exported after a flush.
  const exported = async () => {
    await provider.forceFlush()
    return exporter.getFinishedSpans()
  }
  return { exported, processor, tracer: provider.getTracer('test') }
}

type Tracer = ReturnType<typeof setUp>['tracer']

/** A root span with `children` child spans, ended child first; `failing` names the child that errs. */
function runTrace(tracer: Tracer, children: string[], failing?: string, parent = ROOT_CONTEXT) {
  const root = tracer.startSpan('request', {}, parent)
  const ctx = trace.setSpan(parent, root)
  for (const name of children) {
    const child = tracer.startSpan(name, {}, ctx)
    if (name === failing) child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' })
    child.end()
  }
  return root
}

describe('ErrorKeepingSpanProcessor', () => {
  test('drops an unsampled trace without error once its local root ends', async () => {
    const { exported, tracer } = setUp()
    runTrace(tracer, ['select', 'publish']).end()
    expect(await exported()).toEqual([])
  })

  test('exports every local span of an unsampled trace that ended in an error, flagged sampled', async () => {
    const { exported, tracer } = setUp()
    const root = runTrace(tracer, ['select', 'insert', 'publish'], 'insert')
    root.end() // ends after the error: exported too
    const spans = await exported()
    expect(new Set(spans.map((s) => s.name))).toEqual(new Set(['select', 'insert', 'publish', 'request']))
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]))
    expect(spans.every((s) => (s.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED)).toBe(
      true,
    )
    expect(spans.find((s) => s.name === 'insert')?.status.code).toBe(SpanStatusCode.ERROR)
  })

  test('a sampled caller is followed as before; other traces are untouched by an error', async () => {
    const { exported, tracer } = setUp()
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    })
    runTrace(tracer, ['select'], undefined, remote).end()
    runTrace(tracer, ['select'], 'select').end()
    runTrace(tracer, ['select']).end()
    const byTrace = new Map<string, string[]>()
    for (const s of await exported()) {
      const id = s.spanContext().traceId
      byTrace.set(id, [...(byTrace.get(id) ?? []), s.name])
    }
    expect(byTrace.size).toBe(2)
    expect(byTrace.get('0af7651916cd43dd8448eb211c80319c')).toEqual(['select', 'request'])
  })

  test.each([
    [2, ['a', 'late']],
    [1, ['late']],
  ])(
    'holds at most 1 span per trace and %i pending traces, dropping the oldest first',
    async (maxPendingTraces, expected) => {
      const { exported, tracer } = setUp({ maxPendingTraces, maxSpansPerTrace: 1 })
      const first = runTrace(tracer, ['a', 'b']) // holds 'a' only
      runTrace(tracer, ['c']) // a second unfinished trace: evicts the first when only one fits
      const late = tracer.startSpan('late', {}, trace.setSpan(ROOT_CONTEXT, first))
      late.setStatus({ code: SpanStatusCode.ERROR })
      late.end()
      expect((await exported()).map((s) => s.name)).toEqual(expected)
    },
  )

  test('release: a root that was not recorded drops its held spans, and learns whether its trace failed', async () => {
    const { exported, processor, tracer } = setUp()
    // An unrecorded request root (the platform's DeferredSpan): its children are held under its trace id.
    const root = (traceId: string) =>
      trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE })
    const child = (traceId: string, failed: boolean) => {
      const span = tracer.startSpan('select', {}, root(traceId))
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    }
    const quiet = '0af7651916cd43dd8448eb211c80319c'
    const failed = '4bf92f3577b34da6a3ce929d0e0e4736'
    child(quiet, false)
    expect(processor.release(quiet)).toBe(false)
    child(quiet, true) // after the release: exported alone, the held span was dropped
    child(failed, true)
    expect(processor.release(failed)).toBe(true)
    expect((await exported()).map((s) => s.spanContext().traceId)).toEqual([quiet, failed])
  })
})
