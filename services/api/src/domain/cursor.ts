import { ValidationFailed } from './errors.ts'

/**
 * Opaque pagination cursors: base64url of `[kind, ...sort key]` (the sort key ends with the row's id, so the
 * order is total and stable). `kind` ties a cursor to the listing that made it: a cursor from another
 * listing, or a tampered one, is a validation error naming `cursor`.
 *
 * ### Examples
 * ```ts
 * const next = encodeCursor('stations', ['CP-0042'])
 * const [id] = decodeCursor('stations', next, ['string'])
 * ```
 */
export function encodeCursor(kind: string, key: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify([kind, ...key]), 'utf8').toString('base64url')
}

/**
 * What each part of a cursor must be. The values go into SQL casts (`::timestamptz`, `::uuid`, `::integer`):
 * a forged cursor must fail here, as a 400, never there as a 500.
 */
export type CursorPart = 'string' | 'number' | 'timestamp' | 'uuid' | 'integer' | 'sequence'

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const INT32 = 2_147_483_647

const PART_CHECKS: Record<CursorPart, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  timestamp: (v) => typeof v === 'string' && ISO_TIMESTAMP.test(v) && Number.isFinite(Date.parse(v)),
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  integer: (v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= INT32,
  // A JetStream stream sequence (uint64 on the server; exact in a number up to 2^53).
  sequence: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
}

export function decodeCursor(
  kind: string,
  cursor: string,
  shape: readonly CursorPart[],
): Array<string | number> {
  let value: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url')
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  if (!Array.isArray(value) || value[0] !== kind || value.length !== shape.length + 1) throw invalid()
  const key = value.slice(1) as unknown[]
  key.forEach((part, i) => {
    const kindOfPart = shape[i]
    if (kindOfPart === undefined || !PART_CHECKS[kindOfPart](part)) throw invalid()
  })
  return key as Array<string | number>
}

function invalid(): ValidationFailed {
  return new ValidationFailed([
    { name: 'cursor', reason: 'is not a cursor of this listing (use the next link as given)' },
  ])
}
