import { COMMAND_OPERATIONS, type CommandOperation } from './operations.ts'

/**
 * Why a station cannot take `operation`, or undefined when it can (or when its capabilities are not known:
 * unknown means allowed). `profiles` is what the station reported in SupportedFeatureProfiles (null: not
 * reported, e.g. most 1.5 stations). Pure; the API refuses with it before queueing.
 *
 * ### Examples
 * ```ts
 * commandRefusal('TriggerMessage', { ocppVersion: '1.5', profiles: null }) // 'TriggerMessage does not exist in OCPP 1.5'
 * commandRefusal('ReserveNow', { ocppVersion: '1.6', profiles: ['Core'] })  // '... Reservation ...'
 * ```
 */
export function commandRefusal(
  operation: CommandOperation,
  station: { ocppVersion: '1.5' | '1.6' | null | undefined; profiles: readonly string[] | null | undefined },
): string | undefined {
  const op = COMMAND_OPERATIONS[operation]
  if (station.ocppVersion === '1.5' && !op.v15) return `${operation} does not exist in OCPP 1.5`
  const profiles = station.profiles
  if (profiles === null || profiles === undefined || profiles.length === 0) return undefined
  if (profiles.some((p) => p.trim().toLowerCase() === op.profile.toLowerCase())) return undefined
  return `${operation} needs the ${op.profile} feature profile; the station supports ${profiles.join(', ')}`
}
