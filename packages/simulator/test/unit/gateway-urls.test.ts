import {
  DEFAULT_FLEET_OPTIONS,
  gatewayUrls,
  SimulatorOptionError,
  validateFleetOptions,
} from '../../src/index.ts'

const options = (url: string) => ({ ...DEFAULT_FLEET_OPTIONS, stations: 4, profile: 'burst' as const, url })

test('several gateway replicas are a comma-separated --url, each checked', () => {
  const two = 'http://127.0.0.1:3100/ocpp/1.6, http://127.0.0.1:3101/ocpp/1.6'
  expect(gatewayUrls(two)).toEqual(['http://127.0.0.1:3100/ocpp/1.6', 'http://127.0.0.1:3101/ocpp/1.6'])
  expect(() => validateFleetOptions(options(two))).not.toThrow()
  for (const bad of ['http://127.0.0.1:3100/ocpp/1.6,ftp://127.0.0.1/x', 'http://127.0.0.1:3100/ocpp/1.6,'])
    expect(() => validateFleetOptions(options(bad))).toThrow(
      new SimulatorOptionError('--url must be an http:// or https:// URL, or several separated by commas'),
    )
})
