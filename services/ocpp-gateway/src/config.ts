import { readFileSync } from 'node:fs'
import { streamLimitsConfig } from '@chargebus/bus'
import { ConfigError, commonConfig } from '@chargebus/platform'
import { type Static, Type } from 'typebox'
import { commandConfig } from './commands/command-config.ts'

/**
 * The gateway's environment. Every variable has a default that works on a developer machine
 * (`pnpm deps:up`); the README's configuration table is rendered from this schema.
 */
export const GatewayConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.telemetry,
  ...commonConfig.http({ port: 3100 }),
  ...commonConfig.database,
  ...commonConfig.nats,
  ...streamLimitsConfig,
  OCPP_PUBLIC_URL: Type.Optional(
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http:// or https:// URL',
      description:
        'Base URL stations use to reach the gateway (e.g. https://ocpp.example.com), written into the WSDL address. Unset: taken from the request (protocol and Host).',
    }),
  ),
  OCPP_REGISTRATION: Type.Enum(['accept-all', 'known-only'], {
    default: 'accept-all',
    description:
      'BootNotification policy: accept-all accepts every station; known-only accepts stations whose record says Accepted and records unknown ones for an operator.',
  }),
  OCPP_UNKNOWN_STATION_STATUS: Type.Enum(['Pending', 'Rejected'], {
    default: 'Pending',
    description:
      'Registration status an unknown station gets under known-only (OCPP 1.5 has no Pending: it sees Rejected).',
  }),
  OCPP_HEARTBEAT_INTERVAL_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'Heartbeat interval (seconds) given to Accepted stations in the BootNotification answer.',
  }),
  OCPP_BOOT_RETRY_INTERVAL_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 60,
    description:
      'Interval (seconds) after which a Pending or Rejected station should send BootNotification again.',
  }),
  OCPP_AUTHORIZE_UNKNOWN: Type.Boolean({
    default: false,
    description:
      'true accepts id tags that are not in the id-tag cache (test networks only); false answers Invalid.',
  }),
  OCPP_DATA_TRANSFER_VENDOR_IDS: Type.Optional(
    Type.String({
      expected: 'comma-separated vendor ids',
      description:
        'vendorIds whose DataTransfer is answered Accepted (the message is stored for their consumers); any other vendorId gets UnknownVendorId.',
    }),
  ),
  OCPP_REQUIRE_BASIC_AUTH: Type.Optional(
    Type.Boolean({
      description:
        'true requires HTTP Basic auth (OCPP security profile 1) from every station; false only from stations whose record has a password. Unset: true when NODE_ENV is production, else false.',
    }),
  ),
  OCPP_ALLOW_UNAUTHENTICATED_STATIONS: Type.Boolean({
    default: false,
    description:
      'In production the gateway refuses to start with OCPP_REGISTRATION=accept-all and station authentication off (anyone could then speak as any station); true acknowledges that risk.',
  }),
  OCPP_AUTH_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 2,
    description:
      'Password checks (scrypt) running at once, each on its own worker thread at the lowest CPU priority.',
  }),
  OCPP_AUTH_QUEUE_MAX: Type.Integer({
    minimum: 0,
    maximum: 100_000,
    default: 200,
    description:
      'Password checks allowed to wait (one client holds at most a tenth); one more gets a Receiver fault (HTTP 503) at once.',
  }),
  OCPP_AUTH_FAILURES_PER_ADDRESS: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 30,
    description:
      'Failed password checks one client (an IPv4 address, an IPv6 /64) may cause per OCPP_AUTH_FAILURE_WINDOW_S; then its unknown credentials are refused without a check.',
  }),
  OCPP_AUTH_FAILURES_PER_STATION: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 10,
    description: "The same per station identity (guessing one station's password from many addresses).",
  }),
  OCPP_AUTH_FAILURE_WINDOW_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'Window of the two failure limits above.',
  }),
  OCPP_UNKNOWN_STATIONS_MAX: Type.Integer({
    minimum: 0,
    maximum: 10_000_000,
    default: 10_000,
    description:
      'Records the gateway writes for stations it never saw (for an operator to decide on); beyond it unknown stations are answered but not recorded.',
  }),
  OCPP_FAULT_JOURNAL_PER_MINUTE: Type.Integer({
    minimum: 0,
    maximum: 10_000,
    default: 10,
    description:
      'Faults answered to an authenticated station that are journaled (ocpp.fault.> in OCPP_IN, for GET /v1/stations/{id}/messages) per station per minute; 0 turns the journal off.',
  }),
  OCPP_CALLBACK_ALLOWED_NETWORKS: Type.Optional(
    Type.String({
      expected: 'comma-separated CIDRs, e.g. 10.8.0.0/16,fd00:8::/32',
      description:
        "Networks the gateway may call stations at although they are loopback, private, link-local or otherwise not public (a fleet's VPN). Unset: 127.0.0.0/8 and ::1 outside production, none in production.",
    }),
  ),
  OCPP_TLS_CERT_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description:
        'PEM certificate (chain) for serving stations over HTTPS itself (OCPP security profile 2); with OCPP_TLS_KEY_FILE. Unset: plain HTTP (TLS at the load balancer).',
    }),
  ),
  OCPP_TLS_KEY_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description: 'PEM private key of OCPP_TLS_CERT_FILE.',
    }),
  ),
  OCPP_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 16 * 1024 * 1024,
    default: 512 * 1024,
    description:
      'Largest accepted SOAP request body; a larger one gets a Sender fault (HTTP 413) and is not stored.',
  }),
  OCPP_TRANSACTION_ID_BLOCK_SIZE: Type.Integer({
    minimum: 10,
    maximum: 1_000_000,
    default: 1000,
    description:
      'Smallest block of transaction ids reserved from Postgres (the first block, and the size when demand is low). Blocks grow with the observed demand and are reserved in the background before the reserve runs low.',
  }),
  OCPP_TRANSACTION_ID_MAX_BLOCK_SIZE: Type.Integer({
    minimum: 10,
    maximum: 1_000_000,
    default: 50_000,
    description:
      'Largest block of transaction ids a burst may reserve at once (at least OCPP_TRANSACTION_ID_BLOCK_SIZE). Ids of a block left unused at shutdown are skipped.',
  }),
  OCPP_TRANSACTION_ID_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 5000,
    description:
      'How long a StartTransaction waits in line for a transaction id when the reserve is empty, before the station gets a Receiver fault. Once reserving from Postgres has failed for this long, an empty reserve answers at once.',
  }),
  OCPP_PUBLISH_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5000,
    description:
      'How long a request waits for JetStream to store its message before the station gets a Receiver fault.',
  }),
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 32,
    default: 2,
    description:
      'Postgres connections (through pgbouncer) of the command dispatcher (audit, capabilities, local lists). Transaction id blocks have one more connection of their own, so the gateway uses at most this plus 1.',
  }),
  ...commandConfig,
})

