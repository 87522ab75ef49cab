import type { AnyEventDefinition, StreamDefinition } from '@chargebus/events'
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream'
import type { Link, Span, Tracer } from '@opentelemetry/api'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { ensureConsumer } from './consumer-setup.ts'
import { type DeadLetterRecord, toDeadLetterRecord } from './dead-letter.ts'
import { decodeMessage, type ReceivedEvent } from './decode.ts'
import { InvalidBusOptionsError, JetStreamRequestError } from './errors.ts'
import { BusHeaders, extractTraceContext } from './headers.ts'
import type { Namespace } from './namespace.ts'
import { backoffDelay, type FailureScope, type RetryPolicy, settleFailure } from './settle.ts'
import { createSlots } from './slots.ts'

interface ConsumeCommon<E extends AnyEventDefinition> {
  stream: StreamDefinition
  /** Durable consumer name; instances sharing it share the work. */
  durable: string
  /** Logical filter (one subject; nats-server 2.9). Default: the event's filter when one event is given. */
  filterSubject?: string
  /** The events this consumer handles. Other catalog events on the filter are acked and skipped. */
  events: E | readonly E[]
  /** Handler calls (single mode) or batches (batch mode) running at once. Default 1. */
  maxInFlight?: number
  /** Deliveries before a failing message is dead-lettered. Default 5. */
  maxDeliver?: number
  /** Redelivery delay after the n-th failure, last entry repeating. Default 1 s, 5 s, 15 s, 30 s, 60 s. */
  backoffMs?: readonly number[]
  /** Server redelivers a message not acked within this. Default 30 s. */
  ackWaitMs?: number
  /** Unacked messages across all instances of the durable. Default 1000. */
  maxAckPending?: number
  /**
   * Whether retrying can help a message whose handler failed with `err`; when not, it is dead-lettered at
   * once (reason `non-retryable`). Default: an `AppError`'s `retryable`, true for any other error.
   */
  isRetryable?: (err: unknown) => boolean
  /** Called once a dead-letter record is stored and its message terminated (metrics); must not throw. */
  onDeadLetter?: (record: DeadLetterRecord) => void
}

/** One message at a time per in-flight slot. */
export interface SingleConsumeOptions<E extends AnyEventDefinition> extends ConsumeCommon<E> {
  handler: (event: ReceivedEvent<E>) => Promise<void>
  batchHandler?: never
}

/** Up to `batchSize` messages, or what arrived within `batchWaitMs` of the first; acked together. */
export interface BatchConsumeOptions<E extends AnyEventDefinition> extends ConsumeCommon<E> {
  batchHandler: (events: ReceivedEvent<E>[]) => Promise<void>
  handler?: never
  /** Default 100. */
  batchSize?: number
  /** Default 50 ms. */
  batchWaitMs?: number
  /**
   * When a batch of several messages fails, hand each message to `batchHandler` again on its own and settle
   * it on its own, so one poison message does not hold back the others. Off by default: the whole batch is
   * then retried, whatever the error.
   *
   * ### Examples
   * ```ts
   * await bus.consume({
   *   stream: Streams.OCPP_IN, durable: 'ingest', events: OcppMessageReceived,
   *   batchHandler: writeInOneTransaction,
   *   isolateFailures: { isInfrastructureError: (err) => err instanceof DatabaseUnavailable },
   * })
   * ```
   */
  isolateFailures?: FailureIsolation
  /** Called when `batchHandler` fails for a batch as it was delivered, before it is isolated or retried (metrics); must not throw. */
  onBatchFailure?: (err: unknown, size: number) => void
}

/** How a batch consumer tells an outage from a failing message (see `BatchConsumeOptions.isolateFailures`). */
export interface FailureIsolation {
  /**
   * Whether `err` says the infrastructure is down (a database or network unreachable): every message would
   * fail alike, so the batch, or what is left of it, is redelivered as a whole instead of tried one by one.
   */
  isInfrastructureError: (err: unknown) => boolean
}

export type ConsumeOptions<E extends AnyEventDefinition> = SingleConsumeOptions<E> | BatchConsumeOptions<E>

/** A running consumer. */
export interface Consumption {
  /** Stops pulling, lets in-flight work finish (and ack), then resolves. Idempotent. */
  stop(): Promise<void>
  /** Resolves when the loop has ended (after `stop()`, or when the subscription ends on its own). */
  readonly done: Promise<void>
}

export interface ConsumeDeps {
  js: JetStreamClient
  jsm: JetStreamManager
  ns: Namespace
  logger: Logger
  tracer: Tracer
  publishDeadLetter: (record: DeadLetterRecord) => Promise<unknown>
  maxPayloadBytes: number
}

const DEFAULT_BACKOFF = [1_000, 5_000, 15_000, 30_000, 60_000]
const TIMEOUT = Symbol('timeout')

