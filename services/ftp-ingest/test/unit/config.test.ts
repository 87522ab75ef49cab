import { ConfigError, loadConfig } from '@chargebus/platform'
import { checkPassiveRange, FtpIngestConfig, ftpTlsFrom, tlsRequired } from '../../src/config.ts'

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
