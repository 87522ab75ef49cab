import {
  expiryTimerMs,
  ftpGrantExpiry,
  ftpLocation,
  isExpired,
  isWaitingNoteFresh,
  outcomeOf,
  retryDelayMs,
  streamOrderIndex,
  uploadLocationFor,
  wakeDelayMs,
} from '../../src/commands/domain/delivery-rules.ts'

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

describe('expiryTimerMs', () => {
  const now = new Date('2026-11-28T10:00:00.000Z')
  test.each([
    ['in 5 s', '2026-11-28T10:00:05.000Z', 5000],
    ['now', '2026-11-28T10:00:00.000Z', 0],
    ['passed', '2026-11-28T09:00:00.000Z', 0],
    ['beyond what setTimeout can wait', '2027-11-28T10:00:00.000Z', 2_147_483_647],
  ])('%s -> %i ms', (_name, expiresAt, expected) => {
    expect(expiryTimerMs(new Date(expiresAt), now)).toBe(expected)
  })
})

describe('streamOrderIndex', () => {
  const queue = [{ seq: 3 }, { seq: 7 }, { seq: 9 }]
  test.each([
    ['the newest goes last', 12, 3],
    ['a redelivered older one goes before newer ones', 5, 1],
    ['the oldest goes first', 1, 0],
    ['the same sequence goes after the one already there', 7, 2],
  ])('%s', (_name, seq, expected) => {
    expect(streamOrderIndex(queue, seq)).toBe(expected)
  })
  test('an empty queue', () => {
    expect(streamOrderIndex([], 4)).toBe(0)
  })
})

describe('isWaitingNoteFresh', () => {
  const staleMs = 300_000
  const now = 1_000_000
  test.each([
    ['touched a moment ago for the same reason', now - 1_000, 'COMMAND_ERR_ORDER_WAIT', true],
    ['touched a moment ago for another reason', now - 1_000, 'COMMAND_ERR_NO_ENDPOINT', false],
    ['touched a third of the stale time ago', now - staleMs / 3, 'COMMAND_ERR_ORDER_WAIT', false],
    ['never touched', 0, 'COMMAND_ERR_ORDER_WAIT', false],
  ])('%s -> %s', (_name, touchedAtMs, lastCode, expected) => {
    expect(
      isWaitingNoteFresh({ touchedAtMs, errorCode: lastCode }, 'COMMAND_ERR_ORDER_WAIT', now, staleMs),
    ).toBe(expected)
  })
  test('a row with no reason recorded yet is touched', () => {
    expect(
      isWaitingNoteFresh({ touchedAtMs: now, errorCode: null }, 'COMMAND_ERR_ORDER_WAIT', now, staleMs),
    ).toBe(false)
  })
})

test('uploadLocationFor fills the station, URL-encoded', () => {
  expect(uploadLocationFor('ftp://u:p@h/diag/{station}/', 'CP 1/a')).toBe('ftp://u:p@h/diag/CP%201%2Fa/')
})

describe('one-time FTP locations', () => {
  test('credentials go into the userinfo encoded; an upload names the root, a download the image', () => {
    const credentials = { user: 'grant-0a1b', password: 'p/q:r@s' }
    expect(ftpLocation('ftp://ftp.example.com:2121', credentials)).toBe(
      'ftp://grant-0a1b:p%2Fq%3Ar%40s@ftp.example.com:2121/',
    )
    expect(ftpLocation('ftps://ftp.example.com/', credentials, 'fw-2.0.bin')).toBe(
      'ftps://grant-0a1b:p%2Fq%3Ar%40s@ftp.example.com/fw-2.0.bin',
    )
    const parsed = new URL(ftpLocation('ftp://h:21', credentials, 'a b'))
    expect([decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)]).toEqual([
      credentials.user,
      credentials.password,
    ])
    expect(parsed.pathname).toBe('/a%20b')
  })

  test('credentials last the TTL from now, or from a later retrieveDate', () => {
    const now = new Date('2032-07-01T00:00:00Z')
    expect(ftpGrantExpiry(now, 60_000).toISOString()).toBe('2032-07-01T00:01:00.000Z')
    expect(ftpGrantExpiry(now, 60_000, '2032-07-08T00:00:00Z').toISOString()).toBe('2032-07-08T00:01:00.000Z')
    expect(ftpGrantExpiry(now, 60_000, '2032-06-01T00:00:00Z').toISOString()).toBe('2032-07-01T00:01:00.000Z')
    expect(ftpGrantExpiry(now, 60_000, 'not a date').toISOString()).toBe('2032-07-01T00:01:00.000Z')
  })
})

describe('wakeDelayMs', () => {
  test.each([
    [10_000, 12_000, 5_000, 3_000],
    [10_000, 15_000, 5_000, 0],
    [10_000, 99_000, 5_000, 0],
    [0, 1, 5_000, 4_999],
    [10_000, 10_000, 0, 0],
  ])('last attempt %d, now %d, spacing %d -> %d', (last, now, min, expected) => {
    expect(wakeDelayMs(last, now, min)).toBe(expected)
  })
})
