import { Type } from 'typebox'
import { ConfigError, commonConfig, describeConfig, loadConfig, maskValue } from '../../src/index.ts'

const Schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000, description: 'HTTP port.' }),
  RATIO: Type.Number({ minimum: 0, maximum: 1, default: 0.1, description: 'A share.' }),
  VERBOSE: Type.Boolean({ default: false, description: 'More output.' }),
  MODE: Type.Enum(['fast', 'safe'], { default: 'safe', description: 'How.' }),
  LEVEL: Type.Union([Type.Literal('low'), Type.Literal('high')], {
    default: 'low',
    description: 'Union form.',
  }),
  UPSTREAM_URL: Type.String({ format: 'uri', default: 'http://127.0.0.1:9000', description: 'Where.' }),
  API_KEY: Type.String({ minLength: 8, description: 'Required secret.' }),
  LABEL: Type.Optional(Type.String({ description: 'Optional, no default.' })),
})

const valid = { API_KEY: 'k-12345678' }

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  test('applies defaults and leaves optional variables without default out', () => {
    expect(loadConfig(Schema, valid)).toEqual({
      PORT: 3000,
      RATIO: 0.1,
      VERBOSE: false,
      MODE: 'safe',
      LEVEL: 'low',
      UPSTREAM_URL: 'http://127.0.0.1:9000',
      API_KEY: 'k-12345678',
    })
  })

  test.each([
    ['PORT', '8080', 8080],
    ['PORT', ' 8080 ', 8080],
    ['RATIO', '0.25', 0.25],
    ['RATIO', '1', 1],
    ['VERBOSE', 'true', true],
    ['VERBOSE', 'TRUE', true],
    ['VERBOSE', '1', true],
    ['VERBOSE', 'false', false],
    ['VERBOSE', '0', false],
    ['MODE', 'fast', 'fast'],
    ['LEVEL', 'high', 'high'],
    ['UPSTREAM_URL', 'nats://10.0.0.1:4222', 'nats://10.0.0.1:4222'],
    ['LABEL', 'blue', 'blue'],
  ])('converts %s=%j to %j', (name, raw, expected) => {
    expect(loadConfig(Schema, { ...valid, [name]: raw })).toMatchObject({ [name]: expected })
  })

  test('treats an empty value as unset', () => {
    expect(loadConfig(Schema, { ...valid, PORT: '', LABEL: '' })).toMatchObject({ PORT: 3000 })
    expect(loadConfig(Schema, { ...valid, LABEL: '  ' })).not.toHaveProperty('LABEL')
  })

  test.each([
    ['PORT', 'abc', 'config: PORT must be an integer from 1 to 65535 (got "abc")'],
    ['PORT', '12.5', 'config: PORT must be an integer from 1 to 65535 (got "12.5")'],
    ['PORT', '0x10', 'config: PORT must be an integer from 1 to 65535 (got "0x10")'],
    ['PORT', '70000', 'config: PORT must be an integer from 1 to 65535 (got "70000")'],
    ['RATIO', '1.5', 'config: RATIO must be a number from 0 to 1 (got "1.5")'],
    ['VERBOSE', 'yes', 'config: VERBOSE must be true or false (got "yes")'],
    ['MODE', 'slow', 'config: MODE must be one of fast, safe (got "slow")'],
    ['LEVEL', 'mid', 'config: LEVEL must be one of low, high (got "mid")'],
    ['UPSTREAM_URL', 'not a url', 'config: UPSTREAM_URL must be a URL (got "not a url")'],
  ])('rejects %s=%j with one line naming the variable', (name, raw, line) => {
    const err = configErrorOf(() => loadConfig(Schema, { ...valid, [name]: raw }))
    expect(err.message).toBe(line)
    expect(err.code).toBe('PLATFORM_ERR_CONFIG')
    expect(err.issues).toEqual([expect.objectContaining({ variable: name, got: raw })])
  })

  test('reports a missing required variable', () => {
    const err = configErrorOf(() => loadConfig(Schema, {}))
    expect(err.message).toBe('config: API_KEY must be a non-empty string (not set)')
  })

  test('reports every bad variable, one line each, in schema order', () => {
    const err = configErrorOf(() => loadConfig(Schema, { MODE: 'x\ny', PORT: '-1' }))
    expect(err.message.split('\n')).toEqual([
      'config: PORT must be an integer from 1 to 65535 (got "-1")',
      'config: MODE must be one of fast, safe (got "x\\ny")',
      'config: API_KEY must be a non-empty string (not set)',
    ])
  })

  test('masks secrets by name and passwords inside URLs', () => {
    const err = configErrorOf(() =>
      loadConfig(Schema, { API_KEY: 'short', UPSTREAM_URL: 'postgres://app:s3cret@db host/x' }),
    )
    expect(err.message).not.toContain('short')
    expect(err.message).not.toContain('s3cret')
    expect(err.message).toContain('config: API_KEY must be a non-empty string (got "***")')
    expect(err.message).toContain('(got "postgres://app:***@db host/x")')
  })

  test('reads process.env by default', () => {
    process.env.CHARGEBUS_TEST_ONLY_PORT = '4321'
    try {
      const config = loadConfig(Type.Object({ CHARGEBUS_TEST_ONLY_PORT: Type.Integer({ default: 1 }) }))
      expect(config.CHARGEBUS_TEST_ONLY_PORT).toBe(4321)
    } finally {
      delete process.env.CHARGEBUS_TEST_ONLY_PORT
    }
  })
})

