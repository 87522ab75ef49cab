import pg from 'pg'

const TIMESTAMPTZ_OID = 1184
const libraryParse: (text: string) => Date | number | null = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text')

/**
 * pg's text parser for timestamptz, with a fast path for the shape Postgres prints for a 4-digit year
 * (`YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]`): postgres-date runs three regular expressions per value, and a
 * 100-row page of the API parses hundreds of timestamps. Anything else (BC, infinity, years below 100 or above
 * 9999, offsets with seconds) goes to the library. Like the library, the result keeps milliseconds.
 */
export function parseTimestamptz(text: string): Date | number | null {
  return canonical(text) ?? libraryParse(text)
}

/** Options for `pg.Pool`: every timestamptz read through {@link parseTimestamptz}, other types as pg does. */
export const fastTimestampTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? parseTimestamptz
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
}

function canonical(s: string): Date | undefined {
  const n = s.length
  if (
    n < 22 ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 32 || // space
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58
  ) {
    return undefined
  }
  const year = digits(s, 0, 4)
  if (!(year >= 100)) return undefined // NaN too; years 0-99 are Date.UTC's 1900s: the library handles them
  let i = 19
  let ms = 0
  if (s.charCodeAt(i) === 46) {
    // .ffffff: the first three digits are the milliseconds, the rest is truncated as the library does
    i++
    let scale = 100
    while (i < n && isDigit(s.charCodeAt(i))) {
      ms += (s.charCodeAt(i) - 48) * scale
      scale = scale === 1 ? 0 : scale / 10
      i++
    }
  }
  const sign = s.charCodeAt(i) === 43 ? 1 : s.charCodeAt(i) === 45 ? -1 : 0 // + or -
  if (sign === 0) return undefined
  const offsetHours = digits(s, i + 1, 2)
  let offsetMinutes = 0
  if (n === i + 6 && s.charCodeAt(i + 3) === 58) offsetMinutes = digits(s, i + 4, 2)
  else if (n !== i + 3) return undefined
  const utc = Date.UTC(
    year,
    digits(s, 5, 2) - 1,
    digits(s, 8, 2),
    digits(s, 11, 2),
    digits(s, 14, 2),
    digits(s, 17, 2),
    ms,
  )
  const time = utc - sign * (offsetHours * 60 + offsetMinutes) * 60_000
  return Number.isNaN(time) ? undefined : new Date(time)
}

const isDigit = (c: number) => c >= 48 && c <= 57

/** The decimal number in s[at, at + count), or NaN when any of those is not a digit. */
function digits(s: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i)
    if (!isDigit(c)) return Number.NaN
    value = value * 10 + c - 48
  }
  return value
}
