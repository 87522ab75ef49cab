import type { FailureThrottle } from '@chargebus/platform'
import { kvKey, type StationRecord, verifyPassword } from '@chargebus/station-registry'
import type { KvMirror } from '../../data-access/kv-mirror.ts'
import { PasswordChecksBusy, StationUnauthorized } from '../../domain/errors.ts'

/** Remembered verdicts at most; then the stations remembered longest ago are forgotten first. */
const VERDICTS_MAX = 10_000

/** HTTP Basic auth of stations (OCPP security profile 1): a station is who its credentials say. */
export interface StationAuthenticator {
  /**
   * Passes a station that needs no password, or whose `Authorization` header carries its identity and
   * password; throws `StationUnauthorized` (401) otherwise, `PasswordChecksBusy` (503) when too many checks
   * wait. Synchronous (returns undefined) for a remembered verdict, so the hot path pays no promise; a promise
   * only when scrypt must run.
   */
  authenticate(
    header: string | undefined,
    stationId: string,
    record: StationRecord | undefined,
    remoteAddress: string,
  ): undefined | Promise<void>
}

export interface StationAuthenticatorDeps {
  stations: KvMirror<StationRecord>
  /** Every station needs credentials (production), not only the ones whose record has a password. */
  requireBasicAuth: boolean
  /** scrypt checks running at once (libuv's thread pool has 4 threads by default). */
  concurrency: number
  /** Checks allowed to wait; one more is refused at once (503). */
  queueMax: number
  /** Failed checks per client address, and per station identity, before checks are skipped (401 at once). */
  byAddress: FailureThrottle
  byStation: FailureThrottle
  /** Counts what each check came to (`ocpp_gateway_station_auth_total`). */
  count?: (outcome: AuthOutcome) => void
}

/**
 * `verified`/`wrong`: scrypt ran; `remembered`: a verdict was reused; `throttled`: refused without a check;
 * `missing`: no credentials; `unreadable`: the station's record cannot be read; `busy`: too many waiting.
 */
export type AuthOutcome =
  | 'verified'
  | 'wrong'
  | 'remembered'
  | 'throttled'
  | 'missing'
  | 'unreadable'
  | 'busy'

/**
 * A station needs credentials when its record has a password hash, when `requireBasicAuth` says every station
 * does, or when its record is unreadable (fail closed: a record we cannot read may hold a password).
 * Verdicts are remembered per (station, header value) and forgotten per station when its record changes;
 * scrypt runs off the event loop, at most `concurrency` at once; an address or identity that keeps failing
 * is refused without running it, so a flood of bad passwords costs neither CPU nor latency for the others.
 *
 * ### Examples
 * ```ts
 * const { authenticate } = createStationAuthenticator({ stations, requireBasicAuth: true, concurrency: 2, queueMax: 200, byAddress, byStation })
 * await authenticate('Basic Q1AtMTpzM2NyZXQ=', 'CP-1', stations.get(kvKey('CP-1')), '203.0.113.7')
 * ```
 */
export function createStationAuthenticator(deps: StationAuthenticatorDeps): StationAuthenticator {
  const { stations, byAddress, byStation } = deps
  const count = deps.count ?? (() => {})
  // stationKey -> (header -> verdict); a station's entry is dropped when its record changes.
  const verdicts = new Map<string, Map<string, boolean>>()
  // stationKey -> addresses that failed it: the per-station limit applies to those only, so whoever guesses a
  // station's password (from many addresses) cannot lock the station itself out.
  const failingFrom = new Map<string, Set<string>>()
  let remembered = 0
  stations.onChange((key) => forget(key))

  function forget(key: string): void {
    const forStation = verdicts.get(key)
    if (forStation === undefined) return
    remembered -= forStation.size
    verdicts.delete(key)
  }

  function remember(key: string, header: string, ok: boolean): void {
    let forStation = verdicts.get(key)
    if (forStation === undefined) {
      forStation = new Map()
      verdicts.set(key, forStation)
    }
    if (!forStation.has(header)) remembered++
    forStation.set(header, ok)
    while (remembered > VERDICTS_MAX) {
      const oldest = verdicts.keys().next().value
      if (oldest === undefined) break
      forget(oldest)
    }
  }

  let running = 0
  const waiting: Array<() => void> = []
  async function withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= deps.concurrency) {
      if (waiting.length >= deps.queueMax) {
        count('busy')
        throw new PasswordChecksBusy()
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    } else running++
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }

  /** Too many failures from this address, or for this station by an address that failed it. */
  function throttled(key: string, remoteAddress: string): boolean {
    if (!byAddress.check(remoteAddress).allowed) return true
    return failingFrom.get(key)?.has(remoteAddress) === true && !byStation.check(key).allowed
  }

  function recordFailure(key: string, remoteAddress: string): void {
    byAddress.fail(remoteAddress)
    byStation.fail(key)
    let addresses = failingFrom.get(key)
    if (addresses === undefined) {
      addresses = new Set()
      failingFrom.set(key, addresses)
      if (failingFrom.size > VERDICTS_MAX) failingFrom.delete(failingFrom.keys().next().value as string)
    }
    if (addresses.size < 1000) addresses.add(remoteAddress)
  }

  async function check(
    header: string,
    stationId: string,
    key: string,
    password: NonNullable<StationRecord['password']> | undefined,
    remoteAddress: string,
  ): Promise<void> {
    const given = parseBasicAuth(header)
    let ok = false
    if (given !== undefined && given.user === stationId && password !== undefined) {
      // Asked again once a slot is free, and a failure counted before the slot is handed on: the failures of
      // the requests queued ahead count (a concurrent flood must not slip past the limits).
      const verdict = await withSlot(async () => {
        if (throttled(key, remoteAddress)) return 'throttled'
        const matches = await verifyPassword(password, given.password)
        if (!matches) recordFailure(key, remoteAddress)
        return matches
      })
      if (verdict === 'throttled') {
        count('throttled')
        throw new StationUnauthorized(stationId, 'too many failed checks: throttled')
      }
      ok = verdict
    } else recordFailure(key, remoteAddress)
    remember(key, header, ok)
    count(ok ? 'verified' : 'wrong')
    if (ok) {
      byAddress.succeed(remoteAddress)
      return
    }
    throw new StationUnauthorized(stationId, 'wrong credentials')
  }

  return {
    authenticate(header, stationId, record, remoteAddress) {
      const key = kvKey(stationId)
      const unreadable = stations.isUnreadable(key)
      const password = record?.password
      if (password === undefined && !unreadable && !deps.requireBasicAuth) return undefined
      if (header === undefined) {
        count('missing')
        throw new StationUnauthorized(stationId, 'no Authorization header')
      }
      if (unreadable) {
        count('unreadable')
        throw new StationUnauthorized(stationId, 'its KV record is unreadable: refused until fixed')
      }
      const known = verdicts.get(key)?.get(header)
      if (known !== undefined) count('remembered')
      if (known === true) return undefined
      if (known === false) throw new StationUnauthorized(stationId, 'wrong credentials (remembered)')
      if (throttled(key, remoteAddress)) {
        count('throttled')
        throw new StationUnauthorized(stationId, 'too many failed checks: throttled')
      }
      return check(header, stationId, key, password, remoteAddress)
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
