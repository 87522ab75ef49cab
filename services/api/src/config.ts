import { streamLimitsConfig } from '@chargebus/bus'
import { commonConfig } from '@chargebus/platform'
import { storageConfig } from '@chargebus/storage'
import { type Static, Type } from 'typebox'

/** The firmware catalogue's limit, shared with `chargebus firmware add` (through the admin export). */
export const firmwareConfig = {
  API_FIRMWARE_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 4 * 1024 ** 3,
    default: 256 * 1024 ** 2,
    description:
      'Largest firmware image PUT /v1/firmware/{name} accepts (bytes, streamed into object storage); larger ones get 413 and leave nothing stored.',
  }),
}

/**
 * The API's environment. Every variable has a default that works on a developer machine
 * (`pnpm deps:up`); the README's configuration table is rendered from this schema.
 */
export const ApiConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.telemetry,
  ...commonConfig.http({ port: 3000 }),
  ...commonConfig.database,
  ...commonConfig.nats,
  ...streamLimitsConfig,
  ...storageConfig,
  CHARGEBUS_DEV_API_KEY: Type.String({
    minLength: 8,
    default: 'dev-admin-key',
    description:
      'An API key with every scope, accepted only when NODE_ENV is development and the API listens on a loopback address (HOST 127.0.0.1, ::1, localhost).',
  }),
  API_CORS_ORIGINS: Type.String({
    default: '',
    expected: "empty, '*' or comma-separated origins",
    description:
      'Origins browsers may call the API from (CORS), e.g. https://app.example.com,https://admin.example.com; empty: none (same origin only); * allows any.',
  }),
  API_RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 1200,
    description: 'Requests one API key (or, unauthenticated, one client address) may make per window.',
  }),
  API_RATE_LIMIT_WINDOW_MS: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 60_000,
    description: 'Rate-limit window (milliseconds).',
  }),
  API_RATE_LIMIT_STORE: Type.Enum(['postgres', 'memory'], {
    default: 'postgres',
    description:
      'Where rate-limit counters live: postgres (api_rate_limits, shared by every replica: one budget per key whatever the replica count) or memory (per process: a single replica only, one write fewer per request).',
  }),
  API_AUTH_FAILURES_MAX: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 20,
    description:
      'Requests with a missing or bad API key one client address may make per API_AUTH_FAILURE_WINDOW_MS before it gets 429 without a key lookup.',
  }),
  API_AUTH_FAILURE_WINDOW_MS: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 60_000,
    description: 'Window of API_AUTH_FAILURES_MAX (milliseconds).',
  }),
  API_KEY_CACHE_TTL_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 5000,
    description:
      'How long a key lookup is cached in memory: a revoked key (by another API instance) is refused at most this long after revocation.',
  }),
  API_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 16 * 1024 * 1024,
    default: 64 * 1024,
    description: 'Largest accepted request body; larger ones get 413.',
  }),
  ...firmwareConfig,
  API_SSE_HEARTBEAT_MS: Type.Integer({
    minimum: 100,
    maximum: 300_000,
    default: 15_000,
    description: 'Interval of the comment lines (heartbeats) on /v1/events streams.',
  }),
  API_SSE_MAX_BUFFERED_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 64 * 1024 * 1024,
    default: 1024 * 1024,
    description:
      'Bytes an SSE client may fall behind (unsent output) before its stream is closed; it resumes with Last-Event-ID.',
  }),
  API_SSE_MAX_STREAMS_PER_KEY: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 5,
    description: 'Event streams one API key may hold open at once (per instance); one more is 429.',
  }),
  API_SSE_MAX_STREAMS: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 1000,
    description: 'Event streams one instance holds open at once; one more is 503.',
  }),
  API_SSE_KEY_RECHECK_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 15_000,
    description:
      'How often the key of every open event stream is checked again: a revoked key loses its streams within this (plus API_KEY_CACHE_TTL_MS).',
  }),
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 32,
    default: 4,
    description: 'Postgres connections (through pgbouncer) for API requests.',
  }),
  EXPORT_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 2,
    description:
      'Postgres connections for CSV exports (separate, so long exports never starve requests); more concurrent exports wait.',
  }),
})

export type ApiConfig = Static<typeof ApiConfig>
