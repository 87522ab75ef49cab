import { readFileSync } from 'node:fs'
import { AppError } from '@chargebus/platform'
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
const documentedCodes = [...readme.matchAll(/^\|\s*`(DB_ERR_[A-Z_]+)`\s*\|/gm)].map((m) => m[1])

describe('error codes', () => {
  const codes = Object.values(DbErrorCode)

  test.each(codes)('%s is documented in the README table', (code) => {
    expect(documentedCodes).toContain(code)
  })

  test('the README documents no code the package does not have', () => {
    expect([...documentedCodes].sort()).toEqual([...codes].sort())
  })

  test('codes are unique and follow DB_ERR_*', () => {
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(code).toMatch(/^DB_ERR_[A-Z_]+$/)
  })

  test.each([
    [new InvalidDatabaseUrl('not a URL'), DbErrorCode.InvalidUrl, false],
    [new InvalidDatabaseName('Bad-Name'), DbErrorCode.InvalidDatabaseName, false],
    [new DatabaseUnavailable('connect ECONNREFUSED'), DbErrorCode.Unavailable, true],
    [new MigrationFailed('2026-01-01T00:00:00Z_x', new Error('boom')), DbErrorCode.MigrationFailed, false],
    [new NotInTransaction('setLocalStatementTimeout'), DbErrorCode.NotInTransaction, false],
    [new InvalidBlockSize(0, 10), DbErrorCode.InvalidBlockSize, false],
    [new TransactionIdsExhausted('at max'), DbErrorCode.TransactionIdsExhausted, false],
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
