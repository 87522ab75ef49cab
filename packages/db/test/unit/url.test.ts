import {
  assertDatabaseName,
  describeTarget,
  InvalidDatabaseName,
  InvalidDatabaseUrl,
  parseDatabaseUrl,
  withDatabaseName,
  withPort,
} from '../../src/index.ts'

describe('parseDatabaseUrl', () => {
  test.each([
    [
      'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus',
      { host: '127.0.0.1', port: 6432, database: 'chargebus', user: 'chargebus' },
    ],
    ['postgresql://u@db.internal/app', { host: 'db.internal', port: 5432, database: 'app', user: 'u' }],
    [
      'postgres://u:p%40ss@[::1]:5433/a%20b?sslmode=disable',
      { host: '::1', port: 5433, database: 'a b', user: 'u' },
    ],
  ])('%s', (url, target) => {
    expect(parseDatabaseUrl(url)).toEqual(target)
  })

  test.each([
    ['', 'empty'],
    ['not a url', 'not a URL'],
    ['http://u:p@host/db', 'scheme must be postgres: or postgresql:, got http:'],
    ['postgres://u:p@host', 'missing database name'],
    ['postgres://u:p@host/', 'missing database name'],
    ['postgres:///db', 'missing host'],
  ])('%p is rejected: %s', (url, reason) => {
    try {
      parseDatabaseUrl(url)
      throw new Error('expected a throw')
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidDatabaseUrl)
      expect((err as InvalidDatabaseUrl).code).toBe('DB_ERR_INVALID_URL')
      expect((err as InvalidDatabaseUrl).reason).toBe(reason)
    }
  })

  test.each(['http://user:s3cret@host/db', 'postgres://user:s3cret@host'])(
    '%s: the message hides the password',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(InvalidDatabaseUrl)
      expect(() => parseDatabaseUrl(url)).not.toThrow(/s3cret/)
    },
  )
})

describe('URL rewriting', () => {
  const url = 'postgres://chargebus:pw@127.0.0.1:6432/chargebus?application_name=x'

  test('withDatabaseName keeps credentials, host, port and query', () => {
    expect(withDatabaseName(url, 'chargebus_test_1')).toBe(
      'postgres://chargebus:pw@127.0.0.1:6432/chargebus_test_1?application_name=x',
    )
  })

  test('withPort switches pgbouncer for Postgres', () => {
    expect(withPort(url, 5432)).toBe('postgres://chargebus:pw@127.0.0.1:5432/chargebus?application_name=x')
  })

  test('describeTarget is safe to log', () => {
    expect(describeTarget(url)).toBe('chargebus@127.0.0.1:6432/chargebus')
    expect(describeTarget('postgres://[::1]:5432/db')).toBe('[::1]:5432/db')
  })
})

describe('assertDatabaseName', () => {
  test.each(['chargebus', 'chargebus_test_1732600000_abc123', '_x', 'a'.repeat(63)])(
    '%s is accepted',
    (name) => {
      expect(assertDatabaseName(name)).toBe(name)
    },
  )

  test.each(['', 'Chargebus', '1abc', 'a-b', 'a"; drop database x; --', 'a'.repeat(64)])(
    '%p is refused',
    (name) => {
      expect(() => assertDatabaseName(name)).toThrow(InvalidDatabaseName)
    },
  )
})
