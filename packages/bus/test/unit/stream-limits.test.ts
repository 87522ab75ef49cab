import { allStreams, Streams } from '@chargebus/events'
import { Type } from 'typebox'
import { Value } from 'typebox/value'
import {
  parseDuration,
  parseSize,
  streamLimitsConfig,
  streamLimitsFrom,
  streamLimitVariables,
} from '../../src/stream-limits.ts'

const Config = Type.Object(streamLimitsConfig)

describe('stream limits from configuration', () => {
  test.each([
    ['1024', 1024],
    ['64MiB', 64 * 1024 ** 2],
    ['48GiB', 48 * 1024 ** 3],
    ['2TiB', 2 * 1024 ** 4],
    ['16KiB', 16 * 1024],
  ])('size %s', (text, bytes) => expect(parseSize(text)).toBe(bytes))

  test.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
  ])('duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms))

  test('every catalog stream has its two variables', () => {
    for (const s of allStreams) {
      const names = streamLimitVariables(s.name)
      expect(Object.keys(streamLimitsConfig)).toEqual(expect.arrayContaining([names.maxBytes, names.maxAge]))
    }
  })

  test('unset: small outside production, the catalog sizes in production', () => {
    const dev = streamLimitsFrom({ NODE_ENV: 'development' })
    const prod = streamLimitsFrom({ NODE_ENV: 'production' })
    for (const s of allStreams) {
      expect(dev[s.name]).toEqual({ maxBytes: s.devMaxBytes, maxAgeMs: s.maxAgeMs })
      expect(prod[s.name]).toEqual({ maxBytes: s.maxBytes, maxAgeMs: s.maxAgeMs })
    }
    const devTotal = Object.values(dev).reduce((sum, l) => sum + l.maxBytes, 0)
    expect(devTotal).toBeLessThanOrEqual(256 * 1024 ** 2)
  })

  test('a variable wins in any environment', () => {
    const config = {
      NODE_ENV: 'production',
      BUS_STREAM_OCPP_IN_MAX_BYTES: '100GiB',
      BUS_STREAM_OCPP_IN_MAX_AGE: '3d',
    }
    expect(Value.Check(Config, config)).toBe(true)
    const limits = streamLimitsFrom(config)
    expect(limits.OCPP_IN).toEqual({ maxBytes: 100 * 1024 ** 3, maxAgeMs: 3 * 86_400_000 })
    expect(limits.DOMAIN).toEqual({ maxBytes: Streams.DOMAIN.maxBytes, maxAgeMs: Streams.DOMAIN.maxAgeMs })
  })

  test.each([
    ['BUS_STREAM_OCPP_IN_MAX_BYTES', '10 gigs'],
    ['BUS_STREAM_OCPP_IN_MAX_BYTES', '-5MiB'],
    ['BUS_STREAM_DOMAIN_MAX_AGE', '7'],
    ['BUS_STREAM_DOMAIN_MAX_AGE', '1w'],
  ])('refuses %s=%j', (name, value) => {
    expect(Value.Check(Config, { [name]: value })).toBe(false)
  })
})
