import type { TObject, TSchema } from 'typebox'
import { TEXT_PROPERTY, xsdOf } from '../../src/xsd/xsd-types.ts'

/** `full`: every optional field, lists of two, extreme values and characters that need escaping; `minimal`: required only. */
export type SampleMode = 'full' | 'minimal'

const TRICKY = 'a & b<c>"d"\'e\'ü'

function text(maxLength: number | undefined, mode: SampleMode): string {
  if (mode === 'minimal') return 'x'
  if (maxLength === undefined) return TRICKY
  return `${TRICKY}${'z'.repeat(Math.max(0, maxLength - [...TRICKY].length))}`.slice(0, maxLength)
}

function leaf(schema: TSchema, mode: SampleMode): unknown {
  const s = schema as { maxLength?: number; enum?: string[] }
  switch (xsdOf(schema).xsd) {
    case 'int':
      return mode === 'full' ? 2147483647 : -1
    case 'decimal':
      return mode === 'full' ? 32.5 : 0
    case 'boolean':
      return mode === 'full'
    case 'dateTime':
      return mode === 'full' ? '2026-11-26T10:00:00.123Z' : '2026-02-28T23:59:59.000Z'
    case 'anyURI':
      return mode === 'full' ? 'ftp://user@example.com/diag?x=1&y=2' : 'http://x'
    case 'enum':
      return mode === 'full' ? s.enum?.at(-1) : s.enum?.[0]
    default:
      return text(s.maxLength, mode)
  }
}

/**
 * Builds a schema-valid payload from a schema alone, so round trips and XSD validation cover every operation
 * without hand-written twins of the WSDL.
 */
export function sampleOf(schema: TSchema, mode: SampleMode): unknown {
  const kind = xsdOf(schema).xsd
  if (kind !== 'sequence' && kind !== 'simpleContent') return leaf(schema, mode)
  const obj = schema as TObject
  const required = new Set(obj.required ?? [])
  const out: Record<string, unknown> = {}
  for (const [key, prop] of Object.entries(obj.properties)) {
    if (!required.has(key) && mode === 'minimal') continue
    const p = prop as TSchema & { type?: string; items?: TSchema; minItems?: number; maxItems?: number }
    if (p.type === 'array') {
      const count = mode === 'full' ? Math.min(2, p.maxItems ?? 2) : Math.max(1, p.minItems ?? 0)
      out[key] = Array.from({ length: count }, () => sampleOf(p.items as TSchema, mode))
    } else {
      out[key] =
        key === TEXT_PROPERTY && kind === 'simpleContent'
          ? mode === 'full'
            ? '1250.5'
            : '0'
          : sampleOf(p, mode)
    }
  }
  return out
}
