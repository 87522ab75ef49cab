import fc from 'fast-check'
import { isoTime } from '../../src/domain/iso-time.ts'

const YEAR_10000 = Date.UTC(10000, 0, 1)

describe('isoTime', () => {
  it('writes what toISOString writes, for every millisecond from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: YEAR_10000 - 1 }), (t) => {
        expect(isoTime(new Date(t))).toBe(new Date(t).toISOString())
      }),
      { numRuns: 50_000 },
    )
  })

  it('is exact at the edges of days, months, leap years and its range', () => {
    const edges = [
      0,
      YEAR_10000 - 1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
    ]
    for (const t of edges) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString())
  })

  it('leaves instants outside 1970-9999 to toISOString, and an invalid date still throws', () => {
    for (const t of [-1, Date.UTC(1900, 5, 1), YEAR_10000, Date.UTC(-50, 0, 1)]) {
      expect(isoTime(new Date(t))).toBe(new Date(t).toISOString())
    }
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError)
  })
})
