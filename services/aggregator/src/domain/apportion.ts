/**
 * Largest-remainder rounding: whole numbers, one per share, that add up to `total` exactly, each the floor or
 * the ceiling of its share scaled to `total`. Shares are non-negative reals (negative or non-finite ones count
 * as 0 and get nothing); the leftover units go to the largest fractional remainders, ties to the earlier share,
 * so the result depends only on the shares' values and order. With no positive share, everything is 0.
 *
 * ### Examples
 * ```ts
 * apportion(10, [1, 1, 1]) // [4, 3, 3]
 * apportion(7, [0.5, 2.5]) // [1, 6]  (scaled: 1.17 and 5.83)
 * ```
 */
export function apportion(total: number, shares: readonly number[]): number[] {
  const clean = shares.map((s) => (Number.isFinite(s) && s > 0 ? s : 0))
  const sum = clean.reduce((a, b) => a + b, 0)
  if (sum === 0 || total === 0) return clean.map(() => 0)
  const parts = clean.map((share, i) => {
    const exact = (share * total) / sum
    return { i, share, units: Math.floor(exact), rem: exact - Math.floor(exact) }
  })
  const takers = parts.filter((p) => p.share > 0).sort((a, b) => b.rem - a.rem || a.i - b.i)
  let left = total - parts.reduce((a, p) => a + p.units, 0)
  // Float error could leave `left` just outside [0, takers.length]; cycling keeps the sum exact regardless.
  for (let k = 0; left > 0; k++, left--) {
    const p = takers[k % takers.length]
    if (p) p.units++
  }
  for (let k = takers.length - 1; left < 0; k = (k - 1 + takers.length) % takers.length) {
    const p = takers[k]
    if (p && p.units > 0) {
      p.units--
      left++
    }
  }
  return parts.map((p) => p.units)
}
