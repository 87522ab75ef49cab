import type { Clock } from '@chargebus/platform'

/** A clock a test moves by hand: the services' time-dependent rules read it instead of the wall clock. */
export interface TestClock extends Clock {
  set(at: Date | string): void
  advance(ms: number): void
}

/**
 * ### Examples
 * ```ts
 * const clock = testClock('2026-11-26T12:00:00Z')
 * await ingest(aHeartbeat({ receivedAt: clock().toISOString() }))
 * clock.advance(16 * 60_000) // three 5-minute heartbeats missed
 * ```
 */
export function testClock(start: Date | string): TestClock {
  let now = new Date(start).getTime()
  const clock = (() => new Date(now)) as TestClock
  clock.set = (at) => {
    now = new Date(at).getTime()
  }
  clock.advance = (ms) => {
    now += ms
  }
  return clock
}
