import { utcBuckets, zonedBuckets } from '../../src/domain/buckets.ts'
import {
  availabilityOf,
  classifyStatus,
  connectorTime,
  emptyStateTimes,
  type StateTimes,
} from '../../src/domain/connector-time.ts'
import { aStatus, HOUR, MINUTE, t } from './builders.ts'

const times = (ms: Partial<StateTimes>): StateTimes => ({ ...emptyStateTimes(), ...ms })

test.each([
  ['Charging', 'charging'],
  ['SuspendedEV', 'pluggedIdle'],
  ['SuspendedEVSE', 'pluggedIdle'],
  ['Preparing', 'pluggedIdle'],
  ['Finishing', 'pluggedIdle'],
  ['Available', 'free'],
  ['Reserved', 'free'],
  ['Unavailable', 'unavailable'],
  ['Faulted', 'faulted'],
  ['Occupied', 'unknown'], // OCPP 1.5's, converted by the gateway before it reaches us
  ['toString', 'unknown'],
])('%s counts as %s', (status, state) => {
  expect(classifyStatus(status)).toBe(state)
})

describe('time per state', () => {
  const window = { from: t('2026-11-26T10:00:00Z'), to: t('2026-11-26T12:00:00Z') }

  test('a status holds until the next; time before the first record is unknown', () => {
    const records = [
      aStatus('2026-11-26T10:15:00Z', 'Available'),
      aStatus('2026-11-26T10:30:00Z', 'Charging'),
      aStatus('2026-11-26T11:10:00Z', 'SuspendedEV'),
      aStatus('2026-11-26T11:40:00Z', 'Faulted', 'GroundFailure', 'E42'),
    ]
    expect(connectorTime(records, window, utcBuckets.hour).buckets).toEqual([
      {
        bucketStart: t('2026-11-26T10:00:00Z'),
        ms: times({ unknown: 15 * MINUTE, free: 15 * MINUTE, charging: 30 * MINUTE }),
      },
      {
        bucketStart: t('2026-11-26T11:00:00Z'),
        ms: times({ charging: 10 * MINUTE, pluggedIdle: 30 * MINUTE, faulted: 20 * MINUTE }),
      },
    ])
  })

  test('a record before the window gives the state at its start', () => {
    const records = [aStatus('2026-11-25T08:00:00Z', 'Unavailable')]
    expect(connectorTime(records, window, utcBuckets.day).buckets).toEqual([
      { bucketStart: t('2026-11-26T00:00:00Z'), ms: times({ unavailable: 2 * HOUR }) },
    ])
  })

  test('duplicated and reordered records give the same result', () => {
    const records = [
      aStatus('2026-11-26T10:30:00Z', 'Charging'),
      aStatus('2026-11-26T10:15:00Z', 'Available'),
      aStatus('2026-11-26T11:40:00Z', 'Faulted', 'GroundFailure'),
    ]
    const [a, b, c] = records
    const messy = [c, a, b, a, c, c].flatMap((r) => (r ? [r] : []))
    expect(connectorTime(messy, window, utcBuckets.hour)).toEqual(
      connectorTime(records, window, utcBuckets.hour),
    )
  })

  test('two different records at one instant: the same one wins whatever the order', () => {
    const x = aStatus('2026-11-26T11:00:00Z', 'Charging')
    const y = aStatus('2026-11-26T11:00:00Z', 'Available')
    expect(connectorTime([x, y], window, utcBuckets.hour)).toEqual(
      connectorTime([y, x], window, utcBuckets.hour),
    )
  })

  test('on a 25-hour local day the states add up to 25 hours', () => {
    const day = zonedBuckets('Europe/Berlin', 'day')
    const fallBack = { from: t('2026-10-24T22:00:00Z'), to: t('2026-10-25T23:00:00Z') }
    const records = [
      aStatus('2026-10-24T00:00:00Z', 'Available'),
      aStatus('2026-10-25T12:00:00Z', 'Charging'),
    ]
    const [bucket, ...rest] = connectorTime(records, fallBack, day).buckets
    expect(rest).toEqual([])
    expect(bucket?.ms).toEqual(times({ free: 14 * HOUR, charging: 11 * HOUR }))
  })
})

describe('faults', () => {
  test('counted per error code and vendor error when entered, not per repeated notification', () => {
    const records = [
      aStatus('2026-11-26T10:00:00Z', 'Available'),
      aStatus('2026-11-26T10:05:00Z', 'Faulted', 'GroundFailure', 'E42'),
      aStatus('2026-11-26T10:06:00Z', 'Faulted', 'GroundFailure', 'E42'), // repeated: same fault
      aStatus('2026-11-26T10:07:00Z', 'Faulted', 'GroundFailure', 'E43'), // a different vendor error
      aStatus('2026-11-26T10:20:00Z', 'Available'),
      aStatus('2026-11-26T11:05:00Z', 'Faulted', 'GroundFailure', 'E42'), // again, after recovering
      aStatus('2026-11-26T11:30:00Z', 'Available', 'HighTemperature'), // a warning while available
      aStatus('2026-11-26T13:00:00Z', 'Faulted', 'PowerMeterFailure'), // outside the window
    ]
    const window = { from: t('2026-11-26T10:00:00Z'), to: t('2026-11-26T12:00:00Z') }
    expect(connectorTime(records, window, utcBuckets.hour).faults).toEqual([
      {
        bucketStart: t('2026-11-26T10:00:00Z'),
        errorCode: 'GroundFailure',
        vendorErrorCode: 'E42',
        count: 1,
      },
      {
        bucketStart: t('2026-11-26T10:00:00Z'),
        errorCode: 'GroundFailure',
        vendorErrorCode: 'E43',
        count: 1,
      },
      {
        bucketStart: t('2026-11-26T11:00:00Z'),
        errorCode: 'GroundFailure',
        vendorErrorCode: 'E42',
        count: 1,
      },
      { bucketStart: t('2026-11-26T11:00:00Z'), errorCode: 'HighTemperature', vendorErrorCode: '', count: 1 },
    ])
  })
})

describe('availability and utilisation', () => {
  test('availability leaves out unknown time; utilisation is charging over available time', () => {
    const a = availabilityOf(
      times({ charging: 2 * HOUR, pluggedIdle: HOUR, free: 5 * HOUR, faulted: 2 * HOUR, unknown: 14 * HOUR }),
    )
    expect(a).toEqual({ availableMs: 8 * HOUR, knownMs: 10 * HOUR, availability: 0.8, utilisation: 0.25 })
  })

  test('no known time and no available time give null, not 0 or NaN', () => {
    expect(availabilityOf(times({ unknown: HOUR }))).toEqual({
      availableMs: 0,
      knownMs: 0,
      availability: null,
      utilisation: null,
    })
    expect(availabilityOf(times({ unavailable: HOUR })).utilisation).toBeNull()
  })
})
