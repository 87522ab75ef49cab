import { createHash } from 'node:crypto'
import type { CommandRequested, EventData, StationMessage } from '@chargebus/events'
import { isSecretConfigurationKey, MASK } from '@chargebus/ocpp'

/*
 * Pure rules of capability discovery: when an Accepted boot is followed by GetConfiguration, the command that
 * asks, and what its answer tells about the station. No I/O, no clock: callers pass `now`.
 */

// Discovery left unfinished is asked again at the station's next boot: no need to retry it for long.
const DISCOVERY_TTL_MS = 10 * 60_000

/** What a GetConfiguration answer says about a station. */
export interface LearnedConfiguration {
  configuration: Record<string, { value?: string; readonly: boolean }>
  /** SupportedFeatureProfiles split on commas; null when the station did not report the key. */
  profiles: string[] | null
  unknownKeys: string[]
}

/**
 * Whether an Accepted boot should be followed by GetConfiguration: yes for a station never asked, one that
 * now speaks another OCPP version, or one whose capabilities are older than `maxAgeMs` (a firmware update
 * marks them stale). A whole site reconnecting then costs one lookup per station, not a command each.
 */
export function needsDiscovery(
  known: { ocppVersion: string | null; learnedAt: Date } | undefined,
  boot: { ocppVersion: string },
  now: Date,
  maxAgeMs: number,
): boolean {
  if (known === undefined || known.ocppVersion !== boot.ocppVersion) return true
  return now.getTime() - known.learnedAt.getTime() >= maxAgeMs
}

/**
 * The GetConfiguration the gateway asks after an Accepted boot (origin `system`). Its idempotency key comes
 * from the boot's MessageID, so a retried boot asks once; it expires after 10 minutes.
 *
 * ### Examples
 * ```ts
 * discoveryCommand(boot, clock(), randomUUID())
 * // { operation: 'GetConfiguration', payload: {}, idempotencyKey: 'capabilities:…', origin: 'system', … }
 * ```
 */
export function discoveryCommand(
  boot: Pick<StationMessage, 'stationId' | 'messageId'>,
  now: Date,
  commandId: string,
): EventData<typeof CommandRequested> {
  const key = `capabilities:${createHash('sha256').update(boot.messageId).digest('hex').slice(0, 40)}`
  return {
    commandId,
    stationId: boot.stationId,
    operation: 'GetConfiguration',
    payload: {},
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + DISCOVERY_TTL_MS).toISOString(),
    idempotencyKey: key,
    origin: 'system',
    requestedBy: 'ocpp-gateway',
  }
}

/**
 * What a GetConfiguration answer tells about a station: its configuration, its feature profiles and the keys
 * it does not know.
 *
 * ### Examples
 * ```ts
 * learnConfiguration({ configurationKey: [{ key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,RemoteTrigger' }] })
 * // { configuration: { SupportedFeatureProfiles: { value: 'Core,RemoteTrigger', readonly: true } }, profiles: ['Core', 'RemoteTrigger'], unknownKeys: [] }
 * ```
 */
export function learnConfiguration(response: {
  configurationKey?: ReadonlyArray<{ key: string; readonly: boolean; value?: string }>
  unknownKey?: readonly string[]
}): LearnedConfiguration {
  const configuration: LearnedConfiguration['configuration'] = {}
  for (const kv of response.configurationKey ?? []) {
    // A station that reports its AuthorizationKey has it stored masked, like every secret.
    const value = kv.value !== undefined && isSecretConfigurationKey(kv.key) ? MASK : kv.value
    configuration[kv.key] = value === undefined ? { readonly: kv.readonly } : { value, readonly: kv.readonly }
  }
  const raw = Object.entries(configuration).find(([k]) => k.toLowerCase() === 'supportedfeatureprofiles')?.[1]
  const profiles =
    raw?.value === undefined
      ? null
      : raw.value
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '')
  return { configuration, profiles, unknownKeys: [...(response.unknownKey ?? [])] }
}
