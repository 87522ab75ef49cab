import fc from 'fast-check'

/** The JSON Schema keywords the API's published request schemas use. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  format?: string
  pattern?: string
}

function stringFor(s: JsonSchema): fc.Arbitrary<string> {
  switch (s.format) {
    case 'date-time':
      return fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString())
    case 'uri':
      return fc.webUrl()
    case 'uuid':
      return fc.uuid()
  }
  const size = { minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 80) }
  // Mostly readable text; sometimes any UTF-16 units (control characters, lone surrogates: valid JSON escapes).
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', ...size }) },
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), ...size }),
  )
}

/**
 * Values shaped by a request schema, most of them valid, with `noise` (any JSON) mixed in at every level so
 * near-valid bodies with one bad field are common: the inputs where validation and handlers disagree.
 */
export function valueFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const noise = fc.jsonValue({ maxDepth: 2 })
  const shaped = shapedFor(schema, depth)
  return depth > 4 ? shaped : fc.oneof({ weight: 5, arbitrary: shaped }, { weight: 1, arbitrary: noise })
}

function shapedFor(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const)
  if (s.enum) return fc.constantFrom(...s.enum)
  const branches = s.anyOf ?? s.oneOf
  if (branches?.length) return fc.oneof(...branches.map((b) => valueFor(b, depth + 1)))
  const type = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type]
  if (type.length > 1) return fc.oneof(...type.map((t) => shapedFor({ ...s, type: t }, depth)))
  switch (type[0]) {
    case 'string':
      return stringFor(s)
    case 'integer':
      return fc.oneof(
        fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1_000_000 }),
        fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, -(2 ** 53)),
      )
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(valueFor(s.items ?? {}, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 4, 4),
      })
    case 'object': {
      const props = s.properties ?? {}
      const shaped = fc.record(
        Object.fromEntries(Object.entries(props).map(([k, p]) => [k, valueFor(p, depth + 1)])),
        { requiredKeys: s.required ?? [] },
      )
      // Sometimes a field nobody declared, or a required one missing.
      return fc.oneof(
        { weight: 4, arbitrary: shaped },
        fc.tuple(shaped, fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })).map(([o, k, v]) => ({
          ...(o as object),
          [k]: v,
        })),
        fc.tuple(shaped, fc.nat()).map(([o, i]) => {
          const keys = Object.keys(o as object)
          const out = { ...(o as Record<string, unknown>) }
          if (keys.length) delete out[keys[i % keys.length] as string]
          return out
        }),
      )
    }
  }
  return fc.jsonValue({ maxDepth: 2 })
}
