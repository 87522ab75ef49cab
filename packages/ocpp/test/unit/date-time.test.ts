import { parseXsDateTime } from '../../src/xsd/date-time.ts'

describe('parseXsDateTime', () => {
  test.each([
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z', true],
    ['2026-11-26T10:00:00.5Z', '2026-11-26T10:00:00.500Z', true],
    ['2026-11-26T10:00:00.123456789Z', '2026-11-26T10:00:00.123Z', true],
    ['2026-11-26T11:00:00+01:00', '2026-11-26T10:00:00.000Z', true],
    ['2026-11-26T00:30:00-05:30', '2026-11-26T06:00:00.000Z', true],
    ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z', false],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z', true],
    ['2026-12-31T24:00:00Z', '2027-01-01T00:00:00.000Z', true],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z', true],
  ])('%s -> %s', (text, iso, hadOffset) => {
    expect(parseXsDateTime(text)).toEqual({ iso, hadOffset })
  })

  test.each([
    ['2026-02-29T10:00:00Z', 'day 29 does not exist in 2026-02'],
    ['2026-02-30T10:00:00Z', 'day 30 does not exist in 2026-02'],
    ['2026-04-31T10:00:00Z', 'day 31 does not exist in 2026-04'],
    ['2026-13-01T10:00:00Z', 'month 13 does not exist'],
    ['2026-11-26T24:00:01Z', 'time 24:00:01 does not exist'],
    ['2026-11-26T10:60:00Z', 'time 10:60:00 does not exist'],
    ['2026-11-26T10:00:60Z', 'time 10:00:60 does not exist'],
    ['2026-11-26T10:00:00+15:00', 'time zone offset +15:00 is out of range'],
    ['0000-01-01T00:00:00Z', 'year 0000 does not exist'],
    ['2026-11-26 10:00:00Z', 'expected xs:dateTime'],
    ['2026-11-26T10:00Z', 'expected xs:dateTime'],
    ['1764151200', 'expected xs:dateTime'],
  ])('%s is refused: %s', (text, reason) => {
    expect(parseXsDateTime(text)).toEqual(expect.stringContaining(reason))
  })

  test('the canonical UTC forms give what the general path gives, for any instant', () => {
    let seed = 7
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    for (let i = 0; i < 5000; i++) {
      const iso = new Date(
        Date.UTC(1, 0, 1) + next() * (Date.UTC(9999, 11, 31) - Date.UTC(1, 0, 1)),
      ).toISOString()
      expect(parseXsDateTime(iso)).toEqual({ iso, hadOffset: true })
      expect(parseXsDateTime(`${iso.slice(0, 19)}Z`)).toEqual({
        iso: `${iso.slice(0, 19)}.000Z`,
        hadOffset: true,
      })
      // The same instant written with an offset takes the general path and must agree.
      expect(parseXsDateTime(`${iso.slice(0, 23)}+00:00`)).toEqual({ iso, hadOffset: true })
    }
  })

  test.each([
    '2026-11-26T10:00:00.12Z',
    '2026-11-26T10:00:00.1a3Z',
    '2026-11-26T10:0a:00Z',
    '2026-11-26t10:00:00Z',
    '2026-11-2610:00:00.00Z',
    '+026-11-26T10:00:00Z',
    '2026-00-10T10:00:00Z',
    '2026-11-00T10:00:00Z',
  ])('%s (not canonical, or invalid) is refused or read by the general path', (text) => {
    const result = parseXsDateTime(text)
    if (typeof result !== 'string') expect(result.iso).toBe(new Date(text).toISOString())
  })
})
