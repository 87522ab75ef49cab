import type { OcppVersion } from '@chargebus/ocpp'
import { Type } from 'typebox'
import type { GatewayConfig } from '../config.ts'
import type { EdgeSettings } from '../edge-settings.ts'
import type { DispatcherSettings } from './command-dispatcher.ts'
import { type AddressPolicy, createAddressPolicy } from './domain/address-policy.ts'

/** The command dispatcher's variables (part of `GatewayConfig`). */
export const commandConfig = {
  OCPP_COMMANDS_ENABLED: Type.Boolean({
    default: true,
    description:
      'true runs the command dispatcher (COMMANDS stream -> stations). Per-station order and one call in flight per station hold across replicas through the commands table, but run it on one or two replicas, not all.',
  }),
  OCPP_CENTRAL_SYSTEM_URL: Type.Optional(
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http:// or https:// URL',
      description:
        'Our CentralSystemService address sent as wsa:From in calls to stations; `/ocpp/<version>` is appended. Unset: OCPP_PUBLIC_URL, else http://HOST:PORT.',
    }),
  ),
  OCPP_COMMAND_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 30_000,
    description:
      'How long a call to a station may take (connect + answer). A call that got no answer in time is failed, never resent.',
  }),
  OCPP_COMMAND_MAX_RESPONSE_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 64 * 1024 * 1024,
    default: 1024 * 1024,
    description: 'Largest station answer read; a larger one fails the command (the rest is discarded).',
  }),
  OCPP_COMMAND_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 32,
    description: 'Calls to different stations in flight at once (each station has at most one).',
  }),
  OCPP_COMMAND_MAX_PENDING: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 1000,
    description:
      'Commands held by the dispatcher at once (waiting behind their station, or for an unreachable station); more wait in the stream.',
  }),
  OCPP_COMMAND_RETRY_MS: Type.String({
    default: '1000,2000,5000,15000,30000,60000',
    pattern: '^\\s*\\d+(\\s*,\\s*\\d+)*\\s*$',
    expected: 'comma-separated milliseconds',
    description:
      'Waits between delivery attempts to an unreachable station (the last one repeats); a message from the station retries at once (at most once per OCPP_COMMAND_WAKE_MIN_MS).',
  }),
  OCPP_COMMAND_WAKE_MIN_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 5_000,
    description:
      "A station's message retries its waiting command at once, but no sooner than this after the last attempt: a station that keeps talking while its callback address is unreachable (behind NAT, say) is not called once per message it sends.",
  }),
  OCPP_COMMAND_DEFAULT_TTL_S: Type.Integer({
    minimum: 1,
    maximum: 7 * 86_400,
    default: 86_400,
    description:
      'Commands without ttlSeconds expire this long after they were requested (never sent after it).',
  }),
  OCPP_COMMAND_ACK_WAIT_MS: Type.Integer({
    minimum: 500,
    maximum: 300_000,
    default: 30_000,
    description:
      "JetStream ack wait of the dispatcher consumer: a crashed gateway's commands are redelivered after this (held ones are kept alive).",
  }),
  OCPP_COMMAND_ORDER_STALE_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description:
      'An older unfinished command of the same station blocks a newer one unless its row was not touched for this long (a dispatcher that died).',
  }),
  OCPP_CAPABILITIES_DELAY_MS: Type.Integer({
    minimum: -1,
    maximum: 600_000,
    default: 2_000,
    description:
      "Delay after an Accepted BootNotification before the dispatcher queues GetConfiguration to learn the station's feature profiles and configuration; -1 turns it off.",
  }),
  OCPP_CAPABILITIES_MAX_AGE_S: Type.Integer({
    minimum: 0,
    maximum: 30 * 86_400,
    default: 86_400,
    description:
      'Capabilities learnt less than this long ago (same OCPP version, no firmware installed since) are not asked for again at a boot, so a site reconnecting costs no GetConfiguration per station; 0 asks at every boot.',
  }),
  OCPP_DIAGNOSTICS_LOCATION: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a URL, {station} is replaced',
      description:
        'Upload location for GetDiagnostics commands that give none (e.g. ftp://user:pass@ftp.example.com/diagnostics/{station}/). Unset: the FTP edge (OCPP_FTP_URL) with one-time credentials per command.',
    }),
  ),
  OCPP_FTP_URL: Type.String({
    default: 'ftp://127.0.0.1:2121',
    format: 'uri',
    pattern: '^ftps?://[^/@\\s]+/?$',
    expected: 'ftp://host:port (no credentials, no path)',
    description:
      'The FTP edge (ftp-ingest) as stations reach it: GetDiagnostics without a location and UpdateFirmware of a catalogued image send stations here, with one-time credentials for that command only.',
  }),
  OCPP_FTP_GRANT_TTL_S: Type.Integer({
    minimum: 60,
    maximum: 7 * 86_400,
    default: 3_600,
    description:
      'How long one-time FTP credentials stay valid after the command is sent (UpdateFirmware: after its retrieveDate). They are spent by the upload they allow, or by one complete download.',
  }),
}

