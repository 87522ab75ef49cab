import type { AnyEventDefinition, EventData, StreamDefinition } from '@chargebus/events'
import { DeadLetterRecorded, Streams } from '@chargebus/events'
import type { JetStreamManager } from '@nats-io/jetstream'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { KV, KvOptions } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { connect, headers as createHeaders } from '@nats-io/transport-node'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { type ConsumeOptions, type Consumption, startConsumer } from './consume.ts'
import {
  type ConsumerBacklog,
  type ConsumerDefinition,
  consumerBacklog,
  ensureConsumer,
} from './consumer-setup.ts'
import { createDeadLetters, type DeadLetters } from './dead-letters.ts'
import type { StoredEvent } from './decode.ts'
import {
  BusClosedError,
  BusUnreachableError,
  InvalidBusOptionsError,
  JetStreamRequestError,
} from './errors.ts'
import { getStoredEvent } from './get-message.ts'
import { BusHeaders, injectTraceContext } from './headers.ts'
import { openKv } from './kv.ts'
import { type ListenFilter, listenTo } from './listen.ts'
import { type BusMetricsOptions, type ConsumerRef, noBusCounters, registerBusMetrics } from './metrics.ts'
import { createNamespace } from './namespace.ts'
import { type NatsAccess, natsConnectionOptions } from './nats-access.ts'
import { startPublishSpan } from './publish-span.ts'
import { createPublisher } from './publisher.ts'
import { type ReadOptions, type ReadPage, readStream, type StreamBounds, streamBounds } from './read.ts'
import { type ReplayOptions, type ReplaySummary, replayStream } from './replay.ts'
import { type ScanOptions, type ScanResult, scanStream } from './scan.ts'
import type { StreamLimitsByName } from './stream-limits.ts'
import { type EnsureStreamsOptions, ensureStreams } from './streams.ts'

/** Where NATS is and how to log in (`natsAccessFrom(config)`), plus how this bus behaves. */
export interface BusOptions extends NatsAccess {
  /** Connection name, shown by the server (e.g. the service name). */
  name: string
  /** Isolates streams, subjects and KV buckets (tests, parallel runs). Lowercase; default none. */
  namespace?: string
  logger: Logger
  /** How long `publish` waits for the PubAck. Default 5 s. */
  publishTimeoutMs?: number
  /**
   * Replicas for streams and KV buckets this bus declares (`NATS_STREAM_REPLICAS`), 1 to 5. Default 1;
   * production 3. An existing stream or bucket with another count is scaled to it in place.
   */
  replicas?: number
  /** Bound on the first connection attempt. Default 5 s. */
  connectTimeoutMs?: number
  /**
   * The limits `ensureStreams` declares (`streamLimitsFrom(config)`); default: the development limits. Every
   * process of a deployment must pass the same, else they update the streams back and forth.
   */
  streamLimits?: StreamLimitsByName
  /** Export publish, consume, consumer-lag and stream-usage metrics on this registry (see `metrics.ts`). */
  metrics?: BusMetricsOptions
}

/** JetStream's own ceiling on a stream's replicas. */
const MAX_REPLICAS = 5

export interface PublishOptions {
  /** Dedupe key (`Nats-Msg-Id`): the same id within the stream's duplicate window is stored once. */
  msgId: string
  headers?: Record<string, string>
  timeoutMs?: number
}

export interface PublishResult {
  /** Logical stream name. */
  stream: string
  seq: number
  /** True when the stream already had this msgId (nothing new stored). */
  duplicate: boolean
}

