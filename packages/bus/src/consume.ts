import type { AnyEventDefinition, StreamDefinition } from '@chargebus/events'
import type { ConsumerMessages, JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import type { Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { type ConsumerDefinition, ensureConsumer } from './consumer-setup.ts'
import type { DeadLetterRecord } from './dead-letter.ts'
import type { ReceivedEvent } from './decode.ts'
import { InvalidBusOptionsError, JetStreamRequestError } from './errors.ts'
import { createHandling, type HandlingSettings } from './handling.ts'
import { laneSource, streamSource } from './lanes.ts'
import type { BusCounters } from './metrics.ts'
import type { Namespace } from './namespace.ts'
import { runPullLoop } from './pull-loop.ts'
import type { RetryPolicy } from './settle.ts'
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
  /**
   * Run the consumer's replay lane beside it (REPLAY, `replay.<stream>.<durable>.>`), where `chargebus
   * replay` and `chargebus dlq retry` re-deliver history to this consumer alone. Default true; false for a
   * consumer whose work must never be repeated (the gateway's commands to stations are at most once).
   */
  replayLane?: boolean
  /**
   * Where a new durable starts: `all` (default) the stream's beginning, `new` only messages stored after it
   * was created (a fresh consumer rebuilt by `chargebus replay`). Its lane always starts at the beginning.
   */
  deliver?: 'all' | 'new'
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
  publishDeadLetter: (record: DeadLetterRecord, msgId: string) => Promise<unknown>
  maxPayloadBytes: number
  counters: BusCounters
}

const DEFAULT_BACKOFF = [1_000, 5_000, 15_000, 30_000, 60_000]

/**
 * Ensures the durable consumer and its replay lane, then runs a pull loop on each until `stop()`. Both feed
 * the same handler, share the `maxInFlight` slots and settle failures alike.
 */
export async function startConsumer<E extends AnyEventDefinition>(
  deps: ConsumeDeps,
  opts: ConsumeOptions<E>,
): Promise<Consumption> {
  const { js, jsm, ns } = deps
  const events: readonly E[] = Array.isArray(opts.events) ? opts.events : [opts.events as E]
  const batchMode = 'batchHandler' in opts && typeof opts.batchHandler === 'function'
  const batchOptions = opts as BatchConsumeOptions<E>
  const batchSize = batchMode ? (batchOptions.batchSize ?? 100) : 1
  const batchWaitMs = batchMode ? (batchOptions.batchWaitMs ?? 50) : 0
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
  const consumer: ConsumerDefinition = {
    stream: opts.stream,
    durable,
    ...(filterSubject ? { filterSubject } : {}),
    ackWaitMs: opts.ackWaitMs ?? 30_000,
    maxAckPending: opts.maxAckPending ?? Math.max(1_000, batchSize * maxInFlight),
  }
  const sources = [streamSource({ ...consumer, ...(opts.deliver ? { deliver: opts.deliver } : {}) }, ns)]
  if (opts.replayLane !== false) sources.push(laneSource(consumer, ns))

  let stopping = false
  const isStopping = () => stopping
  const settings: HandlingSettings<E> = {
    stream,
    durable,
    events,
    policy,
    ...(batchMode
      ? { batchHandler: batchOptions.batchHandler }
      : { handler: (opts as SingleConsumeOptions<E>).handler }),
    ...(batchOptions.isolateFailures ? { isolateFailures: batchOptions.isolateFailures } : {}),
    ...(batchOptions.onBatchFailure ? { onBatchFailure: batchOptions.onBatchFailure } : {}),
    ...(opts.onDeadLetter ? { onDeadLetter: opts.onDeadLetter } : {}),
    tracer: deps.tracer,
    logger: deps.logger,
    publishDeadLetter: deps.publishDeadLetter,
    maxPayloadBytes: deps.maxPayloadBytes,
    counters: deps.counters,
    isStopping,
  }

  const opened: ConsumerMessages[] = []
  try {
    for (const source of sources) {
      await ensureConsumer(jsm, ns, source.consumer)
      const c = source.consumer
      try {
        const pull = await js.consumers.get(ns.stream(c.stream.name), c.durable)
        opened.push(await pull.consume({ max_messages: batchSize * maxInFlight }))
      } catch (err) {
        throw new JetStreamRequestError(`consume ${c.stream.name}/${c.durable}`, err)
      }
    }
  } catch (err) {
    await Promise.allSettled(opened.map((m) => m.close()))
    throw err
  }

  const slots = createSlots(maxInFlight)
  const done = Promise.all(
    sources.map((source, i) =>
      runPullLoop({
        messages: opened[i] as ConsumerMessages,
        slots,
        batchSize,
        batchWaitMs,
        handle: createHandling(settings, source),
        logger: source.kind === 'lane' ? log.child({ lane: true }) : log,
        isStopping,
      }),
    ),
  ).then(() => {})

  let stopped: Promise<void> | undefined
  return {
    done,
    stop() {
      stopped ??= (async () => {
        stopping = true
        const closing = Promise.all(opened.map((m) => m.close()))
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
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(opts.durable))
    throw new InvalidBusOptionsError(
      `durable ${JSON.stringify(opts.durable)} must match /^[A-Za-z0-9_-]{1,64}$/`,
    )
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
