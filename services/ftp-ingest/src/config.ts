import { readFileSync } from 'node:fs'
import { streamLimitsConfig } from '@chargebus/bus'
import { ConfigError, commonConfig } from '@chargebus/platform'
import { storageConfig } from '@chargebus/storage'
import { type Static, Type } from 'typebox'
import { Value } from 'typebox/value'

const MiB = 1024 * 1024

/**
 * The FTP edge's environment. Every variable has a default that works on a developer machine (`pnpm deps:up`);
 * the README's configuration table is rendered from this schema.
 */
export const FtpIngestConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.telemetry,
  ...commonConfig.http({ port: 3400 }),
  ...commonConfig.database,
  ...commonConfig.nats,
  ...streamLimitsConfig,
  ...storageConfig,
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 2,
    description:
      'Postgres connections (through pgbouncer): recording uploads, quota checks and meter-log outcomes.',
  }),
  FTP_HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'Address the FTP control and passive data ports listen on. Containers set 0.0.0.0.',
  }),
  FTP_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 2121,
    description: 'FTP control port (0: any free port, as tests use).',
  }),
  FTP_PASSIVE_HOST: Type.String({
    pattern: '^(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}$',
    expected: 'an IPv4 address (PASV can name nothing else)',
    default: '127.0.0.1',
    description:
      "The IPv4 address PASV replies name: the edge's public address behind NAT or a load balancer (EPSV replies name only a port).",
  }),
  FTP_PASSIVE_MIN_PORT: Type.Integer({
    minimum: 1024,
    maximum: 65535,
    default: 30000,
    description: 'First port of the passive data range (publish the whole range: compose does).',
  }),
  FTP_PASSIVE_MAX_PORT: Type.Integer({
    minimum: 1024,
    maximum: 65535,
    default: 30019,
    description: 'Last port of the passive data range: at most this many transfers run at once.',
  }),
  FTP_TLS_CERT_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description: 'PEM certificate (chain) for explicit FTPS (AUTH TLS); with FTP_TLS_KEY_FILE.',
    }),
  ),
  FTP_TLS_KEY_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description: 'PEM private key of FTP_TLS_CERT_FILE.',
    }),
  ),
  FTP_REQUIRE_TLS: Type.Optional(
    Type.Boolean({
      description:
        'Refuse USER before AUTH TLS (530), so passwords and files never cross in clear (after AUTH TLS, ftp-srv encrypts every data connection). Unset: on when NODE_ENV=production (which then needs a certificate), off otherwise.',
    }),
  ),
  FTP_LOGIN_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description:
      'A connection that has not logged in within this is closed (421): unauthenticated clients hold nothing for long.',
  }),
  FTP_IDLE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 300_000,
    description:
      'A logged-in control connection idle for this long is closed (421); not counted during a transfer.',
  }),
  FTP_TRANSFER_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 60_000,
    description:
      'An upload whose data connection brings no byte for this long is aborted (426) and nothing is stored.',
  }),
  FTP_MAX_CONNECTIONS: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 1000,
    description: 'Control connections at once; more are refused by the kernel backlog, not queued in memory.',
  }),
  FTP_MAX_FILE_BYTES: Type.Integer({
    minimum: 1,
    maximum: 64 * 1024 * MiB,
    default: 256 * MiB,
    description: 'Largest upload; a larger one is cut off (552) and nothing is stored.',
  }),
  FTP_QUOTA_BYTES: Type.Integer({
    minimum: 1,
    maximum: 1024 * 1024 * MiB,
    default: 2048 * MiB,
    description:
      "What one station's stored uploads may add up to (duplicates count once); an upload past it is refused or cut off (552).",
  }),
  FTP_AUTH_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 1,
    description: 'Worker threads checking passwords (scrypt, at the lowest CPU priority).',
  }),
  FTP_LOGIN_MAX_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 10,
    description:
      'Failed logins per client address (and per user name) per minute; past it logins are refused (530) without a password check.',
  }),
  FTP_PULL_SOURCES: Type.String({
    default: '',
    expected: 'a JSON array of pull sources (see "Pull mode")',
    description:
      'Remote FTP servers to pull files from: [{"name","url":"ftp[s]://user:password@host[:port]/dir","stationId","intervalS","pattern"?,"maxFileBytes"?}]. Empty: pull mode is off. Passwords never reach logs or metrics.',
  }),
  FTP_PULL_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description:
      'A pull source that does not answer, or a download that brings no byte, for this long fails (retried next poll).',
  }),
  FTP_PULL_LEASE_MS: Type.Integer({
    minimum: 10_000,
    maximum: 86_400_000,
    default: 300_000,
    description:
      'How long one replica holds a pull source (renewed before each file): another replica takes it over only after this.',
  }),
  FTP_CSV_PROFILES: Type.Optional(
    Type.String({
      minLength: 2,
      expected: 'a JSON array of CSV profiles (README: Meter logs)',
      description:
        'Vendor CSV profiles for meter logs, tried in order before the default profile (`*.csv`): which files (name globs, optionally station globs), columns, delimiter, header, timestamp format.',
    }),
  ),
  FTP_CSV_MAX_LINE_CHARS: Type.Integer({
    minimum: 64,
    maximum: 1024 * 1024,
    default: 4096,
    description:
      'A meter-log line longer than this is rejected as soon as it is read (memory stays bounded).',
  }),
  FTP_CSV_MAX_ROWS: Type.Integer({
    minimum: 1,
    maximum: 100_000_000,
    default: 1_000_000,
    description: 'A meter log with more rows is rejected whole.',
  }),
  FTP_PARSE_DURABLE: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    default: 'ftp-ingest-meter-logs',
    expected: 'a JetStream durable name',
    description:
      'Durable consumer of ftp.file.received that parses meter logs; instances sharing it share the work.',
  }),
  FTP_PARSE_MAX_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 8,
    default: 1,
    description:
      'Meter logs parsed at once per instance (each reads its file twice: validate, then publish).',
  }),
})

