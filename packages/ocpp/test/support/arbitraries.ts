import fc from 'fast-check'
import type { TObject, TSchema } from 'typebox'
import { TEXT_PROPERTY, xsdOf } from '../../src/xsd/xsd-types.ts'

// Code points an XML 1.0 document can carry (the Char production), astral ones included; \t \n \r among them.
const xmlCodePoint = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constantFrom(0x09, 0x0a, 0x0d) },
  { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
)
const xmlChar = xmlCodePoint.map((cp) => String.fromCodePoint(cp))

/**
 * Text an OCPP string field can carry and read back unchanged: XML characters (with `&<>"`, CR, tabs and astral
 * ones), at most `maxLength` code points, no whitespace at either end (the codec trims fields on reading, on
 * purpose: stations pad them).
 */
export function xmlText(maxLength = 40, minLength = 0): fc.Arbitrary<string> {
  // Short texts, and texts at the limit (where length checks and cuts go wrong).
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.array(xmlChar, { minLength, maxLength }) },
      fc.array(xmlChar, { minLength: Math.max(minLength, maxLength - 3), maxLength, size: 'max' }),
    )
    .map((chars) => chars.join(''))
    .filter((s) => s.trim() === s && (minLength === 0 || s.length > 0))
}

/** A decimal that has an exact decimal text: finite, not -0, at most `fractionDigits` digits after the point. */
function decimal(fractionDigits: number | undefined): fc.Arbitrary<number> {
  const scale = 10 ** (fractionDigits ?? 3)
  const fits = (n: number) => fractionDigits === undefined || Number(n.toFixed(fractionDigits)) === n
  return fc
    .oneof(
      fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map((n) => n / scale),
      // Whole doubles up to 1.8e308, and (without a digit limit) tiny ones: the exponent range of a double.
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter(fits),
    )
    .filter((n) => !Object.is(n, -0))
}

const dateTime = fc
  .date({
    min: new Date('0001-01-01T00:00:00.000Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString())

function leaf(schema: TSchema): fc.Arbitrary<unknown> {
  const s = schema as { maxLength?: number; enum?: string[] }
  const x = xsdOf(schema)
  switch (x.xsd) {
    case 'int':
      return fc.integer({ min: -2147483648, max: 2147483647 })
    case 'decimal':
      return decimal(x.fractionDigits)
    case 'boolean':
      return fc.boolean()
    case 'dateTime':
      return dateTime
    case 'anyURI':
      return fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), xmlText(60, 1))
    case 'enum':
      return fc.constantFrom(...(s.enum ?? []))
    default:
      // xs:string without a limit: up to 120, past the limits the other version may have.
      return xmlText(s.maxLength ?? 120)
  }
}

/**
 * Every schema-valid payload of an OCPP schema (built with `xs`), from the schema alone: optional fields
 * present or absent, repeated elements from their minimum to a few, every XSD leaf over its whole range.
 */
export function payloadOf(schema: TSchema): fc.Arbitrary<unknown> {
  const kind = xsdOf(schema).xsd
  if (kind !== 'sequence' && kind !== 'simpleContent') return leaf(schema)
  const obj = schema as TObject
  const fields: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [key, prop] of Object.entries(obj.properties)) {
    const p = prop as TSchema & { type?: string; items?: TSchema; minItems?: number; maxItems?: number }
    if (p.type === 'array') {
      // An empty list is no element on the wire, the same as an absent field: absent covers it.
      const minLength = Math.max(1, p.minItems ?? 0)
      fields[key] = fc.array(payloadOf(p.items as TSchema), {
        minLength,
        maxLength: Math.min(p.maxItems ?? minLength + 3, minLength + 3),
      })
    } else {
      fields[key] = key === TEXT_PROPERTY && kind === 'simpleContent' ? leaf(p) : payloadOf(p)
    }
  }
  return fc.record(fields, { requiredKeys: (obj.required ?? []) as string[] })
}

/** A station identity as stations send it: a non-empty trimmed string. */
export const identity = xmlText(48, 1)
