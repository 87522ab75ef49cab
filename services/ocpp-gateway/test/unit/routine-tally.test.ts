import { createRoutineTally } from '../../src/commands/routine-tally.ts'

test('counts quietly within the interval, then hands back one summary and starts again', () => {
  let now = Date.parse('2026-12-06T10:00:00Z')
  const tally = createRoutineTally(() => new Date(now), 60_000)
  for (let i = 0; i < 11_180; i++) expect(tally.count('expired')).toBeUndefined()
  expect(tally.count('accepted')).toBeUndefined()
  now += 60_000
  expect(tally.count('expired')).toEqual({
    since: '2026-12-06T10:00:00.000Z',
    counts: { expired: 11_181, accepted: 1 },
    total: 11_182,
  })
  now += 1_000
  expect(tally.count('rejected')).toBeUndefined()
  now += 59_000
  expect(tally.count('rejected')).toEqual({
    since: '2026-12-06T10:01:00.000Z',
    counts: { rejected: 2 },
    total: 2,
  })
})
