import type { AnyEventDefinition } from '@chargebus/events'
import type { JsMsg } from '@nats-io/jetstream'
import type { Link, Span, Tracer } from '@opentelemetry/api'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { type DeadLetterRecord, toDeadLetterRecord } from './dead-letter.ts'
import { decodeMessage, indexEvents, type ReceivedEvent } from './decode.ts'
import { readHeaders } from './header-block.ts'
import { BusHeaders, extractTraceContext, headerValue } from './headers.ts'
import type { DeliverySource } from './lanes.ts'
import type { BusCounters } from './metrics.ts'
import { backoffDelay, type FailureScope, type RetryPolicy, settleFailure } from './settle.ts'

/** What handling a delivery needs: the consumer's handler and failure policy, and where dead letters go. */
export interface HandlingSettings<E extends AnyEventDefinition> {
  /** Logical stream of the consumer (dead letters name it, whichever source delivered). */
  stream: string
  durable: string
  events: readonly E[]
  policy: RetryPolicy
  handler?: (event: ReceivedEvent<E>) => Promise<void>
  batchHandler?: (events: ReceivedEvent<E>[]) => Promise<void>
  isolateFailures?: { isInfrastructureError: (err: unknown) => boolean }
  onBatchFailure?: (err: unknown, size: number) => void
  onDeadLetter?: (record: DeadLetterRecord) => void
  tracer: Tracer
  logger: Logger
  publishDeadLetter: (record: DeadLetterRecord, msgId: string) => Promise<unknown>
  maxPayloadBytes: number
  counters: BusCounters
  /** True once the consumer stops: handed-back work is expected then, not worth a warning. */
  isStopping: () => boolean
}

/**
 * Handles what one source delivered: decode, the handler (single or batch), ack, and on failure retry,
 * isolation and dead letters. Returns the function the pull loop calls with each batch (one message in
 * single mode).
 */