/** Ensures the durable consumer, then runs the pull loop until `stop()`. */
export async function startConsumer<E extends AnyEventDefinition>(
  deps: ConsumeDeps,
  opts: ConsumeOptions<E>,
): Promise<Consumption> {
  const { js, jsm, ns, tracer } = deps
  const events: readonly E[] = Array.isArray(opts.events) ? opts.events : [opts.events as E]
  const batchMode = 'batchHandler' in opts && typeof opts.batchHandler === 'function'
  const batchSize = batchMode ? ((opts as BatchConsumeOptions<E>).batchSize ?? 100) : 1
  const batchWaitMs = batchMode ? ((opts as BatchConsumeOptions<E>).batchWaitMs ?? 50) : 0
  const maxInFlight = opts.maxInFlight ?? 1
  const policy: RetryPolicy = {
    maxDeliver: opts.maxDeliver ?? 5,
    backoffMs: opts.backoffMs ?? DEFAULT_BACKOFF,
    ...(opts.isRetryable ? { isRetryable: opts.isRetryable } : {}),
  }
  validate(opts, events, batchMode, batchSize, maxInFlight, policy)

  const stream = opts.stream.name
  const durable = opts.durable
  const log = deps.logger.child({ stream, durable })
  const filterSubject = opts.filterSubject ?? (events.length === 1 ? events[0]?.subject.filter : undefined)
  await ensureConsumer(jsm, ns, {
    stream: opts.stream,
    durable,
    ...(filterSubject ? { filterSubject } : {}),
    ackWaitMs: opts.ackWaitMs ?? 30_000,
    maxAckPending: opts.maxAckPending ?? Math.max(1_000, batchSize * maxInFlight),
  })

  let messages: ConsumerMessages
  try {
    const consumer = await js.consumers.get(ns.stream(stream), durable)
    messages = await consumer.consume({ max_messages: batchSize * maxInFlight })
  } catch (err) {
    throw new JetStreamRequestError(`consume ${stream}/${durable}`, err)
  }

  async function fail(
    msg: JsMsg,
    subject: string,
    err: unknown,
    scope: FailureScope = 'message',
  ): Promise<void> {
    const settlement = settleFailure(err, msg.info.deliveryCount, policy, scope)
    const fields = { subject, seq: msg.seq, deliveryCount: msg.info.deliveryCount, err }
    if (settlement.action === 'retry') {
      // Work handed back while the consumer stops (a shutdown) is expected, not worth a warning each.
      log[stopping ? 'debug' : 'warn'](
        { ...fields, retryInMs: settlement.delayMs },
        'handler failed; message will be redelivered',
      )
      msg.nak(settlement.delayMs)
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
      maxPayloadBytes: deps.maxPayloadBytes,
    })
    try {
      await deps.publishDeadLetter(record)
    } catch (dlqError) {
      // Never term a message whose dead letter is not stored: retry it later instead.
      log.error({ ...fields, dlqError }, 'dead-letter publish failed; message will be redelivered')
      msg.nak(backoffDelay(msg.info.deliveryCount, policy.backoffMs))
      return
    }
    msg.term()
    log.error({ ...fields, reason: settlement.reason }, 'message dead-lettered')
    opts.onDeadLetter?.(record)
  }

  async function handleOne(msg: JsMsg): Promise<void> {
    const subject = ns.logicalSubject(msg.subject)
    const name = msg.headers?.get(BusHeaders.event) || stream
    const attributes = messagingAttributes(subject, msg, durable)
    await tracer.startActiveSpan(
      `process ${name}`,
      { kind: SpanKind.CONSUMER, attributes },
      extractTraceContext(msg.headers),
      async (span) => {
        try {
          const event = decodeMessage(msg, events, subject)
          if (event) await (opts as SingleConsumeOptions<E>).handler(event)
          msg.ack()
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
  const batchOptions = opts as BatchConsumeOptions<E>

  async function handleBatch(batch: JsMsg[]): Promise<void> {
    const links: Link[] = []
    for (const msg of batch) {
      const spanContext = trace.getSpanContext(extractTraceContext(msg.headers))
      if (spanContext) links.push({ context: spanContext })
    }
    const span = tracer.startSpan(`process batch ${stream}`, {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'nats',
        'messaging.consumer.group.name': durable,
        'messaging.batch.message_count': batch.length,
      },
    })
    await context
      .with(trace.setSpan(context.active(), span), async () => {
        const ready: Ready[] = []
        for (const msg of batch) {
          const subject = ns.logicalSubject(msg.subject)
          try {
            const event = decodeMessage(msg, events, subject)
            if (event) ready.push({ msg, subject, event })
            else msg.ack()
          } catch (err) {
            await fail(msg, subject, err)
          }
        }
        if (ready.length === 0) return
        try {
          await batchOptions.batchHandler(ready.map((r) => r.event))
          for (const r of ready) r.msg.ack()
        } catch (err) {
          recordError(span, err)
          batchOptions.onBatchFailure?.(err, ready.length)
          const isolation = batchOptions.isolateFailures
          if (ready.length > 1 && isolation && !isolation.isInfrastructureError(err)) {
            log.warn({ err, size: ready.length }, 'batch failed; retrying its messages one by one')
            await isolate(ready, isolation)
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
  async function isolate(ready: readonly Ready[], isolation: FailureIsolation): Promise<void> {
    for (const [i, r] of ready.entries()) {
      try {
        await batchOptions.batchHandler([r.event])
        r.msg.ack()
      } catch (err) {
        if (isolation.isInfrastructureError(err)) return failAll(ready.slice(i), err, 'batch')
        await fail(r.msg, r.subject, err)
      }
    }
  }

  async function failAll(ready: readonly Ready[], err: unknown, scope: FailureScope): Promise<void> {
    await Promise.all(ready.map((r) => fail(r.msg, r.subject, err, scope)))
  }

  let stopping = false
  const slots = createSlots(maxInFlight)
  const iterator = messages[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<JsMsg>> | undefined
  async function take(waitMs?: number): Promise<JsMsg | undefined | typeof TIMEOUT> {
    pending ??= iterator.next()
    let result: IteratorResult<JsMsg> | typeof TIMEOUT
    try {
      result = waitMs === undefined ? await pending : await within(pending, waitMs)
    } catch (err) {
      if (!stopping) log.error({ err }, 'consumer subscription failed')
      pending = undefined
      return undefined
    }
    if (result === TIMEOUT) return TIMEOUT
    pending = undefined
    return result.done ? undefined : result.value
  }

  const done = (async () => {
    for (;;) {
      await slots.acquire()
      const first = await take()
      if (first === undefined || first === TIMEOUT || stopping) {
        slots.release()
        break
      }
      const batch = [first]
      const deadline = performance.now() + batchWaitMs
      while (batch.length < batchSize) {
        const m = await take(Math.max(0, deadline - performance.now()))
        if (m === TIMEOUT || m === undefined) break
        batch.push(m)
      }
      const work = batchMode ? handleBatch(batch) : handleOne(first)
      void work
        .catch((err: unknown) => log.error({ err }, 'consumer bug: unhandled error'))
        .finally(() => slots.release())
    }
    await slots.drained()
    if (!stopping) log.warn('consumer loop ended without stop()')
    // Prefetched messages that were not started are left unacked: the server redelivers them after
    // ack_wait. A nak would not hand them over sooner (on nats-server 2.9 the closed pull request stays
    // open on the server until it expires and would receive them again) and would inflate their
    // delivery count. Reading to the end lets the iterator close.
    for (let m = await take(); m !== undefined && m !== TIMEOUT; m = await take()) {}
  })()

  let stopped: Promise<void> | undefined
  return {
    done,
    stop() {
      stopped ??= (async () => {
        stopping = true
        const closing = messages.close()
        await done
        await closing
      })()
      return stopped
    },
  }
}

function validate<E extends AnyEventDefinition>(
  opts: ConsumeOptions<E>,
  events: readonly E[],
  batchMode: boolean,
  batchSize: number,
  maxInFlight: number,
  policy: RetryPolicy,
): void {
  const single = 'handler' in opts && typeof opts.handler === 'function'
  if (single === batchMode) throw new InvalidBusOptionsError('give exactly one of handler and batchHandler')
  const isolation = (opts as BatchConsumeOptions<E>).isolateFailures
  if (isolation !== undefined && (single || typeof isolation.isInfrastructureError !== 'function')) {
    throw new InvalidBusOptionsError('isolateFailures needs batch mode and an isInfrastructureError function')
  }
  if (events.length === 0) throw new InvalidBusOptionsError('events must name at least one event')
  for (const e of events) {
    if (e.stream.name !== opts.stream.name) {
      throw new InvalidBusOptionsError(
        `event ${e.name} is on stream ${e.stream.name}, not ${opts.stream.name}`,
      )
    }
  }
  const positive = { maxInFlight, batchSize, maxDeliver: policy.maxDeliver }
  for (const [key, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidBusOptionsError(`${key} must be a positive integer`)
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMEOUT)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function messagingAttributes(subject: string, msg: JsMsg, durable: string) {
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': 'process',
    'messaging.destination.name': subject,
    'messaging.consumer.group.name': durable,
    'messaging.message.id': msg.headers?.get(BusHeaders.msgId) ?? '',
    'messaging.nats.stream_sequence': msg.seq,
    'messaging.nats.delivery_count': msg.info.deliveryCount,
  }
}

function recordError(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err))
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
}
