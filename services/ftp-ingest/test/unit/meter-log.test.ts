import { loadConfig } from '@chargebus/platform'
import fc from 'fast-check'
import { FtpIngestConfig } from '../../src/config.ts'
import { csvProfilesFrom } from '../../src/csv-profiles.ts'
import { MeterLogRejected } from '../../src/domain/errors.ts'
import { type MeterLogRow, readMeterLog } from '../../src/domain/meter-log.ts'
import { looksLikeFormula, timestampCell } from '../../src/domain/meter-log-cells.ts'
import {
  DEFAULT_METER_LOG_PROFILE as DEFAULT,
  type MeterLogProfile,
  meterLogProfileFor,
} from '../../src/domain/meter-log-profile.ts'

const LIMITS = { maxLineChars: 4096, maxRows: 1000 }
const HEADER = 'timestamp,connector_id,measurand,value,unit,transaction_id'
const ROW = '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,15.2,kWh,42'

async function read(
  chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  profile: MeterLogProfile = DEFAULT,
  limits = LIMITS,
): Promise<MeterLogRow[]> {
  const rows: MeterLogRow[] = []
  for await (const row of readMeterLog(chunks, profile, limits)) rows.push(row)
  return rows
}

async function rejection(text: string, profile: MeterLogProfile = DEFAULT, limits = LIMITS) {
  const err = await read([text], profile, limits).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof MeterLogRejected)) throw new Error(`expected a rejection, got ${String(err)}`)
  return { line: err.line, code: err.rejection, reason: err.reason }
}

describe('which uploads are meter logs', () => {
  test('*.csv (any case) is read with the default profile; other files are not meter logs', () => {
    expect(meterLogProfileFor([], 'CP-1', 'meter-20261126.csv')?.name).toBe('default')
    expect(meterLogProfileFor([], 'CP-1', 'LOG.CSV')?.name).toBe('default')
    for (const name of ['diagnostics.zip', 'meter.csv.gz', 'csv', 'firmware.log'])
      expect(meterLogProfileFor([], 'CP-1', name)).toBeUndefined()
  })

  test('a vendor profile claims its files (and stations) before the default', () => {
    const [acme] = csvProfilesFrom({
      FTP_CSV_PROFILES: JSON.stringify([
        {
          name: 'acme',
          files: ['*.csv', 'acme-*.log'],
          stations: ['ACME-*'],
          columns: ['timestamp', 'connector_id', 'value'],
          unit: 'Wh',
        },
      ]),
    })
    const profiles = [acme as MeterLogProfile]
    expect(meterLogProfileFor(profiles, 'ACME-7', 'x.csv')?.name).toBe('acme')
    expect(meterLogProfileFor(profiles, 'ACME-7', 'acme-1.log')?.name).toBe('acme')
    expect(meterLogProfileFor(profiles, 'CP-1', 'x.csv')?.name).toBe('default')
    expect(meterLogProfileFor(profiles, 'CP-1', 'acme-1.log')).toBeUndefined()
  })
})

