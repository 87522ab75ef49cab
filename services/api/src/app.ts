import { registerArchiveStatusMetrics } from '@chargebus/archive'
import type { Bus } from '@chargebus/bus'
import { createCommandStore } from '@chargebus/command-store'
import { type Database, type Kysely, pingDatabase } from '@chargebus/db'
import {
  type Clock,
  createFailureThrottle,
  createServiceApp,
  httpOptionsFrom,
  type ServiceApp,
} from '@chargebus/platform'
import type { ObjectStorage } from '@chargebus/storage'
import compress from '@fastify/compress'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { KV } from '@nats-io/kv'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { ApiConfig } from './config.ts'
import type { EventFeed } from './data-access/event-feed.ts'
import type { Exporter } from './data-access/exports.ts'
import type { KeyAuthenticator } from './data-access/key-store.ts'
import { postgresRateLimitStore } from './data-access/rate-limit-store.ts'
import { ApiError } from './domain/errors.ts'
import { aggregateRoutes } from './entry-points/http/aggregate-routes.ts'
import { apiKeyRoutes } from './entry-points/http/api-key-routes.ts'
import { type ArchiveStatusReader, archiveRoutes } from './entry-points/http/archive-routes.ts'
import { authenticate, requireDeclaredScope } from './entry-points/http/auth.ts'
import { commandRoutes } from './entry-points/http/command-routes.ts'
import { deadLetterRoutes } from './entry-points/http/dead-letter-routes.ts'
import { registerEtags } from './entry-points/http/etag.ts'
import { eventRoutes } from './entry-points/http/event-routes.ts'
import { exportRoutes } from './entry-points/http/export-routes.ts'
import { firmwareRoutes } from './entry-points/http/firmware-routes.ts'
import { idTagRoutes } from './entry-points/http/id-tag-routes.ts'
import { registerOpenApi } from './entry-points/http/openapi.ts'
import { frameworkProblem, installProblemHandling } from './entry-points/http/problems.ts'
import { sessionRoutes } from './entry-points/http/session-routes.ts'
import { stationFileRoutes } from './entry-points/http/station-file-routes.ts'
import { stationMessageRoutes } from './entry-points/http/station-message-routes.ts'
import { stationRoutes } from './entry-points/http/station-routes.ts'
import { refuseUnstorableText } from './entry-points/http/text-guard.ts'
import { requestValidatorCompiler } from './entry-points/http/validation.ts'
import { registerFleetMetrics } from './metrics.ts'

/** Everything the API needs, opened by `openApiDependencies` (main, tests). */
export interface ApiDeps {
  config: ApiConfig
  logger: Logger
  /** The registry `/metrics` serves, shared with the bus and the pool (`createMetricsRegistry`); a new one when omitted. */
  metrics?: Registry
  db: Kysely<Database>
  bus: Pick<Bus, 'ping' | 'publish' | 'getMessage' | 'listen' | 'scan' | 'deadLetters'>
  /** The gateway's KV buckets (`ocpp_stations`, `ocpp_id_tags`) the API writes decisions and tags to. */
  kv: { stations: KV; idTags: KV }
  /** Live feeds of `/v1/events`: DOMAIN (station, connector, session) and AGGREGATES (`aggregate.updated`). */
  feeds: { domain: EventFeed; aggregates: EventFeed }
  exporter: Exporter
  keys: KeyAuthenticator
  /** The clock of every time-dependent rule (decisions, tag changes, command expiry); tests set their own. */
  clock: Clock
  /** The archive's progress (`GET /v1/archive`, `chargebus_archive_unarchived_ratio` on `/metrics`). */
  archiveStatus: ArchiveStatusReader
  /** Where station files (`ftp_files`) and firmware images are stored (STORAGE_URL). */
  storage: ObjectStorage
}

/**
 * The API's Fastify app (never listens): platform routes (`/healthz`, `/readyz` for Postgres and NATS,
 * `/metrics`), the OpenAPI document and docs, and `/v1`.
 *
 * ### Examples
 * ```ts
 * const deps = await openApiDependencies(config, logger)
 * const app = await buildApp(deps)
 * const res = await app.inject({ url: '/v1/stations', headers: { authorization: `Bearer ${key}` } })
 * ```
 */
