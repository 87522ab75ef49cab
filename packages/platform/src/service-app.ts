import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  fastify,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, Logger } from 'pino'
import type { Registry } from 'prom-client'
import { drainConnections } from './drain-connections.ts'
import { type BackgroundWork, healthRoutes } from './health-routes.ts'
import { inFlightCap } from './in-flight-cap.ts'
import { createMetricsRegistry, httpMetrics } from './metrics.ts'
import { nullableAwareSerializer } from './nullable-serializer.ts'
import type { ReadinessCheck } from './readiness.ts'
import { RequestLogController } from './request-log-controller.ts'
import { declareShedFlag } from './shed.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus registry `/metrics` serves; register service metrics on it. */
    metrics: Registry
  }
}

/** The Fastify instance every service builds on: TypeBox schemas give request and reply types. */
export type ServiceApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

export interface ServiceAppOptions {
  /** Service name; the `service` label on every metric when the app creates its registry. */
  name: string
  logger: Logger
  /** Dependency checks for `/readyz`, by name; each throws when its dependency is unreachable. */
  readiness?: Readonly<Record<string, ReadinessCheck>>
  /** Time budget per readiness check. Default 2000 ms, below common probe timeouts. */
  readinessTimeoutMs?: number
  /** Background work `/readyz` reports (running or done, with progress) without making the service unready. */
  background?: () => Readonly<Record<string, BackgroundWork>>
  /** Registry `/metrics` serves; a new one (with process metrics) when omitted. */
  metrics?: Registry
  /**
   * Idle keep-alive timeout. Default 72 s: above the 60 s idle timeout of AWS load balancers (so the
   * balancer, not Node, closes idle connections) and above the >= 65 s OCPP stations expect.
   */
  keepAliveTimeoutMs?: number
  /** What one process takes at most; `httpOptionsFrom(config)` gives them from the common HTTP variables. */
  limits?: HttpLimits
  /** Longest path parameter (Fastify's default: 100 characters); a longer one is 414. */
  maxParamLength?: number
  /**
   * Answers what fails before routing (a URL whose percent-encoding is not UTF-8, FST_ERR_BAD_URL); Fastify's
   * default is a plain JSON 400 that bypasses the app's error handler.
   */
  frameworkErrors?: FastifyServerOptions['frameworkErrors']
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  https?: { cert: string | Buffer; key: string | Buffer }
}

/** Bounds on what clients can hold: time to send a request, connections, requests in flight. */
export interface HttpLimits {
  /** The whole request (headers and body) must arrive within this; else 408 and the connection closes. */
  requestTimeoutMs: number
  headersTimeoutMs: number
  maxConnections: number
  /** Requests handled at once; beyond, 503 with Retry-After (operational routes exempt). */
  maxInFlight: number
  /** Fastify's trustProxy: which proxies' X-Forwarded-For is believed (true: any). */
  trustProxy: boolean | string
}

/**
 * The HTTP options of `createServiceApp` from the common HTTP variables (`commonConfig.http`).
 *
 * ### Examples
 * ```ts
 * const app = createServiceApp({ name: 'api', logger, readiness, ...httpOptionsFrom(config) })
 * ```
 */
export function httpOptionsFrom(config: {
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number
  HTTP_REQUEST_TIMEOUT_MS: number
  HTTP_HEADERS_TIMEOUT_MS: number
  HTTP_MAX_CONNECTIONS: number
  HTTP_MAX_IN_FLIGHT: number
  HTTP_TRUST_PROXY: string
}): Pick<ServiceAppOptions, 'keepAliveTimeoutMs' | 'limits'> {
  return {
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    limits: {
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
      maxConnections: config.HTTP_MAX_CONNECTIONS,
      maxInFlight: config.HTTP_MAX_IN_FLIGHT,
      trustProxy: parseTrustProxy(config.HTTP_TRUST_PROXY),
    },
  }
}

/**
 * An HTTPS server with the same timing as Fastify's own HTTP server would get (the options Fastify applies
 * itself do not reach a server from a factory). Typed as Fastify's default HTTP server: the request and reply
 * objects are the same.
 */
function httpsServer(options: ServiceAppOptions) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const server = createHttpsServer(
      {
        ...(options.https ?? {}),
        ...(options.limits === undefined ? {} : limitOptions(options.limits).http),
        ...(options.limits === undefined ? {} : { requestTimeout: options.limits.requestTimeoutMs }),
      },
      handler,
    )
    server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 72_000
    return server as unknown as Server
  }
}

/** Node checks request and header timeouts every `connectionsCheckingInterval` (30 s by default): tighter here. */
function limitOptions(limits: HttpLimits) {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs)
  return {
    requestTimeout: limits.requestTimeoutMs,
    trustProxy: limits.trustProxy,
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(250, Math.floor(headersTimeout / 4)),
    },
  }
}

