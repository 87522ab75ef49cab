import { type Bus, connectBus, natsAccessFrom, streamLimitsConfig, streamLimitsFrom } from '@chargebus/bus'
import { InvalidDatabaseUrl, parseDatabaseUrl } from '@chargebus/db'
import { ConfigError, commonConfig, type Env, loadConfig, maskValue } from '@chargebus/platform'
import { pino } from 'pino'
import { type Static, Type } from 'typebox'

/** Defaults shared with ARCHITECTURE.md: a developer machine after `pnpm deps:up`. */
export const DEFAULT_DATABASE_ADMIN_URL = 'postgres://chargebus:chargebus@127.0.0.1:5432/chargebus'

const EXPECTED_ADMIN_URL = 'a postgres:// URL with a database name'

/** What commands that change the schema read from the environment. */
export const DatabaseAdminConfig = Type.Object({
  DATABASE_ADMIN_URL: Type.String({
    format: 'uri',
    pattern: '^postgres(ql)?://',
    expected: EXPECTED_ADMIN_URL,
    default: DEFAULT_DATABASE_ADMIN_URL,
    description: 'Postgres directly, not pgbouncer: migrations hold a session advisory lock.',
  }),
})
export type DatabaseAdminConfig = Static<typeof DatabaseAdminConfig>

/**
 * Reads `DATABASE_ADMIN_URL` (unset or empty: the default). Throws the platform's `ConfigError`,
 * one line naming the variable with the password masked, when it is not a usable postgres URL.
 */
export function loadDatabaseAdminConfig(env: Env): DatabaseAdminConfig {
  const config = loadConfig(DatabaseAdminConfig, env)
  try {
    parseDatabaseUrl(config.DATABASE_ADMIN_URL)
  } catch (err) {
    if (!(err instanceof InvalidDatabaseUrl)) throw err
    const got = maskValue('DATABASE_ADMIN_URL', config.DATABASE_ADMIN_URL)
    throw new ConfigError([{ variable: 'DATABASE_ADMIN_URL', expected: EXPECTED_ADMIN_URL, got }])
  }
  return config
}

/** What commands that read or write data (not the schema) read: Postgres through pgbouncer, like the services. */
export const DatabaseConfig = Type.Object({
  DATABASE_URL: Type.String({
    format: 'uri',
    pattern: '^postgres(ql)?://',
    expected: 'a postgres:// URL',
    default: 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus',
    description: 'Postgres through pgbouncer.',
  }),
})

/** Where `chargebus trace` links a trace id to (optional: without it, no links are printed). */
export const TraceUiConfig = Type.Object({
  CHARGEBUS_TRACE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]*\\{traceId\\}',
      expected: 'an http(s) URL with a {traceId} placeholder',
      description:
        'Trace UI link for `chargebus trace`, e.g. `http://localhost:16686/trace/{traceId}` (Jaeger); unset: no links.',
    }),
  ),
})

const NatsConfig = Type.Object({ ...commonConfig.logging, ...commonConfig.nats, ...streamLimitsConfig })

/**
 * A quiet bus for a command, reached like the services reach NATS (`NATS_URL` and the credentials and TLS
 * variables), in `namespace` when given.
 */
export function connectCommandBus(env: Env, command: string, namespace: string | undefined): Promise<Bus> {
  const config = loadConfig(NatsConfig, env)
  return connectBus({
    ...natsAccessFrom(config),
    streamLimits: streamLimitsFrom(config),
    replicas: config.NATS_STREAM_REPLICAS,
    name: `chargebus-cli ${command}`,
    namespace,
    logger: pino({ level: 'silent' }),
  })
}
