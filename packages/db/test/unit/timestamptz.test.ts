import fc from 'fast-check'
import pg from 'pg'
import { parseTimestamptz } from '../../src/timestamptz.ts'

const library = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** A timestamptz as Postgres prints it in a zone `offsetMinutes` east of UTC, with `fraction` as given. */
function postgresText(utcMs: number, offsetMinutes: number, fraction: string): string {
  const local = new Date(utcMs + offsetMinutes * 60_000)
  const abs = Math.abs(offsetMinutes)
  const offset =
    (offsetMinutes < 0 ? '-' : '+') +
    pad(Math.floor(abs / 60), 2) +
    (abs % 60 === 0 ? '' : `:${pad(abs % 60, 2)}`)
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)} ` +
    `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}` +
    (fraction === '' ? '' : `.${fraction}`) +
    offset
  )
}

const asTime = (v: Date | number | null) => (v instanceof Date ? v.getTime() : v)

describe('parseTimestamptz', () => {
  it('reads what Postgres prints exactly as pg (postgres-date) does', () => {
    fc.assert(
      fc.property(
        // whole seconds from year 100 to 9999 (a 4-digit year in any zone)
        fc.integer({ min: -59_000_000_000, max: 253_000_000_000 }),
        fc.integer({ min: -15 * 4, max: 14 * 4 }).map((quarters) => quarters * 15),
        fc.stringMatching(/^(\d{1,6})?$/),
        (seconds, offsetMinutes, fraction) => {
          const text = postgresText(seconds * 1000, offsetMinutes, fraction)
          expect(asTime(parseTimestamptz(text))).toBe(asTime(library(text)))
        },
      ),
      { numRuns: 20_000 },
    )
  })

  it('hands what is not the common shape to the library and gets its answer', () => {
    for (const text of [
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00 BC',
      '0099-12-31 23:59:59.5+00',
      '12026-01-01 00:00:00+00',
      '1883-11-18 12:00:00-07:52:58',
      '2026-12-07 08:00:00',
      '2026-12-07 08:00:00+0',
    ]) {
      expect({ text, value: asTime(parseTimestamptz(text)) }).toEqual({ text, value: asTime(library(text)) })
    }
  })

  it('keeps milliseconds and drops the rest, as a Date does', () => {
    expect(parseTimestamptz('2026-12-07 08:09:10.123999+00')).toEqual(new Date('2026-12-07T08:09:10.123Z'))
    expect(parseTimestamptz('2026-12-07 08:09:10.5+05:45')).toEqual(new Date('2026-12-07T02:24:10.500Z'))
    expect(parseTimestamptz('2026-12-07 08:09:10-03:30')).toEqual(new Date('2026-12-07T11:39:10.000Z'))
  })
})
