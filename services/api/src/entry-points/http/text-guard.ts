import type { FastifyRequest } from 'fastify'
import { type FieldError, ValidationFailed } from '../../domain/errors.ts'

// NUL is valid JSON (`"\u0000"`) and valid in a URL (`%00`), but Postgres text cannot hold it (the INSERT or the
// query fails: a 500); a lone UTF-16 surrogate would be stored as U+FFFD. Both found by the request fuzz test.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function unstorable(value: unknown, path: readonly string[], out: FieldError[]): void {
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value))
      out.push({ name: path.join('.'), reason: 'contains a NUL character or a lone UTF-16 surrogate' })
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) unstorable(v, [...path, String(i)], out)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) unstorable(v, [...path, k], out)
  }
}

/**
 * A `preValidation` hook: refuses (400, naming the field) path, query and body text that no string column can
 * store, before any route reads it. Field names as validation names them: `idTag`, `limit`, `stationId`.
 *
 * ### Examples
 * ```ts
 * v1.addHook('preValidation', refuseUnstorableText)
 * ```
 */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  const errors: FieldError[] = []
  for (const part of [request.params, request.query, request.body]) unstorable(part, [], errors)
  if (errors.length > 0) throw new ValidationFailed(errors)
}
