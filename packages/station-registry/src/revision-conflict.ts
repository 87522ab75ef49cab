/**
 * A create on an existing key, or an update/delete with a stale revision: JetStream "wrong last sequence"
 * (API error 10071, 10164 when the last sequence is unknown).
 */
export function isRevisionConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  if (code === 10071 || code === 10164) return true
  return /wrong last sequence/i.test(String((err as Error | undefined)?.message ?? err))
}
