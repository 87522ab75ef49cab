import {
  globMatcher,
  type ListedFile,
  nextPollAt,
  pulledFileKey,
  selectFilesToPull,
} from '../../src/domain/pull-files.ts'

const aFile = (over: Partial<ListedFile> = {}): ListedFile => ({
  name: 'meter.csv',
  size: 100,
  mtime: '2026-12-01T08:00:00.000Z',
  ...over,
})
const rules = { stationId: 'CP-1', maxFileBytes: 1000 }

describe('selectFilesToPull', () => {
  test('a file is new unless the same name, size and mtime were pulled', () => {
    const pulled = new Set([pulledFileKey(aFile())])
    const listed = [
      aFile(),
      aFile({ size: 101 }),
      aFile({ mtime: '2026-12-02T08:00:00.000Z' }),
      aFile({ name: 'other.csv' }),
    ]
    expect(selectFilesToPull(listed, pulled, rules)).toEqual({ download: listed.slice(1), skipped: [] })
  })

  test.each([
    ['../escape.csv', 'bad-name'],
    ['line\nbreak.csv', 'bad-name'],
    ['CP-1/nested.csv', 'bad-name'],
    ['x'.repeat(256), 'bad-name'],
  ])('%j is skipped as %s', (name, reason) => {
    const { download, skipped } = selectFilesToPull([aFile({ name })], new Set(), rules)
    expect(download).toEqual([])
    expect(skipped).toEqual([expect.objectContaining({ reason })])
  })

  test('a file over the limit is skipped; one at the limit is pulled', () => {
    const { download, skipped } = selectFilesToPull(
      [aFile({ name: 'big', size: 1001 }), aFile({ name: 'fits', size: 1000 })],
      new Set(),
      rules,
    )
    expect(download.map((f) => f.name)).toEqual(['fits'])
    expect(skipped).toEqual([
      expect.objectContaining({ reason: 'too-large', file: expect.objectContaining({ name: 'big' }) }),
    ])
  })
})

describe('globMatcher', () => {
  test.each([
    ['meter-*.csv', 'meter-2026-12-06.csv', true],
    ['meter-*.csv', 'meter-.csv', true],
    ['meter-*.csv', 'meter-1.csv.tmp', false],
    ['meter-*.csv', 'xmeter-1.csv', false],
    ['log?.txt', 'log1.txt', true],
    ['log?.txt', 'log12.txt', false],
    ['a.b', 'axb', false],
    ['(x)+[y]{2}|z^$\\', '(x)+[y]{2}|z^$\\', true],
    ['*', 'anything at all', true],
  ])('%j on %j: %s', (glob, name, expected) => {
    expect(globMatcher(glob)(name)).toBe(expected)
  })
})

describe('nextPollAt', () => {
  const at = new Date('2026-12-06T10:00:00Z')
  const minutesAfter = (d: Date) => (d.getTime() - at.getTime()) / 60_000
  test('one interval after a poll that worked or the first failure, then doubling, capped', () => {
    expect(
      [0, 1, 2, 3, 4, 6, 7, 20].map((failures) => minutesAfter(nextPollAt(at, 60_000, failures))),
    ).toEqual([1, 1, 2, 4, 8, 32, 32, 32])
  })
  test('a long interval backs off by at most an hour', () => {
    expect(minutesAfter(nextPollAt(at, 3_600_000, 5))).toBe(120)
  })
})