export type GatewayConfig = Static<typeof GatewayConfig>

/**
 * The certificate and key the gateway serves HTTPS with (OCPP security profile 2 without a load balancer),
 * read once at start-up; nothing when OCPP_TLS_CERT_FILE is unset. Both or neither.
 */
export function tlsOptionsFrom(config: GatewayConfig): { https?: { cert: Buffer; key: Buffer } } {
  const { OCPP_TLS_CERT_FILE: cert, OCPP_TLS_KEY_FILE: key } = config
  if (cert === undefined && key === undefined) return {}
  if (cert === undefined || key === undefined)
    throw new ConfigError([
      {
        variable: cert === undefined ? 'OCPP_TLS_CERT_FILE' : 'OCPP_TLS_KEY_FILE',
        expected: 'set together with the other (certificate and key)',
        got: undefined,
      },
    ])
  return { https: { cert: readFileSync(cert), key: readFileSync(key) } }
}

/** The transaction-id pool's block sizes and wait; refuses a largest block below the smallest. */
export function transactionIdSettingsFrom(config: GatewayConfig): {
  blockSize: number
  maxBlockSize: number
  waitMs: number
} {
  const { OCPP_TRANSACTION_ID_BLOCK_SIZE: blockSize, OCPP_TRANSACTION_ID_MAX_BLOCK_SIZE: maxBlockSize } =
    config
  if (maxBlockSize < blockSize)
    throw new ConfigError([
      {
        variable: 'OCPP_TRANSACTION_ID_MAX_BLOCK_SIZE',
        expected: `at least OCPP_TRANSACTION_ID_BLOCK_SIZE (${blockSize})`,
        got: String(maxBlockSize),
      },
    ])
  return { blockSize, maxBlockSize, waitMs: config.OCPP_TRANSACTION_ID_WAIT_MS }
}
