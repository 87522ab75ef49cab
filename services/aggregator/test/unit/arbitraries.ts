import fc from 'fast-check'
import { STATE_OF_STATUS, type StatusRecord } from '../../src/domain/connector-time.ts'
import type { Instant } from '../../src/domain/instant.ts'
import { MINUTE, t } from './builders.ts'

/* Arbitraries shared by the aggregator's property tests. */

/** Days where local buckets are unusual: DST changes in Berlin and New York, a month and a year end. */
export const TRICKY_DAYS = [
  '2026-03-29T00:00:00Z',
  '2026-10-25T00:00:00Z',
  '2026-03-08T06:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-01-31T23:00:00Z',
  '2026-12-31T22:00:00Z',
].map(t)

export const aDay = fc.constantFrom(...TRICKY_DAYS)

/** An instant on whole seconds (as stations send them) within a day and a half of `day`. */
export const anInstantNear = (day: Instant) =>
  fc
    .tuple(fc.integer({ min: -36 * 60, max: 36 * 60 }), fc.integer({ min: 0, max: 59 }))
    .map(([minutes, seconds]) => day + minutes * MINUTE + seconds * 1000)

export const STATUSES = Object.keys(STATE_OF_STATUS)

/** Status records on a half-hour grid around `day`, so records at the same instant are common. */
export const aStatusNear = (day: Instant): fc.Arbitrary<StatusRecord> =>
  fc
    .record({
      halfHours: fc.integer({ min: -24, max: 24 }),
      status: fc.constantFrom(...STATUSES),
      errorCode: fc.constantFrom('NoError', 'NoError', 'GroundFailure', 'HighTemperature'),
      vendorErrorCode: fc.constantFrom(undefined, 'E1', 'E2'),
    })
    .map(({ halfHours, status, errorCode, vendorErrorCode }) => {
      const at = day + halfHours * 30 * MINUTE
      return vendorErrorCode === undefined
        ? { at, status, errorCode }
        : { at, status, errorCode, vendorErrorCode }
    })
