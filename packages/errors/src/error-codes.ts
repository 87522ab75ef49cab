/**
 * What one error code means, as its package documents it. Every package keeps one such map, keyed by the
 * code itself (`BUS_ERR_CLOSED`), in its `errors.ts`; edges that answer in HTTP add their status and title.
 */
export interface ErrorCodeInfo {
  readonly meaning: string
  /** The HTTP status an HTTP edge answers with (when the package is such an edge). */
  readonly status?: number
  /** A short title for problem+json (RFC 9457). */
  readonly title?: string
}

/** The one shape of an error-code map. */
export type ErrorCodeMap = Readonly<Record<string, ErrorCodeInfo>>

/**
 * Declares a package's error codes: the map keeps its literal keys, so `keyof typeof Codes` is the union of
 * the codes.
 *
 * ### Examples
 * ```ts
 * export const BusErrorCodes = defineErrorCodes({
 *   BUS_ERR_CLOSED: { meaning: 'the bus is closed or closing' },
 * })
 * export type BusErrorCode = keyof typeof BusErrorCodes
 * ```
 */
export function defineErrorCodes<const M extends ErrorCodeMap>(codes: M): M {
  return codes
}

/** Codes used in a table row's first cell: `` | `BUS_ERR_CLOSED` | ... ``. */
function documentedCodes(markdown: string, prefix: string): Set<string> {
  const row = new RegExp(`^\\|\\s*\`(${prefix}[A-Z0-9_]+)\`\\s*\\|`)
  const out = new Set<string>()
  for (const line of markdown.split('\n')) {
    const m = row.exec(line.trim())
    if (m?.[1] !== undefined) out.add(m[1])
  }
  return out
}

/**
 * Compares a map with the tables of a README (like fastify's `test/internals/errors.test.js`): `missing`
 * are codes without a row of their own, `unknown` are rows for codes the map does not have. Both empty:
 * the docs say what the code does.
 *
 * ### Examples
 * ```ts
 * expect(errorCodeDocGaps(BusErrorCodes, readme, 'BUS_ERR_')).toEqual({ missing: [], unknown: [] })
 * ```
 */
export function errorCodeDocGaps(
  codes: ErrorCodeMap,
  markdown: string,
  prefix: string,
): { missing: string[]; unknown: string[] } {
  const documented = documentedCodes(markdown, prefix)
  const known = Object.keys(codes)
  return {
    missing: known.filter((c) => !documented.has(c)).sort(),
    unknown: [...documented].filter((c) => !(c in codes)).sort(),
  }
}
