/** Whether a key may try again, and if not for how long. */
export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number }

/**
 * Counts failed attempts (a wrong password, an unknown API key) per key (a client address, a station
 * identity) and refuses a key that failed `maxFailures` times within `windowMs`, before the expensive
 * check runs again. Memory is bounded: past `maxKeys` the least recently failing keys are forgotten.
 */
export interface FailureThrottle {
  check(key: string): ThrottleVerdict
  fail(key: string): void
  /** A success forgets the key's failures. */
  succeed(key: string): void
}

export interface FailureThrottleOptions {
  maxFailures: number
  windowMs: number
  maxKeys?: number
  /** Monotonic milliseconds; default `performance.now()`. */
  now?: () => number
}

/**
 * ### Examples
 * ```ts
 * const byAddress = createFailureThrottle({ maxFailures: 20, windowMs: 60_000 })
 * const verdict = byAddress.check(request.ip)
 * if (!verdict.allowed) throw new TooManyFailures(verdict.retryAfterMs)
 * if (await keys.authenticate(token)) byAddress.succeed(request.ip)
 * else byAddress.fail(request.ip)
 * ```
 */
export function createFailureThrottle(opts: FailureThrottleOptions): FailureThrottle {
  const now = opts.now ?? (() => performance.now())
  const maxKeys = opts.maxKeys ?? 100_000
  const failures = new Map<string, { count: number; since: number }>()

  function current(key: string, at: number): { count: number; since: number } | undefined {
    const entry = failures.get(key)
    if (entry !== undefined && at - entry.since >= opts.windowMs) {
      failures.delete(key)
      return undefined
    }
    return entry
  }

  return {
    check(key) {
      const at = now()
      const entry = current(key, at)
      if (entry === undefined || entry.count < opts.maxFailures) return { allowed: true }
      return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(entry.since + opts.windowMs - at)) }
    },
    fail(key) {
      const at = now()
      const entry = current(key, at) ?? { count: 0, since: at }
      entry.count++
      // Re-inserted: the Map's order is the order of last failure, so the first key is the one to forget.
      failures.delete(key)
      failures.set(key, entry)
      if (failures.size > maxKeys) failures.delete(failures.keys().next().value as string)
    },
    succeed(key) {
      failures.delete(key)
    },
  }
}
