import {
  discoveryCommand,
  learnConfiguration,
  needsDiscovery,
} from '../../src/commands/domain/capabilities.ts'

describe('needsDiscovery', () => {
  const now = new Date('2026-11-26T12:00:00Z')
  const day = 86_400_000
  const learnt = (hoursAgo: number, ocppVersion: string | null = '1.6') => ({
    ocppVersion,
    learnedAt: new Date(now.getTime() - hoursAgo * 3_600_000),
  })

  test.each([
    ['never asked', undefined, '1.6', true],
    ['asked an hour ago, same version', learnt(1), '1.6', false],
    ['asked just under the max age ago', learnt(23.99), '1.6', false],
    ['asked exactly the max age ago', learnt(24), '1.6', true],
    ['the station now speaks another version', learnt(1, '1.5'), '1.6', true],
    ['no version recorded', learnt(1, null), '1.6', true],
    [
      'marked stale by a firmware update (epoch)',
      { ocppVersion: '1.6', learnedAt: new Date(0) },
      '1.6',
      true,
    ],
  ] as const)('%s -> %s', (_name, known, ocppVersion, expected) => {
    expect(needsDiscovery(known, { ocppVersion }, now, day)).toBe(expected)
  })

  test('a max age of 0 asks at every boot', () => {
    expect(needsDiscovery(learnt(0), { ocppVersion: '1.6' }, now, 0)).toBe(true)
  })
})

describe('discoveryCommand', () => {
  const now = new Date('2026-11-26T12:00:00.000Z')
  const boot = { stationId: 'CP-1', messageId: 'urn:uuid:boot-1' }

  test('a system GetConfiguration that expires after 10 minutes', () => {
    expect(discoveryCommand(boot, now, 'c-1')).toEqual({
      commandId: 'c-1',
      stationId: 'CP-1',
      operation: 'GetConfiguration',
      payload: {},
      requestedAt: '2026-11-26T12:00:00.000Z',
      expiresAt: '2026-11-26T12:10:00.000Z',
      idempotencyKey: expect.stringMatching(/^capabilities:[0-9a-f]{40}$/),
      origin: 'system',
      requestedBy: 'ocpp-gateway',
    })
  })
  test('a retried boot (same MessageID) asks under the same idempotency key, another boot under another', () => {
    const key = discoveryCommand(boot, now, 'c-1').idempotencyKey
    expect(discoveryCommand(boot, new Date(now.getTime() + 5_000), 'c-2').idempotencyKey).toBe(key)
    expect(discoveryCommand({ ...boot, messageId: 'urn:uuid:boot-2' }, now, 'c-3').idempotencyKey).not.toBe(
      key,
    )
  })
})

describe('learnConfiguration', () => {
  test('reads keys, profiles and unknown keys', () => {
    expect(
      learnConfiguration({
        configurationKey: [
          { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core, SmartCharging ,,RemoteTrigger' },
          { key: 'AuthorizationKey', readonly: false },
        ],
        unknownKey: ['Nope'],
      }),
    ).toEqual({
      configuration: {
        SupportedFeatureProfiles: { value: 'Core, SmartCharging ,,RemoteTrigger', readonly: true },
        AuthorizationKey: { readonly: false },
      },
      profiles: ['Core', 'SmartCharging', 'RemoteTrigger'],
      unknownKeys: ['Nope'],
    })
  })
  test('no SupportedFeatureProfiles: profiles unknown', () => {
    expect(learnConfiguration({}).profiles).toBeNull()
  })
})