describe('the default profile', () => {
  test('rows with and without the header line, CRLF or LF, a BOM, timestamps in UTC', async () => {
    const text = `\ufeff${HEADER}\r\n${ROW}\r\n\r\n2026-11-26T11:16:00+01:00,2,Voltage,230.1,V\r\n`
    expect(await read([text])).toEqual([
      {
        line: 2,
        sampledAt: '2026-11-26T10:15:00.000Z',
        connectorId: 1,
        transactionId: 42,
        measurand: 'Energy.Active.Import.Register',
        phase: null,
        location: 'Outlet',
        unit: 'kWh',
        value: '15.2',
      },
      expect.objectContaining({
        line: 4,
        sampledAt: '2026-11-26T10:16:00.000Z',
        connectorId: 2,
        transactionId: null,
      }),
    ])
    expect(await read([`${ROW}\n`])).toHaveLength(1)
  })

  test('the rows do not depend on how the bytes are chunked', async () => {
    const text = `${HEADER}\n${ROW}\n2026-11-26T10:16:00Z,1,Energy.Active.Import.Register,15.9,kWh,42\n`
    const whole = await read([text])
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }), async (cuts) => {
        const points = [0, ...[...cuts].sort((a, b) => a - b), text.length]
        const chunks = points.slice(1).map((end, i) => Buffer.from(text.slice(points[i], end)))
        expect(await read(chunks)).toEqual(whole)
      }),
      { numRuns: 50 },
    )
  })

  test.each([
    [
      'a missing column',
      '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,15.2',
      'column-count',
      '4 columns, expected 5 to 6',
    ],
    ['an extra column', `${ROW},x`, 'column-count', '7 columns'],
    [
      'a time without offset',
      '2026-11-26T10:15:00,1,Energy.Active.Import.Register,1,kWh',
      'timestamp',
      'is not a timestamp',
    ],
    [
      'a day that does not exist',
      '2026-02-30T10:15:00Z,1,Energy.Active.Import.Register,1,kWh',
      'timestamp',
      'is not a timestamp',
    ],
    [
      'an hour past 23',
      '2026-11-26T24:00:00Z,1,Energy.Active.Import.Register,1,kWh',
      'timestamp',
      'is not a timestamp',
    ],
    [
      'an offset past 14 hours',
      '2026-11-26T10:00:00+15:00,1,Energy.Active.Import.Register,1,kWh',
      'timestamp',
      'is not a timestamp',
    ],
    [
      'words for a time',
      'yesterday,1,Energy.Active.Import.Register,1,kWh',
      'timestamp',
      'is not a timestamp',
    ],
    [
      'a decimal comma',
      '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,"15,2",kWh',
      'number',
      '"15,2" is not a number',
    ],
    ['no value', '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,,kWh', 'number', 'is not a number'],
    [
      'a negative connector',
      '2026-11-26T10:15:00Z,-1,Energy.Active.Import.Register,1,kWh',
      'integer',
      'column 2 (connector_id)',
    ],
    [
      'transaction 0',
      '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,1,kWh,0',
      'integer',
      'column 6 (transaction_id)',
    ],
    [
      'an unknown measurand',
      '2026-11-26T10:15:00Z,1,Energy,1,kWh',
      'measurand',
      '"Energy" is not an OCPP 1.6 measurand',
    ],
    [
      'an unknown unit',
      '2026-11-26T10:15:00Z,1,Energy.Active.Import.Register,1,MWh',
      'unit',
      '"MWh" is not an OCPP 1.6 unit',
    ],
    ['an unclosed quote', '2026-11-26T10:15:00Z,1,"Energy,1,kWh', 'malformed', 'Quote Not Closed'],
  ])('%s is refused with its line and reason', async (_, bad, code, reason) => {
    const got = await rejection(`${HEADER}\n${ROW}\n${bad}\n${ROW}\n`)
    expect(got).toMatchObject({ line: 3, code })
    expect(got.reason).toContain(reason)
  })

  test('a row cap', async () => {
    expect(await rejection(`${ROW}\n${ROW}\n${ROW}\n`, DEFAULT, { ...LIMITS, maxRows: 2 })).toEqual({
      line: 3,
      code: 'too-many-rows',
      reason: 'more than 2 rows',
    })
  })
})

describe('spreadsheet formulas (CSV injection)', () => {
  test.each(['=1+1', '@SUM(A1)', '+A1', '-A1', '=HYPERLINK("http://x")', '\t=1', '  =1', '-', '+'])(
    '%j is refused wherever it is',
    async (cell) => {
      const quoted = `"${cell.replaceAll('"', '""')}"`
      const cells = ROW.split(',')
      for (let column = 0; column < cells.length; column++) {
        const bad = cells.map((c, i) => (i === column ? quoted : c)).join(',')
        const got = await rejection(`${ROW}\n${ROW}\n${bad}\n`)
        expect(got).toMatchObject({ line: 3, code: 'formula' })
        expect(got.reason).toContain(`column ${column + 1}`)
      }
    },
  )

  test('signed numbers are numbers, not formulas', async () => {
    expect(
      await read([
        '2026-11-26T10:15:00Z,1,Power.Active.Import,-3.5,kW\n2026-11-26T10:15:00Z,1,Power.Active.Import,+.5,kW\n',
      ]),
    ).toHaveLength(2)
  })

  test('property: a cell starting with = or @ is a formula; a signed decimal is not', () => {
    fc.assert(
      fc.property(fc.constantFrom('=', '@'), fc.string(), (lead, rest) => looksLikeFormula(`${lead}${rest}`)),
    )
    fc.assert(
      fc.property(
        fc.constantFrom('+', '-'),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }),
        (sign, n) => !looksLikeFormula(`${sign}${n}`),
      ),
    )
  })
})