export type FtpIngestConfig = Static<typeof FtpIngestConfig>

/** The passive range must be a range: FTP_PASSIVE_MIN_PORT <= FTP_PASSIVE_MAX_PORT. */
export function checkPassiveRange(config: FtpIngestConfig): void {
  if (config.FTP_PASSIVE_MIN_PORT > config.FTP_PASSIVE_MAX_PORT)
    throw new ConfigError([
      {
        variable: 'FTP_PASSIVE_MAX_PORT',
        expected: `at least FTP_PASSIVE_MIN_PORT (${config.FTP_PASSIVE_MIN_PORT})`,
        got: String(config.FTP_PASSIVE_MAX_PORT),
      },
    ])
}

/** Whether FTPS is mandatory: FTP_REQUIRE_TLS, else on in production. */
export function tlsRequired(config: FtpIngestConfig): boolean {
  return config.FTP_REQUIRE_TLS ?? config.NODE_ENV === 'production'
}

/**
 * The certificate and key for AUTH TLS, read once at start-up; nothing when FTP_TLS_CERT_FILE is unset. Both or
 * neither, and required when TLS is (see {@link tlsRequired}).
 */
export function ftpTlsFrom(config: FtpIngestConfig): { cert: Buffer; key: Buffer } | undefined {
  const { FTP_TLS_CERT_FILE: cert, FTP_TLS_KEY_FILE: key } = config
  if (cert === undefined && key === undefined) {
    if (!tlsRequired(config)) return undefined
    throw new ConfigError([
      {
        variable: 'FTP_TLS_CERT_FILE',
        expected: 'a certificate: FTPS is required (NODE_ENV=production or FTP_REQUIRE_TLS=true)',
        got: undefined,
      },
    ])
  }
  if (cert === undefined || key === undefined)
    throw new ConfigError([
      {
        variable: cert === undefined ? 'FTP_TLS_CERT_FILE' : 'FTP_TLS_KEY_FILE',
        expected: 'set together with the other (certificate and key)',
        got: undefined,
      },
    ])
  return { cert: readFileSync(cert), key: readFileSync(key) }
}

