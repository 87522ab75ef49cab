import { type Clock, createFailureThrottle } from '@chargebus/platform'
import {
  type FtpGrant,
  findFtpGrant,
  hashPassword,
  isFtpGrantUser,
  kvKey,
  type PasswordChecks,
  type PasswordHash,
  type StationRecord,
  stationRecordValidator,
} from '@chargebus/station-registry'
import type { KV } from '@nats-io/kv'

/** Why a login failed; the station hears one text for all of them but the throttle (no user enumeration). */
export type LoginRefusal = 'throttled' | 'incorrect'

export type LoginVerdict =
  | { ok: true; stationId: string; grant?: FtpGrant }
  | { ok: false; refusal: LoginRefusal }

export interface StationLoginOptions {
  stations: Pick<KV, 'get'>
  grants: Pick<KV, 'get'>
  /** When a one-time credential expires. */
  clock: Clock
  passwordChecks: Pick<PasswordChecks, 'verify'>
  maxFailuresPerMinute: number
  /** Monotonic milliseconds for the throttle (tests pass their own). */
  now?: () => number
}

/** Names that are never a station: FTP's anonymous login is refused like a wrong password. */
const ANONYMOUS = new Set(['anonymous', 'ftp'])

/**
 * Station accounts: the user name is the station identity, the password the one its registry record holds
 * (the same HTTP Basic password the gateway checks; `pnpm chargebus station set --password`). Only Accepted
 * stations log in. A name without a record, without a password, or refused, costs the same password check as
 * a real one (against a hash of nothing), so timing tells no more than the reply, which is the same.
 * Failures are counted per client address and per user name; past the limit a login is refused before any
 * check runs, so a flood costs a map entry (bounded), not scrypt.
 * A `grant-…` name is a command's one-time credentials (issued by the gateway): it logs in as the grant's
 * station, for that grant's one transfer, until it expires or is spent (a SHA-256 check: its secret is random).
 */
export function createStationLogin(opts: StationLoginOptions) {
  const throttleOpts = {
    maxFailures: opts.maxFailuresPerMinute,
    windowMs: 60_000,
    ...(opts.now && { now: opts.now }),
  }
  const byAddress = createFailureThrottle(throttleOpts)
  const byName = createFailureThrottle(throttleOpts)
  const decoy: PasswordHash = hashPassword('no station has this password')

  async function recordOf(stationId: string): Promise<StationRecord | undefined> {
    const entry = await opts.stations.get(kvKey(stationId))
    if (entry === null || entry.operation !== 'PUT') return undefined
    try {
      const value: unknown = entry.json()
      return stationRecordValidator.Check(value) ? value : undefined
    } catch {
      return undefined
    }
  }

  /** Who the credentials name, or nothing: one answer for every way of being wrong. */
  async function identify(username: string, password: string): Promise<LoginVerdict | undefined> {
    if (isFtpGrantUser(username)) {
      const grant = await findFtpGrant(opts.grants, username, password, opts.clock())
      return grant && { ok: true, stationId: grant.stationId, grant }
    }
    const record = ANONYMOUS.has(username.toLowerCase()) ? undefined : await recordOf(username)
    const usable = record?.registrationStatus === 'Accepted' && record.password !== undefined
    const matches = await opts.passwordChecks.verify(
      usable ? (record.password as PasswordHash) : decoy,
      password,
    )
    return usable && matches ? { ok: true, stationId: username } : undefined
  }

  return {
    async login(username: string, password: string, address: string): Promise<LoginVerdict> {
      const nameKey = username.slice(0, 255)
      if (!byAddress.check(address).allowed || !byName.check(nameKey).allowed)
        return { ok: false, refusal: 'throttled' }
      const verdict = await identify(username, password)
      if (verdict !== undefined) {
        byAddress.succeed(address)
        byName.succeed(nameKey)
        return verdict
      }
      byAddress.fail(address)
      byName.fail(nameKey)
      return { ok: false, refusal: 'incorrect' }
    },
  }
}

export type StationLogin = ReturnType<typeof createStationLogin>
