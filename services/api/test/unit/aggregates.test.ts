import { availabilityOf, checkAggregateRange, MAX_RANGE_DAYS } from '../../src/domain/aggregates.ts'
import { ValidationFailed } from '../../src/domain/errors.ts'

const zero = { chargingMs: 0, idleMs: 0, freeMs: 0, unavailableMs: 0, faultedMs: 0, unknownMs: 0 }

describe('availabilityOf', () => {
  test.each([
    ['nothing known', { ...zero, unknownMs: 10 }, null, null],
    ['never available (all faulted)', { ...zero, faultedMs: 10 }, 0, null],
    ['unknown time is neither up nor down', { ...zero, freeMs: 3, faultedMs: 1, unknownMs: 100 }, 0.75, 0],
    ['idle counts as available, not as charging', { ...zero, chargingMs: 1, idleMs: 1, freeMs: 2 }, 1, 0.25],
    ['unavailable is down time', { ...zero, chargingMs: 2, unavailableMs: 2 }, 0.5, 1],
  ])('%s', (_, times, availability, utilization) => {
    expect(availabilityOf(times)).toEqual({ availability, utilization })
  })
})

describe('checkAggregateRange', () => {
  const from = '2026-01-01T00:00:00Z'
  const plus = (days: number, ms = 0) => new Date(Date.parse(from) + days * 86_400_000 + ms).toISOString()
  test.each(Object.entries(MAX_RANGE_DAYS))(
    '%s: exactly %i days pass, a millisecond more is a 400 naming to',
    (interval, days) => {
      const i = interval as keyof typeof MAX_RANGE_DAYS
      expect(() => checkAggregateRange({ from, to: plus(days), interval: i })).not.toThrow()
      expect(() => checkAggregateRange({ from, to: plus(days, 1), interval: i })).toThrow(ValidationFailed)
    },
  )
  test.each([from, plus(-1)])('to=%s (not after from) is refused', (to) => {
    try {
      checkAggregateRange({ from, to, interval: 'day' })
      throw new Error('not refused')
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationFailed)
      expect((err as ValidationFailed).errors).toEqual([{ name: 'to', reason: 'must be after from' }])
    }
  })
})
