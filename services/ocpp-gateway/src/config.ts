import { commonConfig } from '@chargebus/platform'
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
  OCPP_REQUIRE_BASIC_AUTH: Type.Boolean({
    default: false,
    description:
      'true requires HTTP Basic auth (OCPP security profile 1) from every station; false requires it only from stations whose record has a password.',
  }),
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
      'Transaction ids reserved from Postgres per block; a new block is reserved in the background when half of the reserve is used.',
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
      'Postgres connections (through pgbouncer): transaction id blocks and the command dispatcher (audit, capabilities, local lists).',
  }),
  ...commandConfig,
})

export type GatewayConfig = Static<typeof GatewayConfig>