/** A connection to NATS JetStream with the catalog's conventions; see the package README. */
export interface Bus {
  readonly namespace: string
  /** Creates or updates the streams. Call at start-up with `allStreams`. */
  ensureStreams(streams: readonly StreamDefinition[], opts?: EnsureStreamsOptions): Promise<void>
  /** Creates or updates a durable pull consumer (`consume` does this itself). */
  ensureConsumer(def: ConsumerDefinition): Promise<void>
  /** Validates, publishes and resolves once the stream stored the message. */
  publish<E extends AnyEventDefinition>(
    event: E,
    data: EventData<E>,
    opts: PublishOptions,
  ): Promise<PublishResult>
  /**
   * How far a durable consumer is behind (undefined while it does not exist): rules about the present wait
   * until the state they read has caught up with the stream.
   */
  consumerBacklog(stream: StreamDefinition, durable: string): Promise<ConsumerBacklog | undefined>
  /**
   * Re-delivers stored history to one consumer: reads `opts.stream` in order and publishes each message into
   * the replay lane of `opts.into` (see the README, Replay lanes). Resolves with the summary once done.
   */
  replay(opts: ReplayOptions): Promise<ReplaySummary>
  /** List, read, retry and drop dead letters (see the README, Dead letters). */
  readonly deadLetters: DeadLetters
  /** Starts a durable pull consumer loop. */
  consume<E extends AnyEventDefinition>(opts: ConsumeOptions<E>): Promise<Consumption>
  /**
   * Reads message `seq` of a logical stream (e.g. `PublishResult.stream`), decoded and validated as a
   * consumer sees it, against `events` (default: the catalog's events on that stream). Missing:
   * `MessageNotFoundError`.
   */
  getMessage<E extends AnyEventDefinition = AnyEventDefinition>(
    stream: StreamDefinition | string,
    seq: number,
    events?: E | readonly E[],
  ): Promise<StoredEvent<E>>
  /**
   * A stream's messages on one subject filter, oldest first, from `fromSeq`, bounded by `max` and `budgetMs`
   * (see `scan.ts`): the per-station journal view reads OCPP_IN this way.
   */
  scan(stream: StreamDefinition, opts: ScanOptions): Promise<ScanResult>
  /**
   * Reads a stream in order (an ordered consumer, no durable), in pages of decoded `events`, from `opts.from`
   * to `opts.toSeq` or the last message when it started (see `read.ts`): rebuilds read the log this way.
   */
  read<E extends AnyEventDefinition>(
    stream: StreamDefinition,
    events: readonly E[],
    opts: ReadOptions,
  ): AsyncGenerator<ReadPage<E>>
  /** First and last sequence, message count and first message's time of a stream. */
  streamBounds(stream: StreamDefinition): Promise<StreamBounds>
  /**
   * Calls `handler` with each `event` published from now on whose subject has the `filter` placeholders (e.g.
   * `{ station: 'CP-1' }`), as it is published by any process: a live, non-durable view (nothing replayed or
   * redelivered) for hints such as "this station is talking again", never for work that must not be lost
   * (`consume` is for that). Returns the function that stops listening.
   */
  listen<E extends AnyEventDefinition>(
    event: E,
    filter: ListenFilter,
    handler: (data: EventData<E>) => void,
  ): () => void
  /** A KV bucket (namespaced), created when missing. */
  kv(bucket: string, opts?: Partial<KvOptions>): Promise<KV>
  /**
   * Throws `BusUnreachableError` at once while the connection is down (reconnecting) or closed, and when
   * NATS/JetStream does not answer within `timeoutMs` (default 2 s; a silent network). For `/readyz`.
   */
  ping(timeoutMs?: number): Promise<void>
  /** Deletes every stream and KV bucket of the namespace (tests); refuses without a namespace. */
  deleteNamespace(): Promise<void>
  /** Stops consumers (in-flight work finishes), waits for pending PubAcks, drains the connection. */
  close(): Promise<void>
}

/**
 * ### Examples
 * ```ts
 * const bus = await connectBus({ servers: config.NATS_URL, name: 'ingest', logger })
 * await bus.ensureStreams(allStreams)
 * const raw = await bus.consume({
 *   stream: Streams.OCPP_IN, durable: 'ingest', events: OcppMessageReceived,
 *   batchHandler: (batch) => store(batch.map((e) => e.data)), batchSize: 500, maxInFlight: 2,
 * })
 * app.addHook('preClose', () => raw.stop())
 * app.addHook('onClose', () => bus.close())
 * ```
 */
