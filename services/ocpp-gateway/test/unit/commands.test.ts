import {
  applyLocalList,
  buildLocalList,
  isExpired,
  learnConfiguration,
  needsDiscovery,
  outcomeOf,
  retryDelayMs,
  uploadLocationFor,
} from '../../src/domain/commands.ts'

describe('outcomeOf', () => {
  test.each([
    [{ status: 'Accepted' }, 'accepted'],
    [{ status: 'Scheduled' }, 'accepted'],
    [{ status: 'RebootRequired' }, 'accepted'],
    [{ status: 'Unlocked' }, 'accepted'],
    [{ status: 'Rejected' }, 'rejected'],
    [{ status: 'NotSupported' }, 'rejected'],
    [{ status: 'UnlockFailed' }, 'rejected'],
    [{ status: 'VersionMismatch' }, 'rejected'],
    [{ status: 'UnknownVendorId' }, 'rejected'],
    [{ fileName: 'diag.zip' }, 'accepted'],
    [{ listVersion: 3 }, 'accepted'],
    [{}, 'accepted'],
  ])('%j is %s', (response, expected) => {
    expect(outcomeOf(response)).toBe(expected)
  })
})

describe('isExpired', () => {
  const now = new Date('2026-11-28T10:00:00.000Z')
  test.each([
    [null, false],
    [undefined, false],
    ['2026-11-28T09:59:59.999Z', true],
    ['2026-11-28T10:00:00.000Z', true],
    ['2026-11-28T10:00:00.001Z', false],
  ])('%s -> %s', (expiresAt, expected) => {
    expect(isExpired(expiresAt, now)).toBe(expected)
  })
})

test('retryDelayMs walks the schedule and repeats its last entry', () => {
  const schedule = [1000, 5000, 60_000]
  expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, schedule))).toEqual([1000, 5000, 60_000, 60_000, 60_000])
  expect(retryDelayMs(0, schedule)).toBe(1000)
  expect(retryDelayMs(3, [])).toBe(0)
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

describe('local lists', () => {
  const tags = [
    { idTag: 'b-tag', status: 'Blocked' },
    { idTag: 'A-TAG', status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
  ]
  test('Full lists every tag, sorted', () => {
    expect(buildLocalList('Full', tags, { OLD: { status: 'Accepted' } }).list).toEqual([
      {
        idTag: 'A-TAG',
        idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
      },
      { idTag: 'b-tag', idTagInfo: { status: 'Blocked' } },
    ])
  })
  test('Differential lists new and changed tags and removals, compared case-insensitively', () => {
    const previous = {
      'B-TAG': { status: 'Blocked' },
      'a-tag': { status: 'Accepted' },
      Gone: { status: 'Accepted' },
    }
    const { list, entries } = buildLocalList('Differential', tags, previous)
    expect(list).toEqual([
      {
        idTag: 'A-TAG',
        idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
      },
      { idTag: 'Gone' },
    ])
    expect(Object.keys(entries).sort()).toEqual(['A-TAG', 'b-tag'])
    expect(applyLocalList(previous, 'Differential', list)).toEqual({
      'B-TAG': { status: 'Blocked' },
      'A-TAG': entries['A-TAG'],
    })
  })
  test('nothing changed: an empty differential list', () => {
    const { entries } = buildLocalList('Full', tags, {})
    expect(buildLocalList('Differential', tags, entries).list).toEqual([])
  })
  test('Full replaces what the station had', () => {
    expect(
      applyLocalList({ X: { status: 'Accepted' } }, 'Full', [
        { idTag: 'Y', idTagInfo: { status: 'Blocked' } },
      ]),
    ).toEqual({
      Y: { status: 'Blocked' },
    })
  })
})

test('uploadLocationFor fills the station, URL-encoded', () => {
  expect(uploadLocationFor('ftp://u:p@h/diag/{station}/', 'CP 1/a')).toBe('ftp://u:p@h/diag/CP%201%2Fa/')
})

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
