import { ConfigError, loadConfig } from '@chargebus/platform'
import {
  checkPassiveRange,
  FtpIngestConfig,
  ftpTlsFrom,
  pullSourcesFrom,
  tlsRequired,
} from '../../src/config.ts'

const config = (env: Record<string, string>) => loadConfig(FtpIngestConfig, env)

describe('FTP edge configuration', () => {
  test('the defaults work on a developer machine: plain FTP allowed, passive 30000-30019 on 127.0.0.1', () => {
    const c = config({})
    expect([c.FTP_PORT, c.FTP_PASSIVE_HOST, c.FTP_PASSIVE_MIN_PORT, c.FTP_PASSIVE_MAX_PORT]).toEqual([
      2121,
      '127.0.0.1',
      30000,
      30019,
    ])
    expect(tlsRequired(c)).toBe(false)
    expect(ftpTlsFrom(c)).toBeUndefined()
    expect(() => checkPassiveRange(c)).not.toThrow()
  })

  test('PASV can only name an IPv4 address', () => {
    expect(() => config({ FTP_PASSIVE_HOST: 'ftp.example.com' })).toThrow(ConfigError)
    expect(() => config({ FTP_PASSIVE_HOST: '256.1.1.1' })).toThrow(ConfigError)
    expect(config({ FTP_PASSIVE_HOST: '203.0.113.7' }).FTP_PASSIVE_HOST).toBe('203.0.113.7')
  })

  test('a passive range that is not a range is refused', () => {
    expect(() =>
      checkPassiveRange(config({ FTP_PASSIVE_MIN_PORT: '30010', FTP_PASSIVE_MAX_PORT: '30000' })),
    ).toThrow(/FTP_PASSIVE_MAX_PORT/)
  })

  test('production requires FTPS, and so a certificate; certificate and key go together', () => {
    const production = config({ NODE_ENV: 'production' })
    expect(tlsRequired(production)).toBe(true)
    expect(() => ftpTlsFrom(production)).toThrow(/FTP_TLS_CERT_FILE/)
    expect(tlsRequired(config({ NODE_ENV: 'production', FTP_REQUIRE_TLS: 'false' }))).toBe(false)
    expect(() => ftpTlsFrom(config({ FTP_TLS_CERT_FILE: '/c.pem' }))).toThrow(/FTP_TLS_KEY_FILE/)
  })
})

describe('FTP_PULL_SOURCES', () => {
  const sources = (value: unknown) =>
    pullSourcesFrom(config({ FTP_PULL_SOURCES: typeof value === 'string' ? value : JSON.stringify(value) }))
  const depot = {
    name: 'depot',
    url: 'ftp://meter:s%3Ecret@10.0.0.9/out/box',
    stationId: 'CP-9',
    intervalS: 300,
  }

  test('empty is off', () => {
    expect(sources('')).toEqual([])
  })

  test('a source: credentials decoded, a label without the password, defaults filled in', () => {
    const [s] = sources([depot, { ...depot, name: 'yard', url: 'ftps://10.0.0.10:990', pattern: '*.csv' }])
    expect(s).toEqual({
      name: 'depot',
      label: 'ftp://meter:***@10.0.0.9:21/out/box',
      host: '10.0.0.9',
      port: 21,
      user: 'meter',
      password: 's>cret',
      secure: false,
      dir: '/out/box',
      stationId: 'CP-9',
      intervalMs: 300_000,
      pattern: undefined,
      maxFileBytes: config({}).FTP_MAX_FILE_BYTES,
    })
    expect(sources([{ ...depot, url: 'ftps://10.0.0.10:990' }])[0]).toMatchObject({
      user: 'anonymous',
      secure: true,
      port: 990,
      dir: '/',
      label: 'ftps://10.0.0.10:990/',
    })
  })

  test.each([
    ['not JSON', '[{', /not valid JSON/],
    ['an object, not a list', depot, /the value: /],
    ['another scheme', [{ ...depot, url: 'sftp://meter:s%3Ecret@h/x' }], /\/0\/url/],
    ['no interval', [{ ...depot, intervalS: undefined }], /intervalS/],
    ['an interval of 0', [{ ...depot, intervalS: 0 }], /\/0\/intervalS/],
    ['an unknown field', [{ ...depot, passwrd: 'x' }], /passwrd/],
    ['a name used twice', [depot, depot], /"depot" is used twice/],
  ])('%s is refused, naming the field and never the password', (_, value, message) => {
    let error: unknown
    try {
      sources(value)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/FTP_PULL_SOURCES/)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toMatch(/s%3Ecret|s>cret/)
  })
})
