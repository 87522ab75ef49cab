import { v16 } from '@chargebus/ocpp'
import fc from 'fast-check'
import { corpusEntries, fuzzRuns } from '../../../../test/support/corpus.ts'
import { MeterLogRejected } from '../../src/domain/errors.ts'
import { type MeterLogRow, readMeterLog } from '../../src/domain/meter-log.ts'
import { DEFAULT_METER_LOG_PROFILE as DEFAULT } from '../../src/domain/meter-log-profile.ts'

const LIMITS = { maxLineChars: 4096, maxRows: 1000 }
const HEADER = 'timestamp,connector_id,measurand,value,unit,transaction_id'

type Outcome = { rows: MeterLogRow[] } | { rejected: MeterLogRejected }

/** Reads a whole file; anything thrown but a `MeterLogRejected` fails the test (a crash). */
async function outcomeOf(bytes: Uint8Array | string, chunkSize = 64): Promise<Outcome> {
  const chunks: (Uint8Array | string)[] = []
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.slice(i, i + chunkSize))
  const rows: MeterLogRow[] = []
  try {
    for await (const row of readMeterLog(chunks, DEFAULT, LIMITS)) rows.push(row)
  } catch (err) {
    if (err instanceof MeterLogRejected) return { rejected: err }
    throw err
  }
  return { rows }
}

const MEASURANDS = new Set<string>(v16.cs.Measurand.enum)
const UNITS = new Set<string>(v16.cs.UnitOfMeasure.enum)
const LOCATIONS = new Set<string>(v16.cs.Location.enum)

/**
 * What any file may come to: a rejection naming a line of the file, a code and a reason; or rows every one of
 * which is a meter value ingest can store (a real instant, OCPP names, a finite decimal, ids in range).
 */
function expectRejectedOrValid(outcome: Outcome, lines: number): void {
  if ('rejected' in outcome) {
    const r = outcome.rejected
    expect(r.line).toBeGreaterThanOrEqual(1)
    expect(r.line).toBeLessThanOrEqual(lines + 1)
    expect(r.rejection).toEqual(expect.any(String))
    expect(r.reason.length).toBeGreaterThan(0)
    return
  }
  for (const row of outcome.rows) {
    expect(new Date(row.sampledAt).toISOString()).toBe(row.sampledAt)
    expect(Number.isInteger(row.connectorId) && row.connectorId >= 0 && row.connectorId <= 2 ** 31 - 1).toBe(
      true,
    )
    if (row.transactionId !== null) expect(row.transactionId).toBeGreaterThanOrEqual(1)
    expect(MEASURANDS.has(row.measurand) && UNITS.has(row.unit) && LOCATIONS.has(row.location)).toBe(true)
    expect(Number.isFinite(Number(row.value))).toBe(true)
    expect(row.value).not.toMatch(/^[=@\t\r]|^\s/)
  }
}

interface Reading {
  at: Date
  connectorId: number
  measurand: string
  value: string
  unit: string
  transactionId?: number
}

const reading: fc.Arbitrary<Reading> = fc.record(
  {
    at: fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    }),
    connectorId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    measurand: fc.constantFrom(...v16.cs.Measurand.enum),
    value: fc.oneof(
      fc.integer().map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
      fc.constantFrom('0.000', '.5', '15.', '1e3', '-0'),
    ),
    unit: fc.constantFrom(...v16.cs.UnitOfMeasure.enum),
    transactionId: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  },
  { requiredKeys: ['at', 'connectorId', 'measurand', 'value', 'unit'] },
)

/** A cell written as a CSV writer might: bare, or quoted (inner quotes doubled). */
function cell(text: string, quoted: boolean): string {
  return quoted ? `"${text.replaceAll('"', '""')}"` : text
}

