import { AppError } from '@chargebus/errors'

// SQLSTATE classes: connection (08), resources (53), operator intervention (57), system (58), rollback
// (40: serialization, deadlock) and internal (XX) say nothing about the data; 22 and 23 say the data is refused.
const OUTAGE_SQLSTATE = /^(08|53|57|58|40|XX)/
const REFUSED_SQLSTATE = /^(22|23)/

/**
 * Postgres or the way to it is in trouble, so every write would fail alike: our `DB_ERR_UNAVAILABLE`, a SQLSTATE
 * of an outage class, a socket error (`ECONNREFUSED`, `ETIMEDOUT`, ...) or the pool's connect timeout. A
 * consumer redelivers its batch as is instead of isolating messages one by one.
 *
 * ### Examples
 * ```ts
 * isolateFailures: { isInfrastructureError: (err) => isDatabaseOutage(err) || isBusError(err) }
 * ```
 */
export function isDatabaseOutage(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'DB_ERR_UNAVAILABLE'
  const e = err as { code?: unknown; message?: unknown }
  if (typeof e?.code === 'string' && (OUTAGE_SQLSTATE.test(e.code) || /^E[A-Z]+$/.test(e.code))) return true
  const message = typeof e?.message === 'string' ? e.message : ''
  return /timeout exceeded when trying to connect|Connection terminated|connection.*closed/i.test(message)
}

/** Postgres refused the data (SQLSTATE 22, 23: invalid values, constraint violations): a retry cannot help. */
export function isRefusedData(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && REFUSED_SQLSTATE.test(code)
}

/**
 * Whether retrying one message can help after `err`: an `AppError` says so itself; data Postgres refused
 * ({@link isRefusedData}) never passes on a retry; anything else may be passing trouble. A consumer's
 * `isRetryable` for handlers that write to Postgres.
 */
export function isRetryableWrite(err: unknown): boolean {
  return err instanceof AppError ? err.retryable : !isRefusedData(err)
}