export async function connectBus(opts: BusOptions): Promise<Bus> {
  const ns = createNamespace(opts.namespace)
  const logger = opts.logger.child({ component: 'bus', ...(ns.name ? { namespace: ns.name } : {}) })
  const publishTimeoutMs = opts.publishTimeoutMs ?? 5_000
  const replicas = opts.replicas ?? 1
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    throw new InvalidBusOptionsError(`replicas must be an integer from 1 to ${MAX_REPLICAS}`)

  let nc: NatsConnection
  let jsm: JetStreamManager
  try {
    nc = await connect({
      ...natsConnectionOptions(opts),
      name: opts.name,
      timeout: opts.connectTimeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      // nats.js otherwise builds an Error (stack trace) per request to improve async stacks.
      noAsyncTraces: true,
    })
  } catch (err) {
    throw new BusUnreachableError(`cannot connect to NATS at ${String(opts.servers)}`, err)
  }
  // A single nats-server refuses to create an R3 stream but (2.9) accepts raising an existing one to 3 and
  // then reports 3 while it keeps one copy: refuse here, before anything is declared.
  if (replicas > 1 && !nc.info?.cluster) {
    await nc.close()
    throw new InvalidBusOptionsError(
      `replicas ${replicas} needs a JetStream cluster; the NATS server at ${String(opts.servers)} is a single server (use replicas 1)`,
    )
  }
  try {
    jsm = await jetstreamManager(nc, { timeout: publishTimeoutMs })
  } catch (err) {
    await nc.close()
    throw new BusUnreachableError('JetStream is not available on this server', err)
  }
  const js = jetstream(nc, { timeout: publishTimeoutMs })
  const tracer = trace.getTracer('chargebus-bus')
  const publisher = createPublisher(nc)
  const consumptions = new Set<Consumption>()
  const running = new Map<Consumption, ConsumerRef>()
  const counters = opts.metrics
    ? registerBusMetrics(opts.metrics, { jsm, ns, consumers: () => running.values() })
    : noBusCounters
  let closing: Promise<void> | undefined
  const link = followConnection(nc, logger)

  const server = nc.info
  const maxPayload = Math.min(Streams.DEAD_LETTERS.maxMsgSize, server?.max_payload ?? 1024 * 1024)
  // A dead-letter record copies the payload (base64 when binary: 4/3) next to headers and the error.
  const maxDeadLetterPayload = Math.floor((maxPayload - 64 * 1024) * 0.7)

  async function publish<E extends AnyEventDefinition>(
    event: E,
    data: EventData<E>,
    options: PublishOptions,
  ): Promise<PublishResult> {
    if (closing) throw new BusClosedError()
    if (typeof options?.msgId !== 'string' || options.msgId === '') {
      throw new InvalidBusOptionsError('publish needs a non-empty msgId')
    }
    event.parse(data)
    const logical = event.subjectOf(data)
    const subject = ns.subject(logical)
    const hdrs = createHeaders()
    if (options.headers === undefined) {
      // Fresh headers: `append` is `set` without its search-and-delete pass (keys and values still checked).
      hdrs.append(BusHeaders.msgId, options.msgId)
      hdrs.append(BusHeaders.event, event.name)
      hdrs.append(BusHeaders.eventVersion, String(event.version))
    } else {
      for (const [key, value] of Object.entries(options.headers)) hdrs.set(key, value)
      hdrs.set(BusHeaders.msgId, options.msgId)
      hdrs.set(BusHeaders.event, event.name)
      hdrs.set(BusHeaders.eventVersion, String(event.version))
    }
    const { span, context: traceContext } = startPublishSpan(tracer, event.name, logical, options.msgId)
    injectTraceContext(traceContext, hdrs)
    try {
      const ack = await publisher.publish(
        subject,
        // Buffer.from takes small payloads from Node's pool; TextEncoder allocates an ArrayBuffer each time.
        Buffer.from(JSON.stringify(data)),
        hdrs,
        options.timeoutMs ?? publishTimeoutMs,
      )
      if (span?.isRecording()) span.setAttribute('messaging.nats.stream_sequence', ack.seq)
      counters.published(event.stream.name, event.name, ack.duplicate ? 'duplicate' : 'stored')
      return { stream: ns.logicalStream(ack.stream), seq: ack.seq, duplicate: ack.duplicate }
    } catch (err) {
      counters.published(event.stream.name, event.name, 'failed')
      span?.recordException(err as Error)
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message })
      throw err
    } finally {
      span?.end()
    }
  }

  const deadLetters = createDeadLetters({ jsm, ns, publisher, logger, publishTimeoutMs })

  return {
    namespace: ns.name,
    deadLetters,
    replay(o) {
      if (closing) throw new BusClosedError()
      return replayStream({ js, jsm, ns, publisher, publishTimeoutMs }, o)
    },
    ensureStreams: (streams, o) =>
      ensureStreams(jsm, ns, streams, { replicas, limits: opts.streamLimits, ...o }),
    ensureConsumer: (def) => ensureConsumer(jsm, ns, def),
    consumerBacklog: (stream, durable) => consumerBacklog(jsm, ns, stream, durable),
    publish,
    async consume(options) {
      if (closing) throw new BusClosedError()
      const consumption = await startConsumer(
        {
          js,
          jsm,
          ns,
          logger,
          tracer,
          maxPayloadBytes: maxDeadLetterPayload,
          publishDeadLetter: (record, msgId) => publish(DeadLetterRecorded, record, { msgId }),
          counters,
        },
        options,
      )
      consumptions.add(consumption)
      running.set(consumption, {
        stream: options.stream,
        durable: options.durable,
        ...(options.filterSubject ? { filterSubject: options.filterSubject } : {}),
      })
      void consumption.done.finally(() => {
        consumptions.delete(consumption)
        running.delete(consumption)
      })
      return consumption
    },
    async getMessage(stream, seq, events) {
      if (closing) throw new BusClosedError()
      return getStoredEvent(jsm, ns, stream, seq, events)
    },
    async scan(stream, o) {
      if (closing) throw new BusClosedError()
      return scanStream(jsm, ns, stream, o)
    },
    read(stream, events, o) {
      if (closing) throw new BusClosedError()
      return readStream(js, jsm, ns, stream, events, o)
    },
    streamBounds: (stream) => streamBounds(jsm, ns, stream),
    listen(event, filter, handler) {
      if (closing) throw new BusClosedError()
      return listenTo({ nc, ns, logger }, event, filter, handler)
    },
    kv: (bucket, o) => openKv(js, ns, bucket, { replicas, ...o }),
    async ping(timeoutMs = 2_000) {
      if (nc.isClosed()) throw new BusUnreachableError('the NATS connection is closed')
      // While disconnected nats.js buffers the request and reconnects in the background: answer now.
      if (!link.connected) throw new BusUnreachableError('NATS is disconnected (reconnecting)')
      let timer: NodeJS.Timeout | undefined
      let stopWatching = () => {}
      const failed = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BusUnreachableError(`NATS did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        )
        stopWatching = link.onDisconnect(() =>
          reject(new BusUnreachableError('NATS disconnected while waiting for an answer')),
        )
      })
      try {
        await Promise.race([jsm.getAccountInfo(), failed])
      } catch (err) {
        throw err instanceof BusUnreachableError
          ? err
          : new BusUnreachableError('JetStream did not answer', err)
      } finally {
        clearTimeout(timer)
        stopWatching()
      }
    },
    async deleteNamespace() {
      if (!ns.name) throw new InvalidBusOptionsError('deleteNamespace needs a namespace')
      try {
        const names: string[] = []
        for await (const name of jsm.streams.names()) if (ns.ownsStream(name)) names.push(name)
        await Promise.all(names.map((name) => jsm.streams.delete(name)))
      } catch (err) {
        throw new JetStreamRequestError(`delete namespace ${ns.name}`, err)
      }
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...consumptions].map((c) => c.stop()))
        await publisher.settled()
        publisher.close()
        if (!nc.isClosed())
          await nc.drain().catch((err: unknown) => logger.warn({ err }, 'NATS drain failed'))
      })()
      return closing
    },
  }
}

interface ConnectionLink {
  /** False from a `disconnect` status until the `reconnect` (and after `close`). */
  readonly connected: boolean
  /** Calls `listener` at the next disconnect; returns the unsubscribe function. */
  onDisconnect(listener: () => void): () => void
}

/** Follows `nc.status()`: logs what happens to the connection and tracks whether it is up. */
function followConnection(nc: NatsConnection, logger: Logger): ConnectionLink {
  let connected = true
  const disconnectListeners = new Set<() => void>()
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'close') {
        connected = false
        for (const listener of [...disconnectListeners]) listener()
        if (s.type === 'disconnect') logger.warn({ server: s.server }, 'NATS disconnected')
      } else if (s.type === 'reconnect') {
        connected = true
        logger.info({ server: s.server }, 'NATS reconnected')
      } else if (s.type === 'error') logger.error({ err: s.error }, 'NATS error')
      else if (s.type === 'slowConsumer') logger.warn({ sub: s.sub?.getSubject() }, 'NATS slow consumer')
    }
  })()
  return {
    get connected() {
      return connected && !nc.isClosed()
    },
    onDisconnect(listener) {
      disconnectListeners.add(listener)
      return () => disconnectListeners.delete(listener)
    },
  }
}