export function createHandling<E extends AnyEventDefinition>(
  s: HandlingSettings<E>,
  source: DeliverySource,
): (batch: JsMsg[]) => Promise<void> {
  const { stream, durable, policy, tracer } = s
  const events = indexEvents(s.events)
  const log = s.logger.child({ stream, durable, ...(source.kind === 'lane' ? { lane: true } : {}) })
  const { counters } = s
  const acked = (count = 1) => counters.consumed(stream, durable, 'acked', count)

  async function fail(msg: JsMsg, subject: string, err: unknown, scope: FailureScope = 'message') {
    const outage = s.isolateFailures?.isInfrastructureError(err) === true
    const settlement = settleFailure(err, msg.info.deliveryCount, policy, scope, outage)
    const fields = { subject, seq: msg.seq, deliveryCount: msg.info.deliveryCount, err }
    if (settlement.action === 'retry') {
      log[s.isStopping() ? 'debug' : 'warn'](
        { ...fields, retryInMs: settlement.delayMs },
        'handler failed; message will be redelivered',
      )
      msg.nak(settlement.delayMs)
      counters.consumed(stream, durable, 'retried')
      return
    }
    const record = toDeadLetterRecord(msg, {
      stream,
      consumer: durable,
      subject,
      reason: settlement.reason,
      error: err,
      maxDeliver: policy.maxDeliver,
      now: new Date(),
      maxPayloadBytes: s.maxPayloadBytes,
      streamSequence: source.originalSeq(msg, readHeaders(msg).headers),
    })
    try {
      await s.publishDeadLetter(record, source.deadLetterMsgId(msg))
    } catch (dlqError) {
      // Never term a message whose dead letter is not stored: retry it later instead.
      log.error({ ...fields, dlqError }, 'dead-letter publish failed; message will be redelivered')
      msg.nak(backoffDelay(msg.info.deliveryCount, policy.backoffMs))
      counters.consumed(stream, durable, 'retried')
      return
    }
    msg.term()
    counters.consumed(stream, durable, 'dead-lettered')
    log.error({ ...fields, reason: settlement.reason }, 'message dead-lettered')
    s.onDeadLetter?.(record)
  }

  async function handleOne(msg: JsMsg, handler: (event: ReceivedEvent<E>) => Promise<void>) {
    // Read once: the span's name, attributes and parent, the original's sequence and the event all need them.
    const { headers, unreadable } = readHeaders(msg)
    const subject = source.subjectOf(msg)
    const name = headerValue(headers, BusHeaders.event) || stream
    const attributes = messagingAttributes(subject, msg, headers, durable)
    await tracer.startActiveSpan(
      `process ${name}`,
      { kind: SpanKind.CONSUMER, attributes },
      extractTraceContext(headers),
      async (span) => {
        try {
          if (unreadable) throw unreadable
          const event = decodeMessage(msg, events, subject, headers, source.originalSeq(msg, headers))
          if (event) await handler(event)
          msg.ack()
          acked()
        } catch (err) {
          recordError(span, err)
          await fail(msg, subject, err)
        } finally {
          span.end()
        }
      },
    )
  }

  /** A decoded message of a batch, waiting for the handler's verdict. */
  type Ready = { msg: JsMsg; subject: string; event: ReceivedEvent<E> }

  async function handleBatch(batch: JsMsg[], handler: (events: ReceivedEvent<E>[]) => Promise<void>) {
    const reads = batch.map(readHeaders) // read once per message, as in handleOne
    const headersOf = reads.map((r) => r.headers)
    // One message continues its trace (as a single consumer would); several are linked, each to its own trace.
    const parent = batch.length === 1 ? extractTraceContext(headersOf[0] ?? {}) : context.active()
    const links: Link[] = []
    if (batch.length > 1)
      for (const headers of headersOf) {
        const spanContext = trace.getSpanContext(extractTraceContext(headers))
        if (spanContext) links.push({ context: spanContext })
      }
    const span = tracer.startSpan(
      `process batch ${stream}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'process',
          'messaging.nats.stream': stream,
          'messaging.consumer.group.name': durable,
          'messaging.batch.message_count': batch.length,
          ...(batch.length === 1 && batch[0]
            ? messagingAttributes(source.subjectOf(batch[0]), batch[0], headersOf[0] ?? {}, durable)
            : {}),
        },
      },
      parent,
    )
    await context
      .with(trace.setSpan(parent, span), async () => {
        const ready: Ready[] = []
        for (const [i, msg] of batch.entries()) {
          const subject = source.subjectOf(msg)
          const headers = headersOf[i] ?? {}
          try {
            const unreadable = reads[i]?.unreadable
            if (unreadable) throw unreadable
            const event = decodeMessage(msg, events, subject, headers, source.originalSeq(msg, headers))
            if (event) ready.push({ msg, subject, event })
            else {
              msg.ack()
              acked()
            }
          } catch (err) {
            await fail(msg, subject, err)
          }
        }
        if (ready.length === 0) return
        try {
          await handler(ready.map((r) => r.event))
          for (const r of ready) r.msg.ack()
          acked(ready.length)
        } catch (err) {
          recordError(span, err)
          s.onBatchFailure?.(err, ready.length)
          const isolation = s.isolateFailures
          if (ready.length > 1 && isolation && !isolation.isInfrastructureError(err)) {
            log.warn({ err, size: ready.length }, 'batch failed; retrying its messages one by one')
            await isolate(ready, handler, isolation.isInfrastructureError)
            return
          }
          // With several messages the bus cannot tell which one failed the batch: each is retried (and
          // dead-lettered once out of deliveries), whatever the error says about retrying.
          await failAll(ready, err, ready.length === 1 ? 'message' : 'batch')
        }
      })
      .finally(() => span.end())
  }

  /** Each message alone through the batch handler, settled on its own; an outage hands back the rest. */
  async function isolate(
    ready: readonly Ready[],
    handler: (events: ReceivedEvent<E>[]) => Promise<void>,
    isInfrastructureError: (err: unknown) => boolean,
  ) {
    for (const [i, r] of ready.entries()) {
      try {
        await handler([r.event])
        r.msg.ack()
        acked()
      } catch (err) {
        if (isInfrastructureError(err)) return failAll(ready.slice(i), err, 'batch')
        await fail(r.msg, r.subject, err)
      }
    }
  }

  async function failAll(ready: readonly Ready[], err: unknown, scope: FailureScope) {
    await Promise.all(ready.map((r) => fail(r.msg, r.subject, err, scope)))
  }

  /** A redelivery is counted when it arrives, whatever becomes of it. */
  function countRedeliveries(batch: JsMsg[]) {
    for (const msg of batch) if (msg.info.deliveryCount > 1) counters.redelivered(stream, durable)
  }

  const { handler, batchHandler } = s
  if (batchHandler)
    return (batch) => {
      countRedeliveries(batch)
      return handleBatch(batch, batchHandler)
    }
  if (!handler) throw new Error('createHandling needs a handler or a batchHandler')
  return (batch) => {
    countRedeliveries(batch)
    return handleOne(batch[0] as JsMsg, handler)
  }
}

function messagingAttributes(
  subject: string,
  msg: JsMsg,
  headers: Record<string, string[]>,
  durable: string,
) {
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': 'process',
    'messaging.destination.name': subject,
    'messaging.consumer.group.name': durable,
    'messaging.message.id': headerValue(headers, BusHeaders.msgId),
    'messaging.nats.stream_sequence': msg.seq,
    'messaging.nats.delivery_count': msg.info.deliveryCount,
  }
}

function recordError(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err))
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
}