/** A file of readings, with or without header, BOM and quotes, LF or CRLF line ends, blank lines. */
const file = fc
  .record({
    readings: fc.array(reading, { minLength: 1, maxLength: 20 }),
    header: fc.boolean(),
    bom: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
    quote: fc.boolean(),
    offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
  })
  .map((f) => {
    const sign = f.offset < 0 ? '-' : '+'
    const hh = String(Math.floor(Math.abs(f.offset) / 60)).padStart(2, '0')
    const mm = String(Math.abs(f.offset) % 60).padStart(2, '0')
    const stamp = (d: Date) => {
      const local = new Date(d.getTime() + f.offset * 60_000).toISOString().slice(0, 23)
      return `${local}${f.offset === 0 ? 'Z' : `${sign}${hh}:${mm}`}`
    }
    const lines = f.readings.map((r) =>
      [
        stamp(r.at),
        String(r.connectorId),
        r.measurand,
        r.value,
        r.unit,
        ...(r.transactionId ? [String(r.transactionId)] : []),
      ]
        .map((c) => cell(c, f.quote))
        .join(','),
    )
    const text = (f.bom ? '\uFEFF' : '') + [...(f.header ? [HEADER] : []), ...lines].join(f.eol) + f.eol
    return { text, readings: f.readings, header: f.header }
  })
  .filter((f) => {
    // Local times outside years 1-9999 cannot be written with four digits.
    const stamps = f.text.match(/^"?\d{4}-\d\d-\d\dT/gm) ?? []
    return stamps.length === f.readings.length
  })

const RUNS = fuzzRuns(150)

describe('meter-log CSV parser, fuzzed', () => {
  test('round trip: the readings a file holds are the rows read, whatever its quoting, line ends, BOM and offset', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 97 }), async (f, chunkSize) => {
        const outcome = await outcomeOf(Buffer.from(f.text, 'utf8'), chunkSize)
        if ('rejected' in outcome) throw new Error(`rejected: ${outcome.rejected.message}`)
        expect(
          outcome.rows.map((r) => ({
            at: r.sampledAt,
            connectorId: r.connectorId,
            measurand: r.measurand,
            value: r.value,
            unit: r.unit,
            transactionId: r.transactionId,
          })),
        ).toEqual(
          f.readings.map((r) => ({
            at: r.at.toISOString(),
            connectorId: r.connectorId,
            measurand: r.measurand,
            value: r.value,
            unit: r.unit,
            transactionId: r.transactionId ?? null,
          })),
        )
        expect(outcome.rows.map((r) => r.line)).toEqual(f.readings.map((_r, i) => i + 1 + (f.header ? 1 : 0)))
      }),
      RUNS,
    )
  })

  type Damage = (b: Buffer) => Buffer
  const damage = fc.oneof<fc.Arbitrary<Damage>[]>(
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(
      ([at, mask]): Damage =>
        (b) => {
          const out = Buffer.from(b)
          const i = at % Math.max(1, out.length)
          out[i] = (out[i] ?? 0) ^ mask
          return out
        },
    ),
    fc.nat().map(
      (at): Damage =>
        (b) =>
          b.subarray(0, at % Math.max(1, b.length)),
    ),
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom(
          '"',
          '""',
          ',',
          '\r',
          '\n',
          '\u0000',
          '=cmd|/c calc!A1',
          '@SUM(1)',
          '+x',
          '-x',
          '\t',
          '\uFEFF',
          'x'.repeat(5000),
          '\uD800',
          '\u2028',
        ),
      )
      .map(
        ([at, text]): Damage =>
          (b) => {
            const s = b.toString('utf8')
            const i = at % (s.length + 1)
            return Buffer.from(s.slice(0, i) + text + s.slice(i), 'utf8')
          },
      ),
  )

  test('damaged files: a rejection naming a line of the file, or rows ingest can store; never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.array(damage, { minLength: 1, maxLength: 3 }), async (f, damages) => {
        const bytes = damages.reduce<Buffer>((b, d) => d(b), Buffer.from(f.text, 'utf8'))
        const lines = bytes.toString('utf8').split(/\r\n|\n|\r/).length
        expectRejectedOrValid(await outcomeOf(bytes), lines)
      }),
      RUNS,
    )
  })

  test('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const lines = Buffer.from(bytes)
          .toString('utf8')
          .split(/\r\n|\n|\r/).length
        expectRejectedOrValid(await outcomeOf(bytes), lines)
      }),
      RUNS,
    )
  })
})

/** `*.accept.csv` must be read whole, `*.reject.csv` refused; either way the general property holds. */
describe('hostile CSV corpus (found by fuzzing or written by hand), replayed', () => {
  test.each(corpusEntries('meter-log-csv', '.csv'))('%s', async (name, bytes) => {
    const lines = bytes.toString('utf8').split(/\r\n|\n|\r/).length
    const outcome = await outcomeOf(bytes)
    expectRejectedOrValid(outcome, lines)
    if (name.endsWith('.accept.csv')) expect(outcome).toEqual({ rows: expect.any(Array) })
    if (name.endsWith('.reject.csv')) expect(outcome).toEqual({ rejected: expect.any(MeterLogRejected) })
  })
})
