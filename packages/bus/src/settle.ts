import { AppError } from '@chargebus/errors'
import { InvalidEventError } from '@chargebus/events'
import { UnknownEventError, UnreadableHeadersError } from './errors.ts'

export type DeadLetterReason = 'max-deliveries' | 'non-retryable' | 'invalid-event' | 'unknown-event'

/** What to do with a message whose handling failed. */
export type Settlement =
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; reason: DeadLetterReason }

export interface RetryPolicy {
  /** Deliveries before a failing message is dead-lettered (the first delivery counts). */
  maxDeliver: number
  /** Redelivery delay after the n-th failed delivery; the last entry repeats. */
  backoffMs: readonly number[]
  /** Whether retrying can help after `err`. Default: `isRetryableByDefault`. */
  isRetryable?: (err: unknown) => boolean
}

/** An `AppError` says whether it is retryable; any other error may be an outage, so it is retried. */
function isRetryableByDefault(err: unknown): boolean {
  return !(err instanceof AppError) || err.retryable
}

/** `batch`: the error came from a handler given several messages, so it is not about this one. */
export type FailureScope = 'message' | 'batch'

/**
 * Pure decision after a failed delivery. Schema-invalid and unknown events and errors `policy.isRetryable`
 * refuses (by default non-retryable `AppError`s) go to the dead letters at once; anything else (retryable
 * `AppError`s and unknown errors, which may be bugs or outages) is retried with backoff until `maxDeliver`
 * deliveries, then dead-lettered. A batch failure is always retried that way. An `outage` (the consumer's
 * `isInfrastructureError` recognised the error: a database or network that is down) says nothing about the
 * message, so it is retried with backoff however many deliveries it used: an outage longer than the backoff
 * schedule must not send healthy messages to the dead letters (bench:chaos, Postgres down for 60 s).
 */
export function settleFailure(
  err: unknown,
  deliveryCount: number,
  policy: RetryPolicy,
  scope: FailureScope = 'message',
  outage = false,
): Settlement {
  if (outage) return { action: 'retry', delayMs: backoffDelay(deliveryCount, policy.backoffMs) }
  if (scope === 'batch') return exhaustedOrRetry(deliveryCount, policy)
  if (err instanceof InvalidEventError || err instanceof UnreadableHeadersError)
    return { action: 'dead-letter', reason: 'invalid-event' }
  if (err instanceof UnknownEventError) return { action: 'dead-letter', reason: 'unknown-event' }
  const isRetryable = policy.isRetryable ?? isRetryableByDefault
  if (!isRetryable(err)) return { action: 'dead-letter', reason: 'non-retryable' }
  return exhaustedOrRetry(deliveryCount, policy)
}

function exhaustedOrRetry(deliveryCount: number, policy: RetryPolicy): Settlement {
  if (deliveryCount >= policy.maxDeliver) return { action: 'dead-letter', reason: 'max-deliveries' }
  return { action: 'retry', delayMs: backoffDelay(deliveryCount, policy.backoffMs) }
}

/** Delay before the next delivery after `deliveryCount` deliveries failed. */
export function backoffDelay(deliveryCount: number, backoffMs: readonly number[]): number {
  if (backoffMs.length === 0) return 0
  return backoffMs[Math.min(Math.max(deliveryCount, 1), backoffMs.length) - 1] ?? 0
}
