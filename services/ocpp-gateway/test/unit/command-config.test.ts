import { loadConfig } from '@chargebus/platform'
import { callerSettingsOf, dispatcherSettingsOf } from '../../src/commands/command-config.ts'
import { GatewayConfig } from '../../src/config.ts'
import { edgeSettingsOf } from '../../src/edge-settings.ts'

const configOf = (env: Record<string, string>) =>
  loadConfig(GatewayConfig, { HOST: '10.0.0.5', PORT: '3100', ...env })

describe('callerSettingsOf: our address as wsa:From', () => {
  test.each([
    [
      'OCPP_CENTRAL_SYSTEM_URL first',
      { OCPP_CENTRAL_SYSTEM_URL: 'https://cs.example.com/', OCPP_PUBLIC_URL: 'https://pub.example.com' },
      'https://cs.example.com/ocpp/1.6',
    ],
    [
      'else OCPP_PUBLIC_URL',
      { OCPP_PUBLIC_URL: 'https://pub.example.com//' },
      'https://pub.example.com/ocpp/1.6',
    ],
    ['else HOST:PORT', {}, 'http://10.0.0.5:3100/ocpp/1.6'],
  ])('%s', (_name, env, expected) => {
    expect(callerSettingsOf(configOf(env), edgeSettingsOf(configOf(env))).centralSystemUrl('1.6')).toBe(
      expected,
    )
  })
  test('the version is appended and the timeout passed on', () => {
    const config = configOf({ OCPP_COMMAND_TIMEOUT_MS: '1500' })
    const settings = callerSettingsOf(config, edgeSettingsOf(config))
    expect(settings.centralSystemUrl('1.5')).toBe('http://10.0.0.5:3100/ocpp/1.5')
    expect(settings.timeoutMs).toBe(1500)
  })
})

test('dispatcherSettingsOf reads the retry schedule and turns seconds into milliseconds', () => {
  expect(
    dispatcherSettingsOf(
      configOf({
        OCPP_COMMAND_RETRY_MS: ' 100, 200 ,300',
        OCPP_COMMAND_ORDER_STALE_S: '2',
        OCPP_CAPABILITIES_MAX_AGE_S: '0',
      }),
    ),
  ).toMatchObject({
    retryScheduleMs: [100, 200, 300],
    orderStaleMs: 2000,
    capabilitiesMaxAgeMs: 0,
    defaultTtlMs: 86_400_000,
  })
})
