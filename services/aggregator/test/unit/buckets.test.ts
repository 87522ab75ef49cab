import fc from 'fast-check'
import { DateTime } from 'luxon'
import { resolveTimeZone, sliceByBuckets, utcBuckets, zonedBuckets } from '../../src/domain/buckets.ts'
import { InvalidTimeZone } from '../../src/domain/errors.ts'
import { toInstant } from '../../src/domain/instant.ts'
import { HOUR, t } from './builders.ts'

const iso = (ms: number) => new Date(ms).toISOString()
/** DST in both hemispheres, a jump over midnight (Santiago), half-hour DST (Lord Howe), a half-hour offset. */
const zones = [
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'UTC',
]

describe('UTC buckets', () => {
  test.each([
    ['hour', '2026-11-26T10:59:59.999Z', '2026-11-26T10:00:00.000Z', '2026-11-26T11:00:00.000Z'],
    ['hour', '2026-11-26T11:00:00.000Z', '2026-11-26T11:00:00.000Z', '2026-11-26T12:00:00.000Z'],
    ['day', '2026-12-31T23:59:59.999Z', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['month', '2028-02-29T12:00:00.000Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['month', '2026-12-15T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['month', '1969-12-31T23:00:00.000Z', '1969-12-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'],
  ] as const)('%s of %s is [%s, %s)', (interval, at, start, end) => {
    const b = utcBuckets[interval].bucketOf(t(at))
    expect([iso(b.start), iso(b.end)]).toEqual([start, end])
  })
})

describe('local days and months across DST', () => {
  test.each([
    // zone, an instant on the local day, local midnight as UTC, next local midnight as UTC, hours
    ['Europe/Berlin', '2026-03-29T12:00:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23],
    ['Europe/Berlin', '2026-10-25T12:00:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25],
    ['Europe/Berlin', '2026-07-01T21:59:59.999Z', '2026-06-30T22:00:00.000Z', '2026-07-01T22:00:00.000Z', 24],
    ['Europe/Berlin', '2026-07-01T22:00:00Z', '2026-07-01T22:00:00.000Z', '2026-07-02T22:00:00.000Z', 24],
    ['America/New_York', '2026-03-08T12:00:00Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 23],
    ['America/New_York', '2026-11-01T12:00:00Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 25],
    // 2026-11-01T04:30Z is 00:30 EDT; 05:30Z is 01:30 EDT; 06:30Z is 01:30 EST again: all the same local day.
    ['America/New_York', '2026-11-01T06:30:00Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 25],
    // Chile skips local midnight (00:00 -> 01:00): the day starts at its first existing instant, 01:00 -03.
    ['America/Santiago', '2024-09-08T12:00:00Z', '2024-09-08T04:00:00.000Z', '2024-09-09T03:00:00.000Z', 23],
  ] as const)('%s: the day of %s is [%s, %s), %i hours', (zone, at, start, end, hours) => {
    const b = zonedBuckets(zone, 'day').bucketOf(t(at))
    expect([iso(b.start), iso(b.end), (b.end - b.start) / HOUR]).toEqual([start, end, hours])
  })

  test('a local month with a DST change is one hour short or long', () => {
    const month = zonedBuckets('Europe/Berlin', 'month')
    const march = month.bucketOf(t('2026-03-15T00:00:00Z'))
    const october = month.bucketOf(t('2026-10-31T23:30:00Z')) // 00:30 on 1 November in Berlin
    expect([iso(march.start), iso(march.end), (march.end - march.start) / HOUR]).toEqual([
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
      31 * 24 - 1,
    ])
    expect(iso(october.start)).toBe('2026-10-31T23:00:00.000Z')
  })

  test('local buckets tile the time line: every instant lies in its bucket, and a bucket ends where the next starts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom('day' as const, 'month' as const),
        fc.integer({ min: t('2020-01-01T00:00:00Z'), max: t('2030-01-01T00:00:00Z') }),
        (zone, interval, at) => {
          const b = zonedBuckets(zone, interval).bucketOf(at)
          expect(b.start <= at && at < b.end).toBe(true)
          expect(zonedBuckets(zone, interval).bucketOf(b.end).start).toBe(b.end)
          expect(zonedBuckets(zone, interval).bucketOf(b.start - 1).end).toBe(b.start)
        },
      ),
      { numRuns: 200 },
    )
  })

  test('the remembered buckets of one bucketing are what luxon computes for every instant (cross-check)', () => {
    const bucketings = new Map(
      zones.flatMap((zone) =>
        (['day', 'month'] as const).map((interval) => [`${zone}:${interval}`, zonedBuckets(zone, interval)]),
      ),
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom('day' as const, 'month' as const),
        // a narrow range, so most lookups hit days this instance has already remembered
        fc.integer({ min: t('2026-03-20T00:00:00Z'), max: t('2026-04-10T00:00:00Z') }),
        (zone, interval, at) => {
          const start = DateTime.fromMillis(at, { zone }).startOf(interval)
          const expected = {
            start: start.toMillis(),
            end: start
              .plus({ [`${interval}s`]: 1 })
              .startOf(interval)
              .toMillis(),
          }
          expect(bucketings.get(`${zone}:${interval}`)?.bucketOf(at)).toEqual(expected)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('time zone configuration', () => {
  test('a station override wins over the network default', () => {
    expect(resolveTimeZone('Europe/Berlin', 'America/New_York')).toBe('America/New_York')
    expect(resolveTimeZone('Europe/Berlin', null)).toBe('Europe/Berlin')
    expect(resolveTimeZone('Europe/Berlin')).toBe('Europe/Berlin')
  })

  test.each(['Europe/Atlantis', '', 'CET+1'])(
    '%j is refused with AGGREGATOR_ERR_INVALID_TIME_ZONE',
    (zone) => {
      expect(() => resolveTimeZone('UTC', zone)).toThrow(InvalidTimeZone)
      expect(() => zonedBuckets(zone, 'day')).toThrow(
        expect.objectContaining({ code: 'AGGREGATOR_ERR_INVALID_TIME_ZONE' }),
      )
    },
  )
})

describe('slicing an interval by buckets', () => {
  test('cuts at each boundary and clips the ends', () => {
    const slices = sliceByBuckets(utcBuckets.hour, t('2026-11-26T10:30:00Z'), t('2026-11-26T12:15:00Z'))
    expect(slices.map((s) => [iso(s.bucket.start), (s.to - s.from) / 60_000])).toEqual([
      ['2026-11-26T10:00:00.000Z', 30],
      ['2026-11-26T11:00:00.000Z', 60],
      ['2026-11-26T12:00:00.000Z', 15],
    ])
  })

  test('an empty or reversed interval has no slices', () => {
    expect(sliceByBuckets(utcBuckets.day, t('2026-11-26T10:00:00Z'), t('2026-11-26T10:00:00Z'))).toEqual([])
    expect(sliceByBuckets(utcBuckets.day, t('2026-11-26T10:00:00Z'), t('2026-11-26T09:00:00Z'))).toEqual([])
  })
})

describe('instants', () => {
  test('ISO date-times with offsets and epoch milliseconds', () => {
    expect(toInstant('2026-03-29T03:00:00+02:00')).toBe(t('2026-03-29T01:00:00Z'))
    expect(toInstant(1_700_000_000_000)).toBe(1_700_000_000_000)
  })

  test.each(['yesterday', '', Number.NaN, Number.POSITIVE_INFINITY])('%p is refused', (value) => {
    expect(() => toInstant(value)).toThrow(
      expect.objectContaining({ code: 'AGGREGATOR_ERR_INVALID_INSTANT' }),
    )
  })
})