/** One remote FTP server to pull from, as FTP_PULL_SOURCES lists it. */
export const PullSourceEntry = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
      description: 'Unique; metrics label.',
    }),
    url: Type.String({
      pattern: '^ftps?://[^/?#]+(/[^?#]*)?$',
      description: 'ftp:// or ftps:// (AUTH TLS).',
    }),
    stationId: Type.String({ minLength: 1, maxLength: 255 }),
    intervalS: Type.Integer({ minimum: 1, maximum: 86_400 }),
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    maxFileBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 * 1024 * MiB })),
  },
  { additionalProperties: false },
)

/** A pull source ready to connect to. `label` is the URL without its password: the only form that is logged. */
export interface PullSource {
  readonly name: string
  readonly label: string
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  /** ftps: explicit TLS (AUTH TLS), the server's certificate checked. */
  readonly secure: boolean
  /** The remote directory whose files are pulled. */
  readonly dir: string
  readonly stationId: string
  readonly intervalMs: number
  readonly pattern: string | undefined
  readonly maxFileBytes: number
}

/**
 * The pull sources of FTP_PULL_SOURCES (empty: pull mode off). Bad JSON, a bad entry or a name used twice is a
 * `ConfigError` naming the entry and the field, never showing the value (it holds passwords).
 *
 * ### Examples
 * ```ts
 * pullSourcesFrom(loadConfig(FtpIngestConfig, {
 *   FTP_PULL_SOURCES: '[{"name":"depot","url":"ftp://meter:pw@10.0.0.9/out","stationId":"CP-9","intervalS":300}]',
 * }))
 * // [{ name: 'depot', label: 'ftp://meter:***@10.0.0.9:21/out', host: '10.0.0.9', port: 21, dir: '/out', ... }]
 * ```
 */
export function pullSourcesFrom(config: FtpIngestConfig): PullSource[] {
  const text = config.FTP_PULL_SOURCES.trim()
  if (text === '') return []
  const refuse = (why: string) =>
    new ConfigError([
      { variable: 'FTP_PULL_SOURCES', expected: `a JSON array of pull sources (${why})`, got: '(hidden)' },
    ])
  let entries: unknown
  try {
    entries = JSON.parse(text)
  } catch {
    throw refuse('not valid JSON')
  }
  const schema = Type.Array(PullSourceEntry)
  if (!Value.Check(schema, entries)) {
    // The schema's own `false` for an unknown field says less than the additionalProperties error beside it.
    const errors = Value.Errors(schema, entries).filter((e) => e.keyword !== 'boolean')
    throw refuse(
      errors
        .map((e) => `${e.instancePath || 'the value'}: ${e.message}${unknownFields(e.params)}`)
        .join('; '),
    )
  }
  const seen = new Set<string>()
  return entries.map((entry, i) => {
    if (seen.has(entry.name)) throw refuse(`/${i}/name: "${entry.name}" is used twice`)
    seen.add(entry.name)
    let url: URL
    try {
      url = new URL(entry.url)
    } catch {
      throw refuse(`/${i}/url: not a URL`)
    }
    const secure = url.protocol === 'ftps:'
    const port = url.port === '' ? 21 : Number(url.port)
    const user = url.username === '' ? 'anonymous' : decodeURIComponent(url.username)
    const dir = decodeURIComponent(url.pathname) || '/'
    const label = `${url.protocol}//${url.username === '' ? '' : `${url.username}${url.password === '' ? '' : ':***'}@`}${url.hostname}:${port}${url.pathname || '/'}`
    return {
      name: entry.name,
      label,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      user,
      password: decodeURIComponent(url.password),
      secure,
      dir,
      stationId: entry.stationId,
      intervalMs: entry.intervalS * 1000,
      pattern: entry.pattern,
      maxFileBytes: entry.maxFileBytes ?? config.FTP_MAX_FILE_BYTES,
    }
  })
}

function unknownFields(params: unknown): string {
  const fields = (params as { additionalProperties?: unknown }).additionalProperties
  return Array.isArray(fields) ? ` (${fields.join(', ')})` : ''
}
