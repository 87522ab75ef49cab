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

export type CursorPart = 'string' | 'number'

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
    if (typeof part !== shape[i]) throw invalid()
  })
  return key as Array<string | number>
}

function invalid(): ValidationFailed {
  return new ValidationFailed([
    { name: 'cursor', reason: 'is not a cursor of this listing (use the next link as given)' },
  ])
}
