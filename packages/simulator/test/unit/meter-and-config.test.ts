import {
  type Charge,
  changeConfiguration,
  chargeFor,
  initialConfiguration,
  percentile,
  powerOf,
  readConfiguration,
  sampledValues,
  socOf,
} from '../../src/index.ts'

const aCharge = (update: Partial<Charge> = {}): Charge => ({
  maxPowerW: 11_000,
  phases: 3,
  capacityWh: 50_000,
  deliveredWh: 0,
  startSocPct: 20,
  ...update,
})

describe('meter', () => {
  test.each([
    ['full power below 80 %', aCharge(), 11_000],
    ['tapering above 80 %', aCharge({ startSocPct: 90 }), 5500],
    ['nothing when full', aCharge({ startSocPct: 100 }), 0],
  ])('%s', (_name, charge, power) => {
    expect(powerOf(charge)).toBeCloseTo(power)
  })

  test('an hour at 11 kW delivers 11 kWh; the battery never goes past 100 %', () => {
    expect(chargeFor(aCharge(), 3600).deliveredWh).toBeCloseTo(11_000)
    let c = aCharge({ startSocPct: 95 })
    for (let i = 0; i < 100; i++) c = chargeFor(c, 600)
    expect(socOf(c)).toBeLessThanOrEqual(100)
    expect(c.deliveredWh).toBeLessThanOrEqual(2500 + 1e-9)
  })

  test('samples: register in whole Wh, current from power, voltage and phases; SoC only with a car', () => {
    const values = sampledValues({
      registerWh: 1234.9,
      charge: aCharge(),
      measurands: ['Energy.Active.Import.Register', 'Current.Import', 'SoC'],
      context: 'Sample.Periodic',
      voltage: 230,
    })
    expect(values.map((v) => [v.measurand, v.value, v.unit])).toEqual([
      ['Energy.Active.Import.Register', '1234', 'Wh'],
      ['Current.Import', '15.9', 'A'],
      ['SoC', '20', 'Percent'],
    ])
    const idle = sampledValues({
      registerWh: 5,
      charge: undefined,
      measurands: ['SoC'],
      context: 'Trigger',
      voltage: 230,
    })
    expect(idle).toEqual([])
  })
})

describe('configuration', () => {
  const config = initialConfiguration({ meterValueSampleIntervalS: 60 })

  test.each([
    ['HeartbeatInterval', '60', 'Accepted'],
    ['HeartbeatInterval', '-1', 'Rejected'],
    ['AuthorizeRemoteTxRequests', 'true', 'Accepted'],
    ['AuthorizeRemoteTxRequests', 'yes', 'Rejected'],
    ['MeterValuesSampledData', 'Energy.Active.Import.Register,SoC', 'Accepted'],
    ['MeterValuesSampledData', 'Frequency', 'Rejected'],
    ['SupportedFeatureProfiles', 'Core', 'Rejected'],
    ['NoSuchKey', '1', 'NotSupported'],
  ] as const)('ChangeConfiguration %s=%s: %s', (key, value, status) => {
    const out = changeConfiguration(config, key, value)
    expect(out.status).toBe(status)
    expect(out.config[key]?.value === value).toBe(status === 'Accepted')
  })

  test('GetConfiguration without keys lists everything, including SupportedFeatureProfiles', () => {
    const { configurationKey, unknownKey } = readConfiguration(config, undefined)
    expect(configurationKey.map((e) => e.key)).toEqual(
      expect.arrayContaining(['HeartbeatInterval', 'MeterValueSampleInterval', 'SupportedFeatureProfiles']),
    )
    expect(unknownKey).toEqual([])
  })
})

describe('percentile', () => {
  test.each([
    [[], 50, 0],
    [[5], 99, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
  ])('%j p%d = %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected)
  })
})
