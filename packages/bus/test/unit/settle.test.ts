import { AppError } from '@chargebus/errors'
import { InvalidEventError } from '@chargebus/events'
import { UnknownEventError, UnsupportedEventVersionError } from '../../src/index.ts'
import { backoffDelay, settleFailure } from '../../src/settle.ts'

const policy = { maxDeliver: 3, backoffMs: [100, 500] }
const retryable = new AppError('TEST_ERR_DOWN', 'down', { retryable: true })
const permanent = new AppError('TEST_ERR_BAD', 'bad')

describe('settleFailure', () => {
  test.each([
    ['a retryable AppError, first delivery', retryable, 1, { action: 'retry', delayMs: 100 }],
    ['a retryable AppError, second delivery', retryable, 2, { action: 'retry', delayMs: 500 }],
    [
      'a retryable AppError, last delivery',
      retryable,
      3,
      { action: 'dead-letter', reason: 'max-deliveries' },
    ],
    ['an unknown error (maybe a bug or an outage)', new Error('boom'), 1, { action: 'retry', delayMs: 100 }],
    ['a thrown string', 'boom', 3, { action: 'dead-letter', reason: 'max-deliveries' }],
    ['a non-retryable AppError', permanent, 1, { action: 'dead-letter', reason: 'non-retryable' }],
    [
      'a schema-invalid event',
      new InvalidEventError('x@1', []),
      1,
      { action: 'dead-letter', reason: 'invalid-event' },
    ],
    ['an unknown event', new UnknownEventError('a.b'), 1, { action: 'dead-letter', reason: 'unknown-event' }],
    [
      'an unsupported version',
      new UnsupportedEventVersionError('x', '2'),
      1,
      { action: 'retry', delayMs: 100 },
    ],
    ['redelivered past the limit', retryable, 7, { action: 'dead-letter', reason: 'max-deliveries' }],
  ])('%s', (_, err, deliveryCount, expected) => {
    expect(settleFailure(err, deliveryCount, policy)).toEqual(expected)
  })

  test('an outage is retried with backoff however many deliveries it used, in either scope', () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    expect(settleFailure(down, 1, policy, 'message', true)).toEqual({ action: 'retry', delayMs: 100 })
    expect(settleFailure(down, 3, policy, 'batch', true)).toEqual({ action: 'retry', delayMs: 500 })
    expect(settleFailure(down, 40, policy, 'message', true)).toEqual({ action: 'retry', delayMs: 500 })
    // the same error not recognised as an outage still runs out of deliveries
    expect(settleFailure(down, 3, policy, 'batch')).toEqual({
      action: 'dead-letter',
      reason: 'max-deliveries',
    })
  })

  test("the policy's isRetryable decides which handler errors are worth a retry", () => {
    const refusesConstraintViolations = {
      ...policy,
      isRetryable: (err: unknown) => (err as { code?: string }).code !== '23505',
    }
    const violation = Object.assign(new Error('duplicate key'), { code: '23505' })
    expect(settleFailure(violation, 1, refusesConstraintViolations)).toEqual({
      action: 'dead-letter',
      reason: 'non-retryable',
    })
    expect(settleFailure(permanent, 1, refusesConstraintViolations)).toEqual({
      action: 'retry',
      delayMs: 100,
    })
    expect(settleFailure(new InvalidEventError('x@1', []), 1, refusesConstraintViolations)).toEqual({
      action: 'dead-letter',
      reason: 'invalid-event',
    })
  })

  test('a batch failure is retried whatever the error says, until deliveries run out', () => {
    expect(settleFailure(permanent, 1, policy, 'batch')).toEqual({ action: 'retry', delayMs: 100 })
    expect(settleFailure(new InvalidEventError('x@1', []), 2, policy, 'batch')).toEqual({
      action: 'retry',
      delayMs: 500,
    })
    expect(settleFailure(permanent, 3, policy, 'batch')).toEqual({
      action: 'dead-letter',
      reason: 'max-deliveries',
    })
  })
})

describe('backoffDelay', () => {
  test.each([
    [1, [10, 20, 30], 10],
    [2, [10, 20, 30], 20],
    [3, [10, 20, 30], 30],
    [9, [10, 20, 30], 30],
    [0, [10, 20, 30], 10],
    [4, [], 0],
  ])('after %i deliveries with %j waits %i ms', (count, backoff, expected) => {
    expect(backoffDelay(count, backoff)).toBe(expected)
  })
})