describe('maskValue', () => {
  test.each([
    [
      'DATABASE_URL',
      'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus',
      'postgres://chargebus:***@127.0.0.1:6432/chargebus',
    ],
    ['NATS_URL', 'nats://127.0.0.1:4222', 'nats://127.0.0.1:4222'],
    ['NATS_URL', 'nats://user:p@ss@127.0.0.1:4222/x@y', 'nats://user:***@127.0.0.1:4222/x@y'],
    ['DB_PASSWORD', 'hunter2', '***'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'api-key=abc', '***'],
    ['CHARGEBUS_DEV_API_KEY', 'dev-admin-key', '***'],
    ['SESSION_SECRET', 'x', '***'],
    ['NOTE', 'a'.repeat(100), `${'a'.repeat(80)}...`],
  ])('%s', (name, value, shown) => {
    expect(maskValue(name, value)).toBe(shown)
  })
})

describe('describeConfig', () => {
  test('lists name, form, default and description in schema order', () => {
    expect(describeConfig(Schema).slice(0, 2)).toEqual([
      {
        name: 'PORT',
        expected: 'an integer from 1 to 65535',
        default: '3000',
        required: false,
        description: 'HTTP port.',
      },
      {
        name: 'RATIO',
        expected: 'a number from 0 to 1',
        default: '0.1',
        required: false,
        description: 'A share.',
      },
    ])
    expect(describeConfig(Schema).find((row) => row.name === 'API_KEY')).toMatchObject({ required: true })
    expect(describeConfig(Schema).find((row) => row.name === 'LABEL')).toMatchObject({ required: false })
  })
})

describe('commonConfig', () => {
  const Service = Type.Object({
    ...commonConfig.logging,
    ...commonConfig.telemetry,
    ...commonConfig.http({ port: 3200 }),
    ...commonConfig.database,
    ...commonConfig.nats,
  })

  test('works on an empty environment with the documented local defaults', () => {
    expect(loadConfig(Service, {})).toEqual({
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER_ARG: 0.1,
      OTEL_SDK_DISABLED: false,
      HOST: '127.0.0.1',
      PORT: 3200,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 72_000,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_MAX_CONNECTIONS: 20_000,
      HTTP_MAX_IN_FLIGHT: 2_000,
      HTTP_TRUST_PROXY: '',
      DATABASE_URL: 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_STREAM_REPLICAS: 1,
    })
  })

  test.each([
    ['DATABASE_URL', 'mysql://db/x', 'config: DATABASE_URL must be a postgres:// URL (got "mysql://db/x")'],
    ['DATABASE_URL', 'postgresql://u:pw@db/x?sslmode=require', undefined],
    [
      'NATS_URL',
      'localhost:4222',
      'config: NATS_URL must be a nats:// URL, or several comma-separated (the nodes of a cluster) (got "localhost:4222")',
    ],
    ['NATS_URL', 'tls://nats.internal:4222', undefined],
    ['NATS_URL', 'nats://n1:4222,nats://n2:4222, nats://n3:4222', undefined],
    ['BUS_NAMESPACE', 'stack2', undefined],
    [
      'BUS_NAMESPACE',
      'Stack2',
      'config: BUS_NAMESPACE must be up to 32 lowercase letters/digits, letter first (got "Stack2")',
    ],
    ['BUS_NAMESPACE', 'ci-7', 'config: BUS_NAMESPACE must be up to 32 lowercase letters/digits'],
    ['BUS_NAMESPACE', '7ci', 'config: BUS_NAMESPACE must be up to 32 lowercase letters/digits'],
    ['BUS_NAMESPACE', 'a'.repeat(33), 'config: BUS_NAMESPACE must be up to 32 lowercase letters/digits'],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'otel:4318',
      'config: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got "otel:4318")',
    ],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'https://otel.example:4318/', undefined],
    [
      'LOG_LEVEL',
      'verbose',
      'config: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ],
    [
      'HTTP_KEEP_ALIVE_TIMEOUT_MS',
      '72s',
      'config: HTTP_KEEP_ALIVE_TIMEOUT_MS must be an integer >= 1000 (got "72s")',
    ],
  ])('%s=%j', (name, value, message) => {
    const load = () => loadConfig(Service, { [name]: value })
    if (message === undefined) expect(load()).toMatchObject({ [name]: value })
    else expect(load).toThrow(message)
  })

  test('NATS_STREAM_REPLICAS takes 1 to 5 (JetStream allows no more) and nothing else', () => {
    expect(loadConfig(Service, { NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3)
    expect(loadConfig(Service, { NATS_STREAM_REPLICAS: '5' }).NATS_STREAM_REPLICAS).toBe(5)
    for (const bad of ['0', '6', '2.5', 'three', '-1'])
      expect(() => loadConfig(Service, { NATS_STREAM_REPLICAS: bad })).toThrow(
        `config: NATS_STREAM_REPLICAS must be an integer from 1 to 5 (got "${bad}")`,
      )
  })

  test('an empty BUS_NAMESPACE means no namespace', () => {
    expect(loadConfig(Service, { BUS_NAMESPACE: '' }).BUS_NAMESPACE).toBeUndefined()
  })

  test('every variable has a description', () => {
    for (const row of describeConfig(Service)) expect(row.description).not.toBe('')
  })
})
