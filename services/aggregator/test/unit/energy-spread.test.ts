import { utcBuckets, zonedBuckets } from '../../src/domain/buckets.ts'
import { spreadSessionEnergy } from '../../src/domain/energy-spread.ts'
import { aSession, byIso, MINUTE, t } from './builders.ts'

describe('spreading a session over buckets', () => {
  test('without samples, evenly over its duration: across midnight', () => {
    const s = aSession({
      startedAt: t('2026-11-26T23:00:00Z'),
      stop: { stoppedAt: t('2026-11-27T01:00:00Z'), meterStopWh: 30_001 },
    })
    const spread = spreadSessionEnergy(s, utcBuckets.day)
    expect(spread.energyWh).toBe(30_001)
    // 15,000.5 each: the tie goes to the earlier bucket.
    expect(byIso(spread.parts)).toEqual({
      '2026-11-26T00:00:00.000Z': 15_001,
      '2026-11-27T00:00:00.000Z': 15_000,
    })
    expect(spread.registerWentBackwards).toBe(false)
  })

  test('across a month end, in hours', () => {
    const s = aSession({
      startedAt: t('2026-01-31T23:30:00Z'),
      meterStartWh: 100,
      stop: { stoppedAt: t('2026-02-01T01:00:00Z'), meterStopWh: 1_000 },
    })
    expect(byIso(spreadSessionEnergy(s, utcBuckets.month).parts)).toEqual({
      '2026-01-01T00:00:00.000Z': 300,
      '2026-02-01T00:00:00.000Z': 600,
    })
    expect(byIso(spreadSessionEnergy(s, utcBuckets.hour).parts)).toEqual({
      '2026-01-31T23:00:00.000Z': 300,
      '2026-02-01T00:00:00.000Z': 600,
    })
  })

  test('with samples, along the register: energy lands where it was drawn', () => {
    // Nothing for the first hour (car not drawing), then 6 kWh in the last hour.
    const s = aSession({
      startedAt: t('2026-11-26T10:00:00Z'),
      stop: { stoppedAt: t('2026-11-26T12:00:00Z'), meterStopWh: 6_000 },
      samples: [{ at: t('2026-11-26T11:00:00Z'), registerWh: 0 }],
    })
    expect(byIso(spreadSessionEnergy(s, utcBuckets.hour).parts)).toEqual({
      '2026-11-26T11:00:00.000Z': 6_000,
    })
  })

  test('duplicated and reordered samples change nothing', () => {
    const samples = [
      { at: t('2026-11-26T10:20:00Z'), registerWh: 100 },
      { at: t('2026-11-26T10:40:00Z'), registerWh: 700 },
      { at: t('2026-11-26T11:20:00Z'), registerWh: 900 },
    ]
    const s = aSession({ stop: { stoppedAt: t('2026-11-26T12:00:00Z'), meterStopWh: 1_000 }, samples })
    const shuffled = aSession({
      ...s,
      samples: [samples[2], samples[0], samples[2], samples[1], samples[0]].flatMap((x) => (x ? [x] : [])),
    })
    const expected = { '2026-11-26T10:00:00.000Z': 800, '2026-11-26T11:00:00.000Z': 200 }
    expect(byIso(spreadSessionEnergy(s, utcBuckets.hour).parts)).toEqual(expected)
    expect(spreadSessionEnergy(shuffled, utcBuckets.hour)).toEqual(spreadSessionEnergy(s, utcBuckets.hour))
  })

  test('a register reset mid-session holds the level: no negative and no doubled energy', () => {
    // 10:00 0 Wh, 10:30 500 Wh, 10:45 reset to 20 Wh, stop 11:30 at 1000 Wh (stop above start: the session's energy is 1000).
    const s = aSession({
      stop: { stoppedAt: t('2026-11-26T11:30:00Z'), meterStopWh: 1_000 },
      samples: [
        { at: t('2026-11-26T10:30:00Z'), registerWh: 500 },
        { at: t('2026-11-26T10:45:00Z'), registerWh: 20 },
      ],
    })
    const spread = spreadSessionEnergy(s, utcBuckets.hour)
    expect(spread.registerWentBackwards).toBe(true)
    expect(spread.energyWh).toBe(1_000)
    // 500 by 10:30, flat to 10:45, then 500 over 45 minutes (1/3 before 11:00).
    expect(byIso(spread.parts)).toEqual({ '2026-11-26T10:00:00.000Z': 667, '2026-11-26T11:00:00.000Z': 333 })
  })

  test('meterStop below meterStart books nothing and says the register went backwards', () => {
    const s = aSession({
      meterStartWh: 50_000,
      stop: { stoppedAt: t('2026-11-26T11:00:00Z'), meterStopWh: 300 },
    })
    expect(spreadSessionEnergy(s, utcBuckets.hour)).toEqual({
      energyWh: 0,
      parts: [],
      registerWentBackwards: true,
    })
  })

  test('a spike above meterStop cannot move energy out of the session total', () => {
    const s = aSession({ samples: [{ at: t('2026-11-26T10:30:00Z'), registerWh: 99_999 }] })
    const spread = spreadSessionEnergy(s, utcBuckets.day)
    expect(spread.energyWh).toBe(1_000)
    expect(spread.parts.reduce((a, p) => a + p.wh, 0)).toBe(1_000)
  })

  test('samples outside the session are ignored: its start and stop readings are the ends', () => {
    const s = aSession({
      samples: [
        { at: t('2026-11-26T09:00:00Z'), registerWh: 900 },
        { at: t('2026-11-26T10:00:00Z'), registerWh: 900 },
        { at: t('2026-11-26T11:00:00Z'), registerWh: 0 },
        { at: t('2026-11-26T12:00:00Z'), registerWh: 5_000 },
      ],
    })
    expect(spreadSessionEnergy(s, utcBuckets.hour)).toEqual(spreadSessionEnergy(aSession(), utcBuckets.hour))
  })

  test('a zero-length session books everything in the bucket of its start', () => {
    const s = aSession({ stop: { stoppedAt: t('2026-11-26T10:00:00Z'), meterStopWh: 42 } })
    expect(byIso(spreadSessionEnergy(s, utcBuckets.hour).parts)).toEqual({ '2026-11-26T10:00:00.000Z': 42 })
  })

  test('a stop stamped before the start is treated as zero-length at the start', () => {
    const s = aSession({ stop: { stoppedAt: t('2026-11-26T09:00:00Z'), meterStopWh: 42 } })
    expect(byIso(spreadSessionEnergy(s, utcBuckets.hour).parts)).toEqual({ '2026-11-26T10:00:00.000Z': 42 })
  })

  test('an open session spreads up to its last sample', () => {
    const s = aSession({
      stop: undefined,
      samples: [
        { at: t('2026-11-26T11:30:00Z'), registerWh: 900 },
        { at: t('2026-11-26T10:30:00Z'), registerWh: 300 },
      ],
    })
    const spread = spreadSessionEnergy(s, utcBuckets.hour)
    expect(spread.energyWh).toBe(900)
    expect(byIso(spread.parts)).toEqual({ '2026-11-26T10:00:00.000Z': 600, '2026-11-26T11:00:00.000Z': 300 })
  })

  test('an open session without samples has delivered nothing yet', () => {
    expect(spreadSessionEnergy(aSession({ stop: undefined }), utcBuckets.hour)).toEqual({
      energyWh: 0,
      parts: [],
      registerWentBackwards: false,
    })
  })

  test('on local days across a DST change, each day gets its own number of hours', () => {
    // Berlin, 23:00 local on 28 March to 01:00 local on 30 March: 1 + 23 + 1 = 25 hours at a steady 60 Wh an hour.
    const start = t('2026-03-28T22:00:00Z')
    const stop = start + 25 * 60 * MINUTE
    const spring = spreadSessionEnergy(
      aSession({ startedAt: start, stop: { stoppedAt: stop, meterStopWh: 25 * 60 } }),
      zonedBuckets('Europe/Berlin', 'day'),
    )
    expect(byIso(spring.parts)).toEqual({
      '2026-03-27T23:00:00.000Z': 60,
      '2026-03-28T23:00:00.000Z': 23 * 60,
      '2026-03-29T22:00:00.000Z': 60,
    })
    // New York, fall back: 1 November 2026 has 25 hours; the whole local day, 25 x 60 Wh.
    const fall = spreadSessionEnergy(
      aSession({
        startedAt: t('2026-11-01T04:00:00Z'),
        meterStartWh: 0,
        stop: { stoppedAt: t('2026-11-02T05:00:00Z'), meterStopWh: 25 * 60 },
      }),
      zonedBuckets('America/New_York', 'day'),
    )
    expect(byIso(fall.parts)).toEqual({ '2026-11-01T04:00:00.000Z': 25 * 60 })
  })
})
