const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/

/** An xs:dateTime read into UTC. */
export interface UtcDateTime {
  /** ISO 8601 in UTC with milliseconds: `2026-11-26T10:00:00.000Z`. */
  readonly iso: string
  /** False when the text had no zone designator (read as UTC; vendors do this). */
  readonly hadOffset: boolean
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48
  return d >= 0 && d <= 9 ? d : Number.NaN
}

function twoDigits(text: string, i: number): number {
  return digit(text, i) * 10 + digit(text, i + 1)
}

/**
 * The fast path for what stations send nearly always, `YYYY-MM-DDThh:mm:ssZ` or `YYYY-MM-DDThh:mm:ss.sssZ`:
 * when the date and time exist, the ISO form is the text itself (or it plus `.000`). Anything else, including
 * every invalid value, is left to the general path (undefined), so reasons stay the same.
 */
function canonicalUtc(text: string): string | undefined {
  const n = text.length
  if (n !== 20 && n !== 24) return undefined
  if (text.charCodeAt(n - 1) !== 90 /* Z */) return undefined
  if (n === 24 && text.charCodeAt(19) !== 46 /* . */) return undefined
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return undefined
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const hour = twoDigits(text, 11)
  const minute = twoDigits(text, 14)
  const second = twoDigits(text, 17)
  // NaN (a non-digit) fails every comparison below.
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)))
    return undefined
  if (!(hour <= 23 && minute <= 59 && second <= 59)) return undefined
  if (n === 20) return `${text.slice(0, 19)}.000Z`
  if (Number.isNaN(twoDigits(text, 20) + digit(text, 22))) return undefined
  return text
}

/**
 * Reads an xs:dateTime (four-digit years) and normalises it to UTC. Returns a reason string instead of throwing
 * so callers can name the field. Fractions beyond milliseconds are truncated; `24:00:00` is the next midnight.
 *
 * ### Examples
 * ```ts
 * parseXsDateTime('2026-11-26T11:00:00+01:00') // { iso: '2026-11-26T10:00:00.000Z', hadOffset: true }
 * parseXsDateTime('2026-02-30T10:00:00Z')      // 'day 30 does not exist in 2026-02'
 * ```
 */
export function parseXsDateTime(text: string): UtcDateTime | string {
  const canonical = canonicalUtc(text)
  if (canonical !== undefined) return { iso: canonical, hadOffset: true }
  const m = DATE_TIME.exec(text)
  if (!m) return 'expected xs:dateTime (YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm])'
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = Number(m[6])
  const fraction = m[7] ?? ''
  const zone = m[8]
  if (year === 0) return 'year 0000 does not exist'
  if (month < 1 || month > 12) return `month ${m[2]} does not exist`
  if (day < 1 || day > daysInMonth(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]}`
  const endOfDay = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(fraction)
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59)
    return `time ${m[4]}:${m[5]}:${m[6]} does not exist`
  let offsetMinutes = 0
  if (zone !== undefined && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3))
    const om = Number(zone.slice(4, 6))
    if (om > 59 || oh * 60 + om > 14 * 60) return `time zone offset ${zone} is out of range`
    offsetMinutes = (zone.charAt(0) === '-' ? -1 : 1) * (oh * 60 + om)
  }
  const millis = fraction === '' ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'))
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis))
  date.setUTCFullYear(year, month - 1, day)
  if (endOfDay) date.setUTCDate(date.getUTCDate() + 1)
  const utc = new Date(date.getTime() - offsetMinutes * 60_000)
  return { iso: utc.toISOString(), hadOffset: zone !== undefined }
}
