import { ticksBetween } from '../src/processes.ts'

test('ticks spent between two readings of processes by pid: new ones from 0, exited ones not counted', () => {
  const before = new Map([
    [10, 100], // runs on
    [11, 50], // exits before the second reading
  ])
  const after = new Map([
    [10, 130],
    [12, 7], // started meanwhile
  ])
  expect(ticksBetween(before, after)).toBe(30 + 7)
})

test('a process whose pid came back with fewer ticks adds nothing rather than a negative', () => {
  expect(ticksBetween(new Map([[10, 100]]), new Map([[10, 40]]))).toBe(0)
})
