import type { CommandStatus } from '@chargebus/events'

/*
 * Pure rules of delivering a command: what a station's answer means, when a command is too old to send, when
 * its expiry timer fires, how long to wait before the next attempt, where a redelivered command goes in its
 * station's queue and when a waiting command's row needs touching. No I/O, no clock: callers pass `now`.
 */

/** Answers that mean the station will do (or did) what was asked. */
const POSITIVE = new Set(['Accepted', 'Scheduled', 'RebootRequired', 'Unlocked'])

/** setTimeout's largest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

/**
 * `accepted` or `rejected` from a station's (1.6 form) answer: operations whose answer has a `status` are
 * accepted for Accepted, Scheduled (ChangeAvailability), RebootRequired (ChangeConfiguration) and Unlocked
 * (UnlockConnector), rejected otherwise; answers without a status (GetConfiguration, GetDiagnostics,
 * GetLocalListVersion, UpdateFirmware) are accepted.
 *
 * ### Examples
 * ```ts
 * outcomeOf({ status: 'Rejected' }) // 'rejected'
 * outcomeOf({ fileName: 'diag.zip' }) // 'accepted'
 * ```
 */
export function outcomeOf(
  response: Record<string, unknown>,
): Extract<CommandStatus, 'accepted' | 'rejected'> {
  const status = response.status
  if (typeof status !== 'string') return 'accepted'
  return POSITIVE.has(status) ? 'accepted' : 'rejected'
}

/** Whether a command must no longer be sent at `now`. */
export function isExpired(expiresAt: string | Date | null | undefined, now: Date): boolean {
  if (expiresAt === null || expiresAt === undefined) return false
  return new Date(expiresAt).getTime() <= now.getTime()
}

/**
 * The delay of a waiting command's expiry timer: until `expiresAt`, at once when it has passed, and never
 * beyond what setTimeout can wait (it would fire at once).
 *
 * ### Examples
 * ```ts
 * expiryTimerMs(new Date('2026-01-01T00:00:05Z'), new Date('2026-01-01T00:00:00Z')) // 5000
 * ```
 */
export function expiryTimerMs(expiresAt: Date, now: Date): number {
  return Math.min(Math.max(expiresAt.getTime() - now.getTime(), 0), MAX_TIMER_MS)
}

/**
 * Delay before delivery attempt `attempt + 1` to an unreachable station (attempt 1 = first failure): the
 * schedule's entry, the last one repeating. A message from the station cuts the wait short.
 */
export function retryDelayMs(attempt: number, schedule: readonly number[]): number {
  if (schedule.length === 0) return 0
  const i = Math.min(Math.max(attempt, 1), schedule.length) - 1
  return schedule[i] ?? 0
}

/**
 * How long a station's message puts off waking its waiting command: 0 when the last attempt ended at least
 * `wakeMinMs` ago, else the rest of that time. Bounds the calls to a station that talks while it cannot be reached.
 *
 * ### Examples
 * ```ts
 * wakeDelayMs(10_000, 12_000, 5_000) // 3000
 * wakeDelayMs(10_000, 15_000, 5_000) // 0
 * ```
 */
export function wakeDelayMs(lastAttemptAtMs: number, nowMs: number, wakeMinMs: number): number {
  return Math.max(0, lastAttemptAtMs + wakeMinMs - nowMs)
}

/**
 * Where a command with stream sequence `seq` goes in its station's queue (sorted by sequence): after every
 * command that is not newer, so redeliveries that arrive out of order still go out in stream order.
 *
 * ### Examples
 * ```ts
 * streamOrderIndex([{ seq: 3 }, { seq: 7 }], 5) // 1
 * ```
 */
export function streamOrderIndex(queue: ReadonlyArray<{ readonly seq: number }>, seq: number): number {
  let at = queue.length
  while (at > 0 && (queue[at - 1]?.seq ?? 0) > seq) at--
  return at
}

/**
 * Whether a waiting command's row was touched recently enough, for the same reason, to skip touching it
 * again: a third of `orderStaleMs` keeps it fresh for other dispatchers' ordering guard without a write per
 * poll.
 */
export function isWaitingNoteFresh(
  last: { touchedAtMs: number; errorCode: string | null },
  code: string,
  nowMs: number,
  orderStaleMs: number,
): boolean {
  return nowMs - last.touchedAtMs < orderStaleMs / 3 && last.errorCode === code
}

/** Fills `{station}` in an upload location template (URL-encoded). */
export function uploadLocationFor(template: string, stationId: string): string {
  return template.replaceAll('{station}', encodeURIComponent(stationId))
}

/**
 * An ftp:// location on the FTP edge carrying one-time credentials: the edge's root for an upload (OCPP's
 * GetDiagnostics location is a directory), the image for a download.
 *
 * ### Examples
 * ```ts
 * ftpLocation('ftp://ftp.example.com:2121', { user: 'grant-ab', password: 'p/q' }, 'fw 2.bin')
 * // 'ftp://grant-ab:p%2Fq@ftp.example.com:2121/fw%202.bin'
 * ```
 */
export function ftpLocation(
  edgeUrl: string,
  credentials: { user: string; password: string },
  fileName?: string,
): string {
  const url = new URL(edgeUrl)
  // The setters percent-encode what userinfo may not hold.
  url.username = credentials.user
  url.password = credentials.password
  url.pathname = fileName === undefined ? '/' : `/${encodeURIComponent(fileName)}`
  return url.toString()
}

/**
 * When one-time FTP credentials expire: `ttlMs` after now, or after the retrieveDate of an UpdateFirmware
 * (a station told to download next week must still get in next week).
 */
export function ftpGrantExpiry(now: Date, ttlMs: number, retrieveDate?: string): Date {
  const from = retrieveDate === undefined ? Number.NaN : Date.parse(retrieveDate)
  return new Date(Math.max(now.getTime(), Number.isNaN(from) ? 0 : from) + ttlMs)
}
