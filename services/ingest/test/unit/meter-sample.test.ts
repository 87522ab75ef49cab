import { defaultUnitOf, meterSamples, normalise } from '../../src/domain/batch/meter-sample.ts'

describe('normalise', () => {
  test.each([
    ['1500', 'Wh', '1500', 'Wh'],
    ['1.5', 'kWh', '1500', 'Wh'],
    ['1.1', 'kWh', '1100', 'Wh'],
    ['0.25', 'kvarh', '250', 'varh'],
    ['7.4', 'kW', '7400', 'W'],
    ['3', 'kVA', '3000', 'VA'],
    ['2', 'kvar', '2000', 'var'],
    ['16', 'A', '16', 'A'],
    ['230.5', 'V', '230.5', 'V'],
    ['212', 'Fahrenheit', '100', 'Celsius'],
    ['300.15', 'K', '27', 'Celsius'],
    ['21.5', 'Celsius', '21.5', 'Celsius'],
    ['80', 'Percent', '80', 'Percent'],
    [' 42 ', 'Wh', '42', 'Wh'],
    ['1e3', 'Wh', '1000', 'Wh'],
    ['-5', 'W', '-5', 'W'],
  ])('%s %s -> %s %s', (raw, unit, value, baseUnit) => {
    expect(normalise(raw, unit)).toEqual({ value, baseUnit })
  })

  test.each([['abc'], [''], ['12,5'], ['0x10'], ['1e999']])('%j is not a number: value null', (raw) => {
    expect(normalise(raw, 'Wh').value).toBeNull()
  })
})

describe('defaultUnitOf (unit omitted by the station)', () => {
  test.each([
    ['Energy.Active.Import.Register', 'Wh'],
    ['Energy.Reactive.Export.Interval', 'varh'],
    ['Power.Active.Import', 'W'],
    ['Power.Offered', 'W'],
    ['Power.Reactive.Import', 'var'],
    ['Current.Import', 'A'],
    ['Voltage', 'V'],
    ['Temperature', 'Celsius'],
    ['SoC', 'Percent'],
    ['Frequency', 'Hz'],
  ])('%s -> %s', (measurand, unit) => expect(defaultUnitOf(measurand)).toBe(unit))
})

test('meterSamples flattens meterValue[] in message order, with OCPP defaults and a running index', () => {
  const samples = meterSamples(
    [
      {
        timestamp: '2026-11-26T10:00:00.000Z',
        sampledValue: [{ value: '1' }, { value: '2.5', unit: 'kW', measurand: 'Power.Active.Import' }],
      },
      { timestamp: '2026-11-26T10:01:00.000Z', sampledValue: [{ value: 'AB12', format: 'SignedData' }] },
    ],
    {
      stationId: 'CP-1',
      connectorId: 2,
      transactionId: 7,
      receivedAt: '2026-11-26T10:02:00.000Z',
      sourceAction: 'MeterValues',
      messageId: 'm-1',
    },
  )
  expect(
    samples.map((r) => [
      r.sampleIndex,
      r.sampledAt,
      r.measurand,
      r.unit,
      r.value,
      r.baseUnit,
      r.context,
      r.location,
      r.format,
    ]),
  ).toEqual([
    [
      0,
      '2026-11-26T10:00:00.000Z',
      'Energy.Active.Import.Register',
      'Wh',
      '1',
      'Wh',
      'Sample.Periodic',
      'Outlet',
      'Raw',
    ],
    [
      1,
      '2026-11-26T10:00:00.000Z',
      'Power.Active.Import',
      'kW',
      '2500',
      'W',
      'Sample.Periodic',
      'Outlet',
      'Raw',
    ],
    [
      2,
      '2026-11-26T10:01:00.000Z',
      'Energy.Active.Import.Register',
      'Wh',
      null,
      null,
      'Sample.Periodic',
      'Outlet',
      'SignedData',
    ],
  ])
  expect(samples[2]?.valueRaw).toBe('AB12')
})
