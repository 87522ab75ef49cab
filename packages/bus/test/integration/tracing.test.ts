import { AppError } from '@chargebus/errors'
import { OcppMessageReceived, Streams } from '@chargebus/events'
import { context, propagation, type SpanContext, SpanKind, TraceFlags, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import type { Bus, Consumption } from '../../src/index.ts'
import {
  aStationMessage,
  closeTestBus,
  eventually,
  openAdmin,
  openTestBus,
  physicalStream,
} from './helpers.ts'

const exporter = new InMemorySpanExporter()
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })

describe('trace context across the bus', () => {
  let bus: Bus
  const running: Consumption[] = []

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
    trace.setGlobalTracerProvider(provider)
    bus = await openTestBus()
  })

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()))
    exporter.reset()
  })

  afterAll(async () => {
    await closeTestBus(bus)
    await provider.shutdown()
    trace.disable()
    propagation.disable()
    context.disable()
  })

  const finished = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name)

  /** Consumes one station's OCPP_IN messages; returns the active span's context seen by each handler call. */
  async function consumeNotingSpans(station: string, durable: string): Promise<SpanContext[]> {
    const inHandler: SpanContext[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: `ocpp.in.*.${station}.>`,
        events: OcppMessageReceived,
        handler: async () => {
          const active = trace.getActiveSpan()
          if (active) inHandler.push(active.spanContext())
        },
      }),
    )
    return inHandler
  }

  /** The `traceparent` header stored with the OCPP_IN message at `seq`. */
  async function storedTraceparent(seq: number): Promise<string | undefined> {
    const admin = await openAdmin()
    try {
      return (await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq }))?.header.get(
        'traceparent',
      )
    } finally {
      await admin.nc.close()
    }
  }

  test('the consumer span continues the publisher trace, with the publish span as parent', async () => {
    const inHandler = await consumeNotingSpans('tr-1', 'traced')
    const message = aStationMessage({ stationId: 'tr-1' })
    const root = trace.getTracer('test').startSpan('POST /ocpp/1.6')
    const ack = await context.with(trace.setSpan(context.active(), root), () =>
      bus.publish(OcppMessageReceived, message, { msgId: message.messageId }),
    )
    root.end()

    await eventually(() => expect(finished('process ocpp.message.received')).toHaveLength(1))
    const [publishSpan] = finished('publish ocpp.message.received')
    const [processSpan] = finished('process ocpp.message.received')
    const traceId = root.spanContext().traceId

    expect(publishSpan?.kind).toBe(SpanKind.PRODUCER)
    expect(publishSpan?.spanContext().traceId).toBe(traceId)
    expect(publishSpan?.parentSpanContext?.spanId).toBe(root.spanContext().spanId)
    expect(processSpan?.kind).toBe(SpanKind.CONSUMER)
    expect(processSpan?.spanContext().traceId).toBe(traceId)
    expect(processSpan?.parentSpanContext?.spanId).toBe(publishSpan?.spanContext().spanId)
    expect(processSpan?.attributes['messaging.destination.name']).toBe('ocpp.in.1_6.tr-1.MeterValues')
    expect(inHandler.map((c) => c.spanId)).toEqual([processSpan?.spanContext().spanId])

    expect(await storedTraceparent(ack.seq)).toBe(`00-${traceId}-${publishSpan?.spanContext().spanId}-01`)
  })

  test('inside an unsampled span no publish span is made: the message carries the caller context', async () => {
    const inHandler = await consumeNotingSpans('tr-0', 'traced-unsampled')
    const message = aStationMessage({ stationId: 'tr-0' })
    // A local span of a trace the sampler left out (TraceFlags.NONE), as the request span of 9 requests in 10.
    const caller = trace.wrapSpanContext({
      traceId: '5bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '10f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    })
    const ack = await context.with(trace.setSpan(context.active(), caller), () =>
      bus.publish(OcppMessageReceived, message, { msgId: message.messageId }),
    )

    await eventually(() => expect(inHandler).toHaveLength(1))
    expect(inHandler[0]).toMatchObject({ traceId: caller.spanContext().traceId, traceFlags: TraceFlags.NONE })
    expect(finished('publish ocpp.message.received')).toEqual([])
    expect(await storedTraceparent(ack.seq)).toBe('00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-00')
  })

  test('a dead letter stays in the trace of the message it records', async () => {
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'traced-dlq',
        filterSubject: 'ocpp.in.*.tr-2.>',
        events: OcppMessageReceived,
        handler: async () => {
          throw new AppError('TEST_ERR_REFUSED', 'refused')
        },
      }),
    )
    const message = aStationMessage({ stationId: 'tr-2' })
    await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })

    await eventually(() => expect(finished('publish dead-letter.recorded')).toHaveLength(1))
    const [publishSpan] = finished('publish ocpp.message.received')
    const [processSpan] = finished('process ocpp.message.received')
    const [dlqSpan] = finished('publish dead-letter.recorded')
    expect(processSpan?.status.code).toBe(2) // ERROR
    expect(dlqSpan?.spanContext().traceId).toBe(publishSpan?.spanContext().traceId)
    expect(dlqSpan?.parentSpanContext?.spanId).toBe(processSpan?.spanContext().spanId)
  })

  test('a batch of several messages links the trace of each; a batch of one continues its trace', async () => {
    let done = false
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'traced-batch',
        filterSubject: 'ocpp.in.*.tr-3.>',
        events: OcppMessageReceived,
        batchSize: 3,
        batchWaitMs: 200,
        batchHandler: async () => {
          done = true
        },
      }),
    )
    const messages = Array.from({ length: 3 }, () => aStationMessage({ stationId: 'tr-3' }))
    await Promise.all(messages.map((m) => bus.publish(OcppMessageReceived, m, { msgId: m.messageId })))

    await eventually(() => expect(done).toBe(true))
    await eventually(() => expect(finished('process batch OCPP_IN').length).toBeGreaterThan(0))
    // How the pull splits the three into batches is up to timing: each publish is reached either way.
    const batches = finished('process batch OCPP_IN')
    const reached = batches.flatMap((s) =>
      s.links.length > 0 ? s.links.map((l) => l.context.spanId) : [s.parentSpanContext?.spanId],
    )
    const published = finished('publish ocpp.message.received').map((s) => s.spanContext().spanId)
    expect(reached.sort()).toEqual(published.sort())
    for (const single of batches.filter((s) => s.links.length === 0)) {
      expect(published).toContain(single.parentSpanContext?.spanId)
      expect(single.attributes['messaging.nats.stream_sequence']).toEqual(expect.any(Number))
    }
  })

  test('a batch consumer given one message continues its trace', async () => {
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'traced-single-batch',
        filterSubject: 'ocpp.in.*.tr-4.>',
        events: OcppMessageReceived,
        batchSize: 10,
        batchWaitMs: 50,
        batchHandler: async () => {},
      }),
    )
    const message = aStationMessage({ stationId: 'tr-4' })
    await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })
    await eventually(() => expect(finished('process batch OCPP_IN').length).toBeGreaterThan(0))
    const [publishSpan] = finished('publish ocpp.message.received').filter(
      (s) => s.attributes['messaging.message.id'] === message.messageId,
    )
    const batch = finished('process batch OCPP_IN').find(
      (s) => s.attributes['messaging.consumer.group.name'] === 'traced-single-batch',
    )
    expect(batch?.spanContext().traceId).toBe(publishSpan?.spanContext().traceId)
    expect(batch?.parentSpanContext?.spanId).toBe(publishSpan?.spanContext().spanId)
    expect(batch?.links).toEqual([])
    expect(batch?.attributes).toMatchObject({
      'messaging.destination.name': expect.stringContaining('tr-4'),
      'messaging.consumer.group.name': 'traced-single-batch',
    })
  })
})
