import { AppError } from '@chargebus/errors'
import {
  bearerToken,
  generateApiKey,
  hashApiKey,
  hasScope,
  SHOWN_PREFIX_LENGTH,
} from '../../src/domain/api-keys.ts'
import { decodeCursor, encodeCursor } from '../../src/domain/cursor.ts'
import { ApiErrorCodes, StationNotFound, ValidationFailed } from '../../src/domain/errors.ts'
import { isRegister } from '../../src/domain/meter-buckets.ts'
import { problemType, toProblem } from '../../src/domain/problem.ts'
import { mapFastifyError } from '../../src/entry-points/http/problems.ts'

describe('cursors', () => {
  test('round-trip the sort key of their listing', () => {
    const c = encodeCursor('sessions', ['2026-11-20T08:00:00.123456Z', 42])
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor('sessions', c, ['timestamp', 'integer'])).toEqual(['2026-11-20T08:00:00.123456Z', 42])
  })
  test.each([
    ['another listing', encodeCursor('stations', ['x']), ['string', 'number']],
    ['wrong arity', encodeCursor('sessions', ['x']), ['string', 'number']],
    ['wrong types', encodeCursor('sessions', [1, 'x']), ['string', 'number']],
    ['not base64url', 'a+b/c=', ['string']],
    ['not JSON', Buffer.from('{[').toString('base64url'), ['string']],
    // Forged parts that would reach a SQL cast: refused here, never a 500.
    ['a timestamp that is no time', encodeCursor('sessions', ['yesterday', 1]), ['timestamp', 'integer']],
    [
      'a timestamp out of range',
      encodeCursor('sessions', ['2026-13-45T99:00:00Z', 1]),
      ['timestamp', 'integer'],
    ],
    [
      'an id beyond int4',
      encodeCursor('sessions', ['2026-11-20T08:00:00Z', 2 ** 40]),
      ['timestamp', 'integer'],
    ],
    ['a fractional id', encodeCursor('sessions', ['2026-11-20T08:00:00Z', 1.5]), ['timestamp', 'integer']],
    ['a uuid that is not one', encodeCursor('sessions', ['x-y-z']), ['uuid']],
  ] as const)('%s is a validation error naming cursor', (_, cursor, shape) => {
    expect(() => decodeCursor('sessions', cursor, shape)).toThrow(ValidationFailed)
    try {
      decodeCursor('sessions', cursor, shape)
    } catch (err) {
      expect((err as ValidationFailed).errors?.[0]?.name).toBe('cursor')
    }
  })
})

describe('API keys', () => {
  test('are 32 random bytes behind a prefix; the hash is sha256 of the key', () => {
    const { key, prefix, hash } = generateApiKey(() => Buffer.alloc(32, 7))
    expect(key).toBe(`cbk_${Buffer.alloc(32, 7).toString('base64url')}`)
    expect(prefix).toBe(key.slice(0, SHOWN_PREFIX_LENGTH))
    expect(hash.equals(hashApiKey(key))).toBe(true)
    expect(hash).toHaveLength(32)
    expect(generateApiKey().key).not.toBe(generateApiKey().key)
  })
  test.each([
    [['read'], 'read', true],
    [['read'], 'write', false],
    [['write'], 'read', false],
    [['bi'], 'bi', true],
    [['admin'], 'bi', true],
    [['admin'], 'write', true],
  ] as const)('scopes %j grant %s: %s', (scopes, needed, granted) => {
    expect(hasScope(scopes, needed)).toBe(granted)
  })
  test.each([
    ['Bearer abc', 'abc'],
    ['bearer  abc ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('bearer token of %j is %j', (header, token) => {
    expect(bearerToken(header)).toBe(token)
  })
})

describe('problems', () => {
  test('API errors keep their code, status and detail', () => {
    expect(toProblem(new StationNotFound('CP-1'), '/v1/stations/CP-1')).toEqual({
      type: 'urn:chargebus:problem:station-not-found',
      title: 'Station not found',
      status: 404,
      detail: 'station CP-1 does not exist',
      instance: '/v1/stations/CP-1',
      code: 'API_ERR_STATION_NOT_FOUND',
    })
  })
  test('unknown errors say nothing; unavailable dependencies are 503', () => {
    expect(toProblem(new Error('secret internals'), '/x')).toMatchObject({
      status: 500,
      detail: 'internal error',
    })
    expect(
      toProblem(
        new AppError('DB_ERR_UNAVAILABLE', 'db at 10.0.0.1 down', { status: 503, retryable: true }),
        '/x',
      ),
    ).toMatchObject({
      status: 503,
      code: 'API_ERR_UNAVAILABLE',
      detail: 'a dependency did not answer; retry later',
    })
  })
  test('every code has a problem type, a 4xx/5xx status and a title', () => {
    for (const [code, { status, title }] of Object.entries(ApiErrorCodes)) {
      expect(problemType(code)).toMatch(/^urn:chargebus:problem:[a-z-]+$/)
      expect(status).toBeGreaterThanOrEqual(400)
      expect(title).not.toBe('')
    }
  })
  test('validation errors name each field once', () => {
    const err = Object.assign(new Error('bad'), {
      validation: [
        { instancePath: '/expiryDate', message: 'must match format "date-time"', params: {} },
        { instancePath: '/expiryDate', message: 'must be null', params: {} },
        { instancePath: '', message: 'x', params: { missingProperty: 'idTag' } },
        { instancePath: '', message: 'x', params: { additionalProperty: 'colour' } },
        { instancePath: '/scopes/0', message: 'x', params: { allowedValues: ['read', 'write'] } },
      ],
      validationContext: 'body',
    })
    const mapped = mapFastifyError(err as never) as ValidationFailed
    expect(mapped.errors).toEqual([
      { name: 'expiryDate', reason: 'must match format "date-time"' },
      { name: 'idTag', reason: 'x' },
      { name: 'colour', reason: 'is not a known field' },
      { name: 'scopes.0', reason: 'must be one of read, write' },
    ])
  })
})

test('registers are the *.Register measurands', () => {
  expect(isRegister('Energy.Active.Import.Register')).toBe(true)
  expect(isRegister('Power.Active.Import')).toBe(false)
})
