import type { EventData, FtpFileParsed } from '@chargebus/events'
import {
  dedupeSamples,
  meterLogSampledEvents,
  readingId,
  samplesOfMeterLog,
} from '../../src/domain/batch/meter-log-samples.ts'

type Part = EventData<typeof FtpFileParsed>
type Row = Part['rows'][number]

const aRow = (over: Partial<Row> = {}): Row => ({
  line: 2,
  sampledAt: '2026-11-26T10:15:00.000Z',
  connectorId: 1,
  transactionId: 42,
  measurand: 'Energy.Active.Import.Register',
  phase: null,
  location: 'Outlet',
  unit: 'kWh',
  value: '15.2',
  ...over,
})

const aPart = (rows: Row[], over: Partial<Part> = {}): Part => ({
  fileId: '0b0f6d2e-7c1a-4c61-9b7e-2f1d9a8c4e11',
  stationId: 'CP-1',
  name: 'meter.csv',
  profile: 'default',
  receivedAt: '2026-11-26T12:00:00.000Z',
  part: 1,
  parts: 1,
  rows,
  ...over,
})

describe('CSV meter-log rows as meter samples', () => {
  test('normalised like OCPP samples, keyed by content, never by file', () => {
    const [s] = samplesOfMeterLog(aPart([aRow()]))
    expect(s).toMatchObject({
      stationId: 'CP-1',
      sampledAt: '2026-11-26T10:15:00.000Z',
      value: '15200',
      baseUnit: 'Wh',
      valueRaw: '15.2',
      sourceAction: 'FtpMeterLog',
      sampleIndex: 0,
    })
    expect(s?.sourceMessageId).toMatch(/^ftp:[0-9a-f]{32}$/)
    // Another file, another line, another value, the same instant written differently: the same reading.
    const [again] = samplesOfMeterLog(
      aPart([aRow({ line: 9, value: '99', sampledAt: '2026-11-26T10:15:00Z' })], {
        fileId: '1b0f6d2e-7c1a-4c61-9b7e-2f1d9a8c4e11',
      }),
    )
    expect(again?.sourceMessageId).toBe(s?.sourceMessageId)
  })

  test.each([
    ['station', () => readingId('CP-2', 1, 'T', 'M', null, 'Outlet')],
    ['connector', () => readingId('CP-1', 2, 'T', 'M', null, 'Outlet')],
    ['time', () => readingId('CP-1', 1, 'T2', 'M', null, 'Outlet')],
    ['measurand', () => readingId('CP-1', 1, 'T', 'M2', null, 'Outlet')],
    ['phase', () => readingId('CP-1', 1, 'T', 'M', 'L1', 'Outlet')],
    ['location', () => readingId('CP-1', 1, 'T', 'M', null, 'EV')],
  ])('another %s is another reading', (_, other) => {
    expect(other()).not.toBe(readingId('CP-1', 1, 'T', 'M', null, 'Outlet'))
  })

  test('a batch repeating a reading keeps its first', () => {
    const samples = samplesOfMeterLog(aPart([aRow({ value: '1' }), aRow({ value: '2' })]))
    expect(dedupeSamples(samples).map((s) => s.valueRaw)).toEqual(['1'])
  })

  test('meter.sampled: one event per session of the new energy-register readings, in time order', () => {
    const samples = samplesOfMeterLog(
      aPart([
        aRow({ sampledAt: '2026-11-26T10:30:00.000Z', value: '16' }),
        aRow({ sampledAt: '2026-11-26T10:15:00.000Z', value: '15' }),
        aRow({ transactionId: 43, connectorId: 2, value: '3' }),
        aRow({ transactionId: null, value: '7' }),
        aRow({ measurand: 'Voltage', unit: 'V', value: '230' }),
      ]),
    )
    const events = meterLogSampledEvents(samples)
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        connectorId: 1,
        transactionId: 42,
        readings: [
          { at: '2026-11-26T10:15:00.000Z', registerWh: 15000 },
          { at: '2026-11-26T10:30:00.000Z', registerWh: 16000 },
        ],
      }),
      expect.objectContaining({
        connectorId: 2,
        transactionId: 43,
        readings: [{ at: '2026-11-26T10:15:00.000Z', registerWh: 3000 }],
      }),
    ])
    expect(new Set(events.map((e) => e.msgId)).size).toBe(2)
    expect(meterLogSampledEvents([])).toEqual([])
  })
})
