import { median } from '../src/stats.ts'

test.each([
  [[], Number.NaN],
  [[3], 3],
  [[5, 1], 3],
  [[2, 9, 4], 4],
  [[4, 1, 3, 2], 2.5],
  [[7, 7, 1, 7], 7],
  [[0.3, -2, 10, 0.1, 5], 0.3],
])('median(%j) = %d', (values, expected) => {
  const given = [...values]
  expect(median(values)).toBe(expected)
  expect(values).toEqual(given) // sorted on a copy
})