describe('timestamps', () => {
  test('property: any instant written with any whole-minute offset reads back as that instant', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1971-01-01T00:00:00Z'),
          max: new Date('2999-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (at, offsetMinutes) => {
          const local = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23)
          const abs = Math.abs(offsetMinutes)
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
          return timestampCell(`${local}${offset}`, 'iso8601') === at.toISOString()
        },
      ),
    )
  })

  test('Unix seconds and milliseconds', () => {
    expect(timestampCell('1764152100', 'unix-s')).toBe('2025-11-26T10:15:00.000Z')
    expect(timestampCell('1764152100123', 'unix-ms')).toBe('2025-11-26T10:15:00.123Z')
    expect(timestampCell('2026-11-26T10:15:00Z', 'unix-s')).toMatchObject({ problem: 'timestamp' })
  })
})

describe('an over-long line', () => {
  test('a 10 MB line is refused at its limit, without reading the rest of the file', async () => {
    const chunk = 'z'.repeat(64 * 1024)
    const total = 160 // 10 MiB
    let pulled = 0
    function* file() {
      yield `${ROW}\n`
      for (let i = 0; i < total; i++) {
        pulled++
        yield chunk
      }
      yield `\n${ROW}\n`
    }
    const started = performance.now()
    const heapBefore = process.memoryUsage().heapUsed
    const got = await rejection('', DEFAULT).catch(() => undefined) // warm-up of the parser module
    expect(got).toBeUndefined()
    const err = await read(file()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MeterLogRejected)
    expect(err).toMatchObject({ line: 2, rejection: 'line-too-long', reason: 'longer than 4096 characters' })
    // Stopped within the first chunks past the limit: the 10 MB were never read, let alone held.
    expect(pulled).toBeLessThan(5)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024)
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('vendor profiles', () => {
  const [vendor] = csvProfilesFrom({
    FTP_CSV_PROFILES: JSON.stringify([
      {
        name: 'legacy-semicolon',
        files: ['*.log'],
        columns: ['skip', 'timestamp', 'connector_id', 'value', 'phase'],
        headerNames: ['Nr', 'Zeit', 'Ladepunkt', 'Zaehler', 'Phase'],
        header: 'required',
        delimiter: ';',
        timestampFormat: 'unix-s',
        measurand: 'Energy.Active.Import.Register',
        unit: 'Wh',
      },
    ]),
  }) as [MeterLogProfile]

  test('columns, header names, delimiter, timestamp format and fixed measurand/unit', async () => {
    const rows = await read(
      [`Nr;Zeit;Ladepunkt;Zaehler;Phase\n1;1764152100;2;15230;L1\n2;1764153000;2;15900\n`],
      vendor,
    )
    expect(rows).toEqual([
      expect.objectContaining({
        line: 2,
        sampledAt: '2025-11-26T10:15:00.000Z',
        connectorId: 2,
        value: '15230',
        phase: 'L1',
        unit: 'Wh',
        measurand: 'Energy.Active.Import.Register',
      }),
      expect.objectContaining({ line: 3, phase: null }),
    ])
  })

  test('a required header that is missing rejects line 1', async () => {
    expect(await rejection('1;1764152100;2;15230\n', vendor)).toMatchObject({ line: 1, code: 'header' })
  })

  test('bad profiles stop the start-up with a clear message', () => {
    const bad = (json: string) => () => csvProfilesFrom({ FTP_CSV_PROFILES: json })
    expect(bad('{')).toThrow(
      /FTP_CSV_PROFILES must be a JSON array of CSV profiles \(the JSON does not parse\)/,
    )
    expect(bad('[{"name":"x","files":["*.log"],"columns":["timestamp","value"],"unit":"Wh"}]')).toThrow(
      /connector_id once/,
    )
    expect(bad('[{"name":"x","files":["*.log"],"columns":["timestamp","connector_id","value"]}]')).toThrow(
      /no unit/,
    )
    expect(
      bad('[{"name":"x","files":["*.log"],"columns":["timestamp","connector_id","value"],"unit":"MWh"}]'),
    ).toThrow(/unit/)
    expect(
      bad(
        '[{"name":"default","files":["*.log"],"columns":["timestamp","connector_id","value"],"unit":"Wh"}]',
      ),
    ).toThrow(/taken/)
    expect(
      bad(
        '[{"name":"x","files":["*.log"],"columns":["timestamp","connector_id","value"],"unit":"Wh","delimiter":"\\""}]',
      ),
    ).toThrow(/delimiter/)
  })

  test('the environment variable goes through loadConfig', () => {
    const config = loadConfig(FtpIngestConfig, {})
    expect(csvProfilesFrom(config)).toEqual([])
    expect(config.FTP_CSV_MAX_LINE_CHARS).toBe(4096)
  })
})
