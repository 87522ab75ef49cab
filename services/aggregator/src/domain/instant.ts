import { InvalidInstant } from './errors.ts'

/** A point on the time line in epoch milliseconds (UTC). The domain never reads a clock: instants come in. */
export type Instant = number

/**
 * An instant from an event's ISO 8601 date-time (with offset or `Z`), or from epoch milliseconds.
 *
 * ### Examples
 * ```ts
 * toInstant('2026-03-29T01:00:00.000Z') // 1774746000000
 * ```
 */
export function toInstant(value: string | number): Instant {
  const ms = typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) throw new InvalidInstant(value)
  return ms
}
