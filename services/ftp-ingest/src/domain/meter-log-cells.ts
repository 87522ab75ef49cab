/*
 * Cell checks of meter logs. Each returns the value, or a `CellProblem` the parser turns into a rejection.
 * Pure: no I/O.
 */

import type { TimestampFormat } from './meter-log-profile.ts'

export interface CellProblem {
  readonly problem: 'formula' | 'timestamp' | 'number' | 'integer'
  readonly reason: string
}

export function isCellProblem(x: unknown): x is CellProblem {
  return typeof x === 'object' && x !== null && 'problem' in x
}

const NUMBER_START = /^[+-][0-9.]/

/**
 * Whether a spreadsheet would run the cell as a formula (CSV injection, OWASP): it starts with `=`, `@`, a tab or
 * a carriage return, or with `+`/`-` not followed by a number. Leading spaces are looked through (spreadsheets
 * trim them).
 *
 * ### Examples
 * ```ts
 * looksLikeFormula('=HYPERLINK("http://x")') // true
 * looksLikeFormula('-12.5') // false
 * ```
 */
export function looksLikeFormula(cell: string): boolean {
  if (cell.startsWith('\t') || cell.startsWith('\r')) return true
  const text = cell.trimStart()
  const first = text[0]
  if (first === '=' || first === '@') return true
  if (first === '+' || first === '-') return !NUMBER_START.test(text)
  return false
}

const DECIMAL = /^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$/
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i

/** A plain decimal number (no thousands separators, no decimal comma), as text. */
export function decimalCell(cell: string): string | CellProblem {
  const text = cell.trim()
  if (DECIMAL.test(text) && Number.isFinite(Number(text))) return text
  return { problem: 'number', reason: `${show(cell)} is not a number` }
}

/** A whole number from `min` to `max`. */
export function integerCell(cell: string, min: number, max: number): number | CellProblem {
  const text = cell.trim()
  const n = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN
  if (n >= min && n <= max) return n
  return { problem: 'integer', reason: `${show(cell)} is not a whole number from ${min} to ${max}` }
}

/**
 * A timestamp as an ISO 8601 UTC string. `iso8601` requires a date, a time and an offset (`Z`, `+01:00`,
 * `+0100`): a time without one is ambiguous and refused, as are impossible dates (2026-02-30).
 *
 * ### Examples
 * ```ts
 * timestampCell('2026-11-26T11:15:00+01:00', 'iso8601') // '2026-11-26T10:15:00.000Z'
 * timestampCell('1764152100', 'unix-s') // '2026-11-26T10:15:00.000Z'
 * ```
 */
export function timestampCell(cell: string, format: TimestampFormat): string | CellProblem {
  const text = cell.trim()
  const ms = format === 'iso8601' ? isoMillis(text) : unixMillis(text, format === 'unix-s' ? 1000 : 1)
  // Postgres timestamptz and JavaScript dates agree from year 1 to 9999 (the ISO form's four digits).
  if (ms === undefined || ms < FIRST_MS || ms > LAST_MS)
    return { problem: 'timestamp', reason: `${show(cell)} is not a timestamp (${FORMAT_HINT[format]})` }
  return new Date(ms).toISOString()
}

// Not Date.UTC(1, 0, 1): Date.UTC reads years 0-99 as 1900-1999, which refused every time before 1901 (found by
// the meter-log fuzz test).
const FIRST_MS = Date.parse('0001-01-01T00:00:00.000Z')
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z')

/** Milliseconds of a UTC date and time, years 1-99 included (Date.UTC would read them as 1901-1999). */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const t = new Date(Date.UTC(2000, 0, 1, h, mi, s))
  t.setUTCFullYear(y, mo - 1, d)
  return t.getTime()
}

const FORMAT_HINT: Record<TimestampFormat, string> = {
  iso8601: 'expected ISO 8601 with an offset, e.g. 2026-11-26T10:15:00Z',
  'unix-s': 'expected Unix seconds',
  'unix-ms': 'expected Unix milliseconds',
}

function isoMillis(text: string): number | undefined {
  const m = ISO_8601.exec(text)
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const fraction = Number(`0.${m[7] ?? '0'}`) * 1000
  if (h > 23 || mi > 59 || s > 59) return undefined
  const local = utcMillis(y, mo, d, h, mi, s) + Math.floor(fraction)
  const back = new Date(local)
  // Dates roll 2026-02-30 over into March: a date that does not round-trip does not exist.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined
  const offset = offsetMillis(m[8] as string)
  return offset === undefined ? undefined : local - offset
}

/** `Z`, `+01`, `+0100`, `+01:00`; real offsets lie within +-14:00. */
function offsetMillis(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0
  const digits = offset.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2) || '0')
  if (hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60) return undefined
  return (offset[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000
}

function unixMillis(text: string, factor: number): number | undefined {
  if (!/^[0-9]{1,15}([.][0-9]{1,3})?$/.test(text)) return undefined
  return Math.round(Number(text) * factor)
}

/** A cell as a rejection quotes it: JSON-escaped (control characters visible), cut at 40 characters. */
export function show(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}...` : cell)
}
