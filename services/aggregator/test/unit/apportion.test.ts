import { apportion } from '../../src/domain/apportion.ts'

test.each([
  [10, [1, 1, 1], [4, 3, 3]],
  [7, [0.5, 2.5], [1, 6]],
  [2, [1, 1, 1], [1, 1, 0]],
  [5, [0, 3, 0, 1], [0, 4, 0, 1]],
  [3, [0.1, 0.1, 0.1], [1, 1, 1]],
  [0, [1, 2], [0, 0]],
  [9, [], []],
  [9, [0, -1, Number.NaN], [0, 0, 0]],
] as const)('apportion(%i, %j) is %j', (total, shares, expected) => {
  expect(apportion(total, shares)).toEqual(expected)
})

test('each part is the floor or the ceiling of its exact share, and they add up exactly', () => {
  const shares = [0.3, 1.7, 2.2, 0.05, 5.75]
  const total = 1234
  const parts = apportion(total, shares)
  const sum = shares.reduce((a, b) => a + b, 0)
  expect(parts.reduce((a, b) => a + b, 0)).toBe(total)
  parts.forEach((p, i) => {
    const exact = ((shares[i] ?? 0) * total) / sum
    expect(p === Math.floor(exact) || p === Math.ceil(exact)).toBe(true)
  })
})
