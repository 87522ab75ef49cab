import { AppError } from '@chargebus/errors'
import { isDatabaseOutage, isRefusedData, isRetryableWrite } from '../../src/failure-kinds.ts'

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code })

test('an outage is one every write would hit alike; refused data is about this write', () => {
  for (const err of [
    pgError('08006'), // connection failure
    pgError('53300'), // too many connections
    pgError('57P01'), // admin shutdown
    pgError('40001'), // serialization failure
    pgError('ECONNREFUSED'),
    new Error('timeout exceeded when trying to connect'),
    new AppError('DB_ERR_UNAVAILABLE', 'down', { status: 503 }),
  ]) {
    expect(isDatabaseOutage(err)).toBe(true)
    expect(isRefusedData(err)).toBe(false)
  }
  for (const err of [pgError('23505'), pgError('22P02'), pgError('23514')]) {
    expect(isDatabaseOutage(err)).toBe(false)
    expect(isRefusedData(err)).toBe(true)
  }
  for (const err of [new Error('a bug'), undefined, 'text', new AppError('OTHER', 'x', { status: 400 })]) {
    expect(isDatabaseOutage(err)).toBe(false)
    expect(isRefusedData(err)).toBe(false)
  }
})

test('a write is worth retrying unless Postgres refused its data or an AppError says it is final', () => {
  expect(isRetryableWrite(pgError('08006'))).toBe(true)
  expect(isRetryableWrite(new Error('a bug'))).toBe(true)
  expect(isRetryableWrite(pgError('23505'))).toBe(false)
  expect(isRetryableWrite(new AppError('OTHER', 'x', { status: 400 }))).toBe(false)
  expect(isRetryableWrite(new AppError('DB_ERR_UNAVAILABLE', 'down', { status: 503, retryable: true }))).toBe(
    true,
  )
})