/**
 * The dispatcher's settings from the environment.
 *
 * ### Examples
 * ```ts
 * dispatcherSettingsOf(config).retryScheduleMs // [1000, 2000, 5000, 15000, 30000, 60000]
 * ```
 */
export function dispatcherSettingsOf(config: GatewayConfig): DispatcherSettings {
  return {
    concurrency: config.OCPP_COMMAND_CONCURRENCY,
    maxPending: config.OCPP_COMMAND_MAX_PENDING,
    retryScheduleMs: config.OCPP_COMMAND_RETRY_MS.split(',').map((v) => Number(v.trim())),
    wakeMinMs: config.OCPP_COMMAND_WAKE_MIN_MS,
    defaultTtlMs: config.OCPP_COMMAND_DEFAULT_TTL_S * 1000,
    ackWaitMs: config.OCPP_COMMAND_ACK_WAIT_MS,
    orderStaleMs: config.OCPP_COMMAND_ORDER_STALE_S * 1000,
    capabilitiesDelayMs: config.OCPP_CAPABILITIES_DELAY_MS,
    capabilitiesMaxAgeMs: config.OCPP_CAPABILITIES_MAX_AGE_S * 1000,
    diagnosticsLocation: config.OCPP_DIAGNOSTICS_LOCATION,
    ftpEdgeUrl: config.OCPP_FTP_URL,
    ftpGrantTtlMs: config.OCPP_FTP_GRANT_TTL_S * 1000,
  }
}

/**
 * How the station caller reaches stations: our CentralSystemService address for wsa:From
 * (OCPP_CENTRAL_SYSTEM_URL, else OCPP_PUBLIC_URL, else http://HOST:PORT, plus `/ocpp/<version>`) and the
 * timeout of a call.
 *
 * ### Examples
 * ```ts
 * callerSettingsOf(config, edgeSettingsOf(config)).centralSystemUrl('1.6') // 'https://cs.example.com/ocpp/1.6'
 * ```
 */
export function callerSettingsOf(
  config: GatewayConfig,
  edge: EdgeSettings,
): {
  centralSystemUrl: (version: OcppVersion) => string
  timeoutMs: number
  policy: AddressPolicy
  maxResponseBytes: number
} {
  const base = (
    config.OCPP_CENTRAL_SYSTEM_URL ??
    config.OCPP_PUBLIC_URL ??
    `http://${config.HOST}:${config.PORT}`
  ).replace(/\/+$/, '')
  return {
    centralSystemUrl: (version) => `${base}/ocpp/${version}`,
    timeoutMs: config.OCPP_COMMAND_TIMEOUT_MS,
    policy: createAddressPolicy(edge.callbackAllowedNetworks),
    maxResponseBytes: config.OCPP_COMMAND_MAX_RESPONSE_BYTES,
  }
}
