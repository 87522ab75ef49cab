import { Type } from 'typebox'

/** Pino levels, most to least severe; `silent` turns logging off (tests, benchmarks). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

const logging = {
  LOG_LEVEL: Type.Enum(LOG_LEVELS, {
    default: 'info',
    description: 'Minimum log level. Request logs are written at debug, so info keeps the hot path quiet.',
  }),
  NODE_ENV: Type.Enum(['development', 'test', 'production'], {
    default: 'development',
    description: 'Deployment kind; production turns off development conveniences such as the dev API key.',
  }),
}

const telemetry = {
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http:// or https:// URL',
      description:
        'OTLP/HTTP base URL of a collector, e.g. http://127.0.0.1:4318 (traces go to /v1/traces). Unset: tracing is off and costs nothing.',
    }),
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.Enum(['http/protobuf', 'http/json'], {
    default: 'http/protobuf',
    description: 'OTLP encoding. gRPC is not supported.',
  }),
  OTEL_TRACES_SAMPLER_ARG: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.1,
    description:
      'Share of new traces exported (parent-based: a sampled caller is always followed); traces that end in an error are exported whatever it says.',
  }),
  OTEL_SERVICE_NAME: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'service.name on every span; defaults to the service name in code.',
    }),
  ),
  OTEL_SDK_DISABLED: Type.Boolean({
    default: false,
    description: 'true turns tracing off even when an endpoint is set.',
  }),
}

const database = {
  DATABASE_URL: Type.String({
    format: 'uri',
    pattern: '^postgres(ql)?://',
    expected: 'a postgres:// URL',
    default: 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus',
    description: 'Postgres through pgbouncer (transaction pooling).',
  }),
}

const nats = {
  NATS_URL: Type.String({
    pattern: '^(nats|tls)://[^,\\s]+(,\\s*(nats|tls)://[^,\\s]+)*$',
    expected: 'a nats:// URL, or several comma-separated (the nodes of a cluster)',
    default: 'nats://127.0.0.1:4222',
    description:
      'NATS with JetStream; list every node of a cluster (nats://n1:4222,nats://n2:4222,nats://n3:4222). tls:// requires TLS.',
  }),
  NATS_CREDS_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description: 'A NATS .creds file (NKey and user JWT): decentralised auth, the production choice.',
    }),
  ),
  NATS_USER: Type.Optional(Type.String({ minLength: 1, description: 'NATS user (with NATS_PASSWORD).' })),
  NATS_PASSWORD: Type.Optional(Type.String({ minLength: 1, description: 'Password of NATS_USER.' })),
  NATS_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'A NATS authorization token.' })),
  NATS_TLS_CA_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description:
        "CA bundle that signed the NATS server's certificate; setting it (or a tls:// URL) turns on TLS.",
    }),
  ),
  NATS_TLS_CERT_FILE: Type.Optional(
    Type.String({ minLength: 1, expected: 'a file path', description: 'Client certificate for mutual TLS.' }),
  ),
  NATS_TLS_KEY_FILE: Type.Optional(
    Type.String({ minLength: 1, expected: 'a file path', description: 'Key of NATS_TLS_CERT_FILE.' }),
  ),
  NATS_STREAM_REPLICAS: Type.Integer({
    minimum: 1,
    maximum: 5,
    default: 1,
    description:
      'Replicas of every stream and KV bucket a process declares; every process of a deployment must say the same. 3 on a 3-node cluster (an acknowledged message is then on a quorum of servers); an existing stream or bucket with another count is scaled in place at start-up, and a server that cannot host the count refuses the start.',
  }),
  BUS_NAMESPACE: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z0-9]{0,31}$',
      expected: 'up to 32 lowercase letters/digits, letter first',
      description:
        'Isolates stream, subject and KV names so several stacks or test runs share one NATS (t1: T1_OCPP_IN, t1.ocpp.in...). Unset: no prefix.',
    }),
  ),
}

/**
 * HOST, PORT and the HTTP timing every service needs; the port default differs per service.
 *
 * ### Examples
 * ```ts
 * const Config = Type.Object({ ...commonConfig.http({ port: 3100 }) })
 * ```
 */
function http(defaults: { port: number }) {
  return {
    HOST: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address to listen on. Containers set 0.0.0.0.',
    }),
    PORT: Type.Integer({ minimum: 1, maximum: 65535, default: defaults.port, description: 'HTTP port.' }),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({
      minimum: 1000,
      default: 72_000,
      description:
        'Idle keep-alive timeout. Must exceed the load balancer idle timeout (60 s) and OCPP clients expect >= 65 s.',
    }),
    SHUTDOWN_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      default: 10_000,
      description: 'Time allowed for a graceful shutdown after SIGTERM before the process exits with 1.',
    }),
    HTTP_REQUEST_TIMEOUT_MS: Type.Integer({
      minimum: 1000,
      maximum: 600_000,
      default: 30_000,
      description:
        'A request (headers and body) must arrive within this, else 408 and the connection closes: a client that trickles its body holds nothing for long.',
    }),
    HTTP_HEADERS_TIMEOUT_MS: Type.Integer({
      minimum: 1000,
      maximum: 600_000,
      default: 10_000,
      description: 'The request headers must arrive within this.',
    }),
    HTTP_MAX_CONNECTIONS: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 20_000,
      description: 'Open connections per process; further ones are refused.',
    }),
    HTTP_MAX_IN_FLIGHT: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 2_000,
      description:
        'Requests handled at once per process; beyond it 503 with Retry-After (health and metrics routes are exempt).',
    }),
    HTTP_TRUST_PROXY: Type.String({
      default: '',
      expected: "empty, 'true' or comma-separated addresses/CIDRs",
      description:
        'Which proxies may set X-Forwarded-For (client addresses for rate limits and logs), e.g. the load balancer subnet 10.0.0.0/16. Empty: none, the peer address is the client.',
    }),
  }
}

/**
 * Config pieces every service composes with its own variables, so names, defaults and docs are
 * the same everywhere. Each piece is a plain object of TypeBox properties: spread the ones a
 * service needs into its `Type.Object`.
 *
 * ### Examples
 * ```ts
 * export const IngestConfig = Type.Object({
 *   ...commonConfig.logging,
 *   ...commonConfig.telemetry,
 *   ...commonConfig.http({ port: 3200 }),
 *   ...commonConfig.database,
 *   ...commonConfig.nats,
 *   INGEST_BATCH_SIZE: Type.Integer({ minimum: 1, default: 500, description: 'Rows per transaction.' }),
 * })
 * ```
 */
export const commonConfig = { logging, telemetry, database, nats, http } as const
