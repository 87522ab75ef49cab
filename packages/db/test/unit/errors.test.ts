import { readFileSync } from 'node:fs'
import { AppError, errorCodeDocGaps } from '@chargebus/errors'
import {
  DatabaseUnavailable,
  DbErrorCode,
  describeError,
  InvalidBlockSize,
  InvalidDatabaseName,
  InvalidDatabaseUrl,
  MigrationFailed,
  NotInTransaction,
  TransactionIdsExhausted,
} from '../../src/index.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('error codes', () => {
  const codes = Object.keys(DbErrorCode)

  test('the README documents every code, and only codes that exist', () => {
    expect(errorCodeDocGaps(DbErrorCode, readme, 'DB_ERR_')).toEqual({ missing: [], unknown: [] })
  })

  test('codes are unique and follow DB_ERR_*', () => {
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(code).toMatch(/^DB_ERR_[A-Z_]+$/)
  })

  test.each([
    [new InvalidDatabaseUrl('not a URL'), 'DB_ERR_INVALID_URL', false],
    [new InvalidDatabaseName('Bad-Name'), 'DB_ERR_INVALID_DATABASE_NAME', false],
    [new DatabaseUnavailable('connect ECONNREFUSED'), 'DB_ERR_UNAVAILABLE', true],
    [new MigrationFailed('2026-01-01T00:00:00Z_x', new Error('boom')), 'DB_ERR_MIGRATION_FAILED', false],
    [new NotInTransaction('setLocalStatementTimeout'), 'DB_ERR_NOT_IN_TRANSACTION', false],
    [new InvalidBlockSize(0, 10), 'DB_ERR_INVALID_BLOCK_SIZE', false],
    [new TransactionIdsExhausted('at max'), 'DB_ERR_TRANSACTION_IDS_EXHAUSTED', false],
  ])('%o is an AppError with its code and retryability', (err, code, retryable) => {
    expect(err).toBeInstanceOf(AppError)
    expect(err.code).toBe(code)
    expect(err.retryable).toBe(retryable)
    expect(err.name).toBe(err.constructor.name)
  })

  test('DatabaseUnavailable is a 503 and keeps its cause', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:1')
    const err = new DatabaseUnavailable('connect ECONNREFUSED 127.0.0.1:1', cause)
    expect(err.status).toBe(503)
    expect(err.cause).toBe(cause)
    expect(err.detail).toBe('connect ECONNREFUSED 127.0.0.1:1')
  })

  test('MigrationFailed names the migration, or says none had started', () => {
    expect(new MigrationFailed('2026-01-01T00:00:00Z_x', new Error('division by zero')).message).toBe(
      'migration 2026-01-01T00:00:00Z_x failed: division by zero',
    )
    expect(new MigrationFailed(undefined, new Error('lock timeout')).message).toBe(
      'migrations failed: lock timeout',
    )
  })
})

describe('describeError', () => {
  test.each([
    [new Error('plain'), 'plain'],
    [
      new AggregateError([
        new Error('connect ECONNREFUSED ::1:1'),
        new Error('connect ECONNREFUSED 127.0.0.1:1'),
      ]),
      'connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1',
    ],
    [new AggregateError([], 'with message'), 'with message'],
    ['a string', 'a string'],
  ])('%o -> %s', (err, text) => {
    expect(describeError(err)).toBe(text)
  })
})
