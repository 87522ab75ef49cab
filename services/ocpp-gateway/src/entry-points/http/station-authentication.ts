import { clientNetworkOf, type FailureThrottle } from '@chargebus/platform'
import { kvKey, type PasswordHash, type StationRecord } from '@chargebus/station-registry'
import type { KvMirror } from '../../data-access/kv-mirror.ts'
import { PasswordChecksBusy, StationUnauthorized } from '../../domain/errors.ts'

/**
 * Headers remembered as right, and as wrong, at most (each). Separate, so a flood of wrong passwords churns
 * only the wrong ones: it never makes an honest station's check run again.
 */
const VERDICTS_MAX = 10_000
/** (station, client) pairs remembered as having failed, at most. */
const FAILING_PAIRS_MAX = 100_000

/** HTTP Basic auth of stations (OCPP security profile 1): a station is who its credentials say. */
export interface StationAuthenticator {
  /**
   * Refuses, before the body is decoded, what can never pass: where every station needs credentials, a
   * request without usable ones or for an identity with no password; credentials remembered as wrong; a
   * client that failed too often. The identity here is the credentials' user (`authenticate` then checks it
   * is the body's chargeBoxIdentity). Throws `StationUnauthorized`, or `PasswordChecksBusy` when a check
   * would be needed and this client has no place to wait; passing decides nothing.
   */
  screen(header: string | undefined, remoteAddress: string): void
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
  /**
   * Whether `header` is known to pass for `stationId` without a check: the station needs no password, or
   * this header is remembered as right. Never runs scrypt, counts nothing: for deciding whose faulted request
   * may be journaled when its body could not be decoded far enough to authenticate.
   */
  vouches(header: string | undefined, stationId: string, record: StationRecord | undefined): boolean
}

export interface StationAuthenticatorDeps {
  stations: KvMirror<StationRecord>
  /** Every station needs credentials (production), not only the ones whose record has a password. */
  requireBasicAuth: boolean
  /** Runs one password check (`PasswordChecks.verify`: scrypt on a low-priority worker thread). */
  verify: (stored: PasswordHash, password: string) => Promise<boolean>
  /** Checks running at once (the worker threads `verify` has). */
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
 * `unverifiable`: credentials that cannot match (for an identity without a password, or another identity's
 * user), refused without a check; `missing`: no credentials; `unreadable`: the station's record cannot be
 * read; `busy`: too many waiting.
 */
export type AuthOutcome =
  | 'verified'
  | 'wrong'
  | 'unverifiable'
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
  // stationKey -> headers; both forgotten for a station when its record changes.
  const right = createBoundedSets(VERDICTS_MAX)
  const wrong = createBoundedSets(VERDICTS_MAX)
  // stationKey -> clients that failed it: the per-station limit applies to those only, so whoever guesses a
  // station's password (from many addresses) cannot lock the station itself out.
  const failingFrom = createBoundedSets(FAILING_PAIRS_MAX)
  stations.onChange((key) => {
    right.forget(key)
    wrong.forget(key)
  })

  let running = 0
  const waiting: Array<() => void> = []
  // One client may hold at most a tenth of the waiting places: a single address cannot crowd out the rest.
  const waitingPerClientMax = Math.max(1, Math.floor(deps.queueMax / 10))
  const waitingBy = new Map<string, number>()
  /** No slot now, and no waiting place for this client. */
  function busy(client: string): boolean {
    if (running < deps.concurrency) return false
    return waiting.length >= deps.queueMax || (waitingBy.get(client) ?? 0) >= waitingPerClientMax
  }
  async function withSlot<T>(client: string, work: () => Promise<T>): Promise<T> {
    if (running >= deps.concurrency) {
      if (busy(client)) {
        count('busy')
        throw new PasswordChecksBusy()
      }
      waitingBy.set(client, (waitingBy.get(client) ?? 0) + 1)
      await new Promise<void>((resolve) => waiting.push(resolve))
      const left = (waitingBy.get(client) ?? 1) - 1
      if (left === 0) waitingBy.delete(client)
      else waitingBy.set(client, left)
    } else running++
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }

  /** Too many failures from this client, or for this station by a client that failed it. */
  function throttled(key: string, client: string): boolean {
    if (!byAddress.check(client).allowed) return true
    return failingFrom.has(key, client) && !byStation.check(key).allowed
  }