function parseTrustProxy(value: string): boolean | string {
  const v = value.trim()
  if (v === '' || v === 'false') return false
  return v === 'true' ? true : v
}

/** Request ids we accept from callers: short and printable, so a header cannot forge log structure. */
const REQUEST_ID = /^[\w.:-]{1,128}$/

/**
 * Builds (never listens) the Fastify app of a service with the operational routes and hooks every
 * service needs, so a service only adds its own route plugins. Tests call it and use `inject`.
 *
 * - `/healthz`, `/readyz` (checks run concurrently, each bounded), `/metrics` (Prometheus text);
 * - `http_request_duration_seconds` by route pattern and status;
 * - request ids from `x-request-id` (echoed back) or a generated UUID, logged as `request_id`;
 * - request logs at debug (5xx errors at error): logging every request at info costs ~30% throughput;
 * - replies serialised by fast-json-stringify with nullable primitives as type lists (`nullable-serializer.ts`);
 * - while closing, new requests get 503 with their request id (`drain-connections.ts`) and in-flight ones
 *   `Connection: close`, so keep-alive connections do not hold the shutdown open.
 *
 * ### Examples
 * ```ts
 * const app = createServiceApp({
 *   name: 'api',
 *   logger,
 *   readiness: { postgres: () => pingDatabase(db), nats: () => bus.ping() },
 *   keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
 * })
 * await app.register(sessionRoutes, { prefix: '/v1', sessions })
 * ```
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const registry = options.metrics ?? createMetricsRegistry({ service: options.name })
  const app = fastify<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    FastifyBaseLogger
  >({
    loggerInstance: options.logger,
    logController: new RequestLogController({ requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    genReqId: requestIdFrom,
    childLoggerFactory: lazyChildLogger,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    // Closing is answered by drainConnections' hook instead: Fastify's own 503 skips every hook (no request id).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    schemaController: { compilersFactory: { buildSerializer: nullableAwareSerializer } },
    ...(options.maxParamLength === undefined
      ? {}
      : { routerOptions: { maxParamLength: options.maxParamLength } }),
    ...(options.frameworkErrors === undefined ? {} : { frameworkErrors: options.frameworkErrors }),
    ...(options.limits === undefined ? {} : limitOptions(options.limits)),
    ...(options.https === undefined ? {} : { serverFactory: httpsServer(options) }),
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.decorate('metrics', registry)

  // Callback-style hooks on the hot path: no promise per request. Before the closing and in-flight cap hooks, so
  // their 503s carry the request id like every other answer.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  declareShedFlag(app)
  drainConnections(app)

  if (options.limits !== undefined) {
    app.server.maxConnections = options.limits.maxConnections
    app.register(inFlightCap, { max: options.limits.maxInFlight })
  }

  app.register(httpMetrics, { registry })
  app.register(healthRoutes, {
    readiness: options.readiness ?? {},
    readinessTimeoutMs: options.readinessTimeoutMs ?? 2000,
    registry,
    ...(options.background ? { background: options.background } : {}),
  })
  return app
}

type LogFn = (...args: unknown[]) => void

/**
 * The per-request logger, created only when a request actually logs. Fastify builds one child logger per
 * request (pino `child`: bindings serialised, redaction and serializers copied), although request logs are at
 * debug and production runs at info or above: that was ~1.5% of the gateway's CPU per request. Each method
 * first asks the parent whether its level is enabled (the parent's level is the child's, unless a route sets
 * its own `logLevel`, which gets a real child right away); an enabled line creates the real child once, with
 * the same bindings (`request_id`), so every line that is written is exactly what it was before.
 */
class LazyChildLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  #child: Logger | undefined

  constructor(parent: Logger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  #real(): Logger {
    this.#child ??= this.#parent.child(this.#bindings)
    return this.#child
  }

  #log(level: Level, args: unknown[]): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return
    ;(this.#real()[level] as LogFn)(...args)
  }

  get level(): LevelWithSilentOrString {
    return (this.#child ?? this.#parent).level
  }

  set level(level: LevelWithSilentOrString) {
    this.#real().level = level
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level)
  }

  bindings(): Bindings {
    return this.#real().bindings()
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#real().child(bindings, options)
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args)
  }
  error(...args: unknown[]): void {
    this.#log('error', args)
  }
  warn(...args: unknown[]): void {
    this.#log('warn', args)
  }
  info(...args: unknown[]): void {
    this.#log('info', args)
  }
  debug(...args: unknown[]): void {
    this.#log('debug', args)
  }
  trace(...args: unknown[]): void {
    this.#log('trace', args)
  }
  silent(): void {}
}

function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  const parent = logger as Logger
  // A route-level logLevel, or a logger that is not pino: the ordinary child.
  if (options.level !== undefined || typeof parent.isLevelEnabled !== 'function')
    return logger.child(bindings, options)
  return new LazyChildLogger(parent, bindings) as unknown as FastifyBaseLogger
}

function requestIdFrom(request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}
