import { type StationRecord, verifyPassword } from '@chargebus/station-registry'
import type { KvMirror } from '../../data-access/kv-mirror.ts'
import { StationUnauthorized } from '../../domain/errors.ts'

/** Remembered verdicts at most; then the cache starts over (unauthenticated traffic creates bounded state). */
const VERDICTS_MAX = 10_000

/** HTTP Basic auth of stations (OCPP security profile 1): a station is who its credentials say. */
export interface StationAuthenticator {
  /**
   * Passes a station that needs no password, or whose `Authorization` header carries its identity and
   * password; throws `StationUnauthorized` (401) otherwise. Synchronous: a verdict is remembered per
   * (station, header value), so scrypt runs once per credential, not per request.
   */
  authenticate(header: string | undefined, stationId: string, record: StationRecord | undefined): void
}

/**
 * A station needs credentials when its record has a password hash, or when `requireBasicAuth` says every
 * station does. Remembered verdicts are dropped whenever a station record changes (a new password, a password
 * removed).
 *
 * ### Examples
 * ```ts
 * const { authenticate } = createStationAuthenticator({ stations, requireBasicAuth: false })
 * authenticate('Basic Q1AtMTpzM2NyZXQ=', 'CP-1', stations.get(kvKey('CP-1'))) // passes, or throws StationUnauthorized
 * ```
 */
export function createStationAuthenticator(deps: {
  stations: KvMirror<StationRecord>
  requireBasicAuth: boolean
}): StationAuthenticator {
  const { requireBasicAuth } = deps
  // Verifying a scrypt hash costs ~50 ms: remember the verdict per (station, Authorization header).
  const verdicts = new Map<string, boolean>()
  deps.stations.onChange(() => verdicts.clear())

  return {
    authenticate(header, stationId, record) {
      const password = record?.password
      if (password === undefined && !requireBasicAuth) return
      if (header === undefined) throw new StationUnauthorized(stationId, 'HTTP Basic credentials required')
      const cacheKey = `${stationId}\n${header}`
      let ok = verdicts.get(cacheKey)
      if (ok === undefined) {
        const given = parseBasicAuth(header)
        ok = false
        if (given !== undefined && given.user === stationId && password !== undefined) {
          ok = verifyPassword(password, given.password)
        }
        if (verdicts.size >= VERDICTS_MAX) verdicts.clear()
        verdicts.set(cacheKey, ok)
      }
      if (!ok) throw new StationUnauthorized(stationId, 'wrong HTTP Basic credentials')
    },
  }
}

/**
 * Reads an `Authorization: Basic …` header (RFC 7617). Returns undefined for anything else, including a
 * header without a colon in the decoded credentials.
 *
 * ### Examples
 * ```ts
 * parseBasicAuth('Basic Q1AtMTpzM2NyZXQ=') // { user: 'CP-1', password: 's3cret' }
 * ```
 */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ')
    return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