  function recordFailure(key: string, client: string): void {
    byAddress.fail(client)
    byStation.fail(key)
    failingFrom.add(key, client)
  }

  async function check(
    header: string,
    stationId: string,
    key: string,
    password: NonNullable<StationRecord['password']> | undefined,
    client: string,
  ): Promise<void> {
    const given = parseBasicAuth(header)
    if (given === undefined || given.user !== stationId || password === undefined) {
      recordFailure(key, client)
      wrong.add(key, header)
      count('unverifiable')
      throw new StationUnauthorized(stationId, 'credentials of another identity, or no password set')
    }
    // Asked again once a slot is free, and a failure counted before the slot is handed on: the failures of
    // the requests queued ahead count (a concurrent flood must not slip past the limits).
    const verdict = await withSlot(client, async () => {
      if (throttled(key, client)) return 'throttled'
      const matches = await deps.verify(password, given.password)
      if (!matches) recordFailure(key, client)
      return matches
    })
    if (verdict === 'throttled') {
      count('throttled')
      throw new StationUnauthorized(stationId, 'too many failed checks: throttled')
    }
    ;(verdict ? right : wrong).add(key, header)
    count(verdict ? 'verified' : 'wrong')
    if (verdict) {
      byAddress.succeed(client)
      return
    }
    throw new StationUnauthorized(stationId, 'wrong credentials')
  }

  return {
    screen(header, remoteAddress) {
      const given = parseBasicAuth(header)
      if (header === undefined || given === undefined) {
        if (!deps.requireBasicAuth) return
        count('missing')
        throw new StationUnauthorized('(unknown)', 'no usable Authorization header')
      }
      const key = kvKey(given.user)
      const stationId = given.user
      if (right.has(key, header)) return
      if (wrong.has(key, header)) {
        count('remembered')
        throw new StationUnauthorized(stationId, 'wrong credentials (remembered)')
      }
      const client = clientNetworkOf(remoteAddress)
      if (throttled(key, client)) {
        count('throttled')
        throw new StationUnauthorized(stationId, 'too many failed checks: throttled')
      }
      if (!stations.synced) return // `answer` refuses every request until the caches are loaded
      const unreadable = stations.isUnreadable(key)
      const passwordless = !unreadable && stations.get(key)?.password === undefined
      if (deps.requireBasicAuth && passwordless) {
        // Nothing to guess and nothing to remember (the lookup is the check); a scanning client is throttled.
        byAddress.fail(client)
        count('unverifiable')
        throw new StationUnauthorized(stationId, 'no password is set for this identity')
      }
      if ((deps.requireBasicAuth || !passwordless) && busy(client)) {
        count('busy')
        throw new PasswordChecksBusy()
      }
    },
    vouches(header, stationId, record) {
      const key = kvKey(stationId)
      if (stations.isUnreadable(key)) return false
      if (record?.password === undefined && !deps.requireBasicAuth) return true
      return header !== undefined && right.has(key, header)
    },
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
      if (right.has(key, header)) {
        count('remembered')
        return undefined
      }
      if (wrong.has(key, header)) {
        count('remembered')
        throw new StationUnauthorized(stationId, 'wrong credentials (remembered)')
      }
      const client = clientNetworkOf(remoteAddress)
      if (throttled(key, client)) {
        count('throttled')
        throw new StationUnauthorized(stationId, 'too many failed checks: throttled')
      }
      return check(header, stationId, key, password, client)
    },
  }
}

/**
 * Sets of strings per key (a station's remembered headers, the clients that failed it), at most `max` strings
 * in all: past it the key added longest ago is forgotten with its whole set.
 */
function createBoundedSets(max: number) {
  const sets = new Map<string, Set<string>>()
  let size = 0
  function forget(key: string): void {
    const set = sets.get(key)
    if (set === undefined) return
    size -= set.size
    sets.delete(key)
  }
  return {
    has: (key: string, value: string): boolean => sets.get(key)?.has(value) === true,
    add(key: string, value: string): void {
      let set = sets.get(key)
      if (set === undefined) {
        set = new Set()
        sets.set(key, set)
      }
      if (set.has(value)) return
      set.add(value)
      size++
      while (size > max) forget(sets.keys().next().value as string)
    },
    forget,
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
