import { ConfigError } from '@chargebus/platform'
import { parseCidr } from './commands/domain/address-policy.ts'
import type { GatewayConfig } from './config.ts'

/** How the internet-facing edge treats stations, from the environment and the deployment kind. */
export interface EdgeSettings {
  /** Every station needs HTTP Basic credentials (not only those with a password in their record). */
  requireBasicAuth: boolean
  /** Networks the gateway may call stations at although they are not public. */
  callbackAllowedNetworks: string[]
}

const LOOPBACK = ['127.0.0.0/8', '::1/128']

/**
 * The edge's settings, secure by default: in production every station authenticates and only public
 * addresses are called; in development (and tests) stations without passwords and loopback callbacks work
 * unless configured otherwise. Refuses (a `ConfigError`, the service does not start) production with
 * accept-all and no station authentication unless OCPP_ALLOW_UNAUTHENTICATED_STATIONS acknowledges it, and
 * networks that are not CIDRs.
 *
 * ### Examples
 * ```ts
 * edgeSettingsOf({ ...config, NODE_ENV: 'production' }).requireBasicAuth // true
 * ```
 */
export function edgeSettingsOf(config: GatewayConfig): EdgeSettings {
  const production = config.NODE_ENV === 'production'
  const requireBasicAuth = config.OCPP_REQUIRE_BASIC_AUTH ?? production
  if (
    production &&
    !requireBasicAuth &&
    config.OCPP_REGISTRATION === 'accept-all' &&
    !config.OCPP_ALLOW_UNAUTHENTICATED_STATIONS
  )
    throw new ConfigError([
      {
        variable: 'OCPP_REQUIRE_BASIC_AUTH',
        expected:
          'true in production with OCPP_REGISTRATION=accept-all, else anyone may speak as any station (set OCPP_ALLOW_UNAUTHENTICATED_STATIONS=true to accept that)',
        got: 'false',
      },
    ])
  const networks =
    config.OCPP_CALLBACK_ALLOWED_NETWORKS === undefined
      ? production
        ? []
        : LOOPBACK
      : config.OCPP_CALLBACK_ALLOWED_NETWORKS.split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '')
  const bad = networks.find((n) => parseCidr(n) === undefined)
  if (bad !== undefined)
    throw new ConfigError([
      {
        variable: 'OCPP_CALLBACK_ALLOWED_NETWORKS',
        expected: 'comma-separated CIDRs, e.g. 10.8.0.0/16,fd00:8::/32',
        got: config.OCPP_CALLBACK_ALLOWED_NETWORKS,
      },
    ])
  return { requireBasicAuth, callbackAllowedNetworks: networks }
}