export async function buildApp(deps: ApiDeps): Promise<ServiceApp> {
  const { config, logger, db, bus } = deps
  const { clock } = deps
  const app = createServiceApp({
    name: 'api',
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    logger,
    ...httpOptionsFrom(config),
    // Station ids have up to 255 characters, firmware names 128: refused by the schemas, not as 414.
    maxParamLength: 255,
    frameworkErrors: frameworkProblem,
    readiness: { postgres: () => pingDatabase(db), nats: () => bus.ping() },
  })
  installProblemHandling(app)
  // Exported here too: the API always runs, so the alert holds while the archiver is down.
  registerArchiveStatusMetrics(app.metrics, () => deps.archiveStatus(clock))
  registerFleetMetrics(app.metrics, db)
  await app.register(cors, {
    origin: corsOrigins(config.API_CORS_ORIGINS),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-none-match', 'last-event-id', 'x-request-id'],
    exposedHeaders: [
      'content-disposition',
      'content-length',
      'etag',
      'link',
      'location',
      'retry-after',
      'x-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
    ],
    maxAge: 600,
  })
  await registerOpenApi(app)
  await app.register(
    async (v1: FastifyInstance) => {
      v1.setValidatorCompiler(requestValidatorCompiler())
      v1.removeContentTypeParser('text/plain') // bodies are JSON only: anything else is 415
      v1.addHook('onRoute', (route) => {
        route.bodyLimit ??= config.API_BODY_LIMIT_BYTES
      })
      v1.decorateRequest('principal', null)
      v1.addHook('preValidation', refuseUnstorableText)
      v1.addHook('onRoute', requireDeclaredScope)
      v1.addHook(
        'onRequest',
        authenticate(
          deps.keys,
          createFailureThrottle({
            maxFailures: config.API_AUTH_FAILURES_MAX,
            windowMs: config.API_AUTH_FAILURE_WINDOW_MS,
          }),
        ),
      )
      await v1.register(rateLimit, {
        hook: 'preValidation',
        // Counters in Postgres, shared by every replica; if Postgres does not answer, the request goes on (and
        // fails on its own query, or is served when it needs none). `memory`: the plugin's per-process store.
        ...(config.API_RATE_LIMIT_STORE === 'postgres' && {
          store: postgresRateLimitStore({ db, clock, logger }),
          skipOnError: true,
        }),
        max: config.API_RATE_LIMIT_MAX,
        timeWindow: config.API_RATE_LIMIT_WINDOW_MS,
        keyGenerator: (request) =>
          request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`,
        errorResponseBuilder: (_request, context) =>
          new ApiError(
            'API_ERR_RATE_LIMITED',
            `rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
          ),
      })
      await registerEtags(v1)
      await v1.register(compress, { threshold: 1024 })
      await v1.register(stationRoutes, { db, stationsKv: deps.kv.stations, clock })
      await v1.register(stationMessageRoutes, { bus })
      await v1.register(sessionRoutes, { db })
      await v1.register(idTagRoutes, { db, idTagsKv: deps.kv.idTags, clock })
      await v1.register(apiKeyRoutes, { db, keys: deps.keys, clock })
      await v1.register(eventRoutes, {
        feeds: deps.feeds,
        heartbeatMs: config.API_SSE_HEARTBEAT_MS,
        maxBufferedBytes: config.API_SSE_MAX_BUFFERED_BYTES,
        keys: deps.keys,
        recheckMs: config.API_SSE_KEY_RECHECK_MS,
        maxStreamsPerKey: config.API_SSE_MAX_STREAMS_PER_KEY,
        maxStreams: config.API_SSE_MAX_STREAMS,
      })
      await v1.register(exportRoutes, { exporter: deps.exporter, db })
      await v1.register(aggregateRoutes, { db })
      await v1.register(commandRoutes, { db, commands: createCommandStore(db), bus, clock })
      await v1.register(archiveRoutes, { status: deps.archiveStatus, clock })
      await v1.register(deadLetterRoutes, { deadLetters: bus.deadLetters, clock })
      await v1.register(stationFileRoutes, { db, storage: deps.storage })
      await v1.register(firmwareRoutes, {
        db,
        storage: deps.storage,
        clock,
        maxBytes: config.API_FIRMWARE_MAX_BYTES,
      })
    },
    { prefix: '/v1' },
  )
  return app
}

/** `API_CORS_ORIGINS`: empty allows no other origin (no CORS headers at all), `*` any, else the list. */
function corsOrigins(setting: string): false | '*' | string[] {
  const value = setting.trim()
  if (value === '') return false
  if (value === '*') return '*'
  return value
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
}
