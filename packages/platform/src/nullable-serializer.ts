import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Schema = Record<string | symbol, unknown>

const PRIMITIVE_TYPES: ReadonlySet<unknown> = new Set(['string', 'number', 'integer', 'boolean'])
/** Keywords that do not change how fast-json-stringify writes a primitive (annotations and constraints). */
const PLAIN_KEYWORDS: ReadonlySet<string> = new Set([
  'type',
  'format',
  'description',
  'title',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
])
/** Where a schema holds sub-schemas, by the shape of the value. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'] as const
const SCHEMA_LISTS = ['anyOf', 'allOf', 'oneOf', 'prefixItems'] as const
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'] as const

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `{ anyOf: [P, { type: 'null' }] }` (either order) with P a plain primitive schema: P's schema, or undefined. */
function nullablePrimitive(schema: Schema): Schema | undefined {
  const anyOf = schema.anyOf
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return undefined
  const nullAt = anyOf.findIndex((s) => isSchema(s) && s.type === 'null' && Object.keys(s).length === 1)
  if (nullAt === -1) return undefined
  const other = anyOf[1 - nullAt]
  if (!isSchema(other) || !PRIMITIVE_TYPES.has(other.type)) return undefined
  return Object.keys(other).every((k) => PLAIN_KEYWORDS.has(k)) ? other : undefined
}

/**
 * A copy of a response schema in which every `anyOf: [primitive, null]` (TypeBox's `Union([T, Null()])`, our
 * `Nullable`) is the equivalent `type: [T, 'null']`. fast-json-stringify writes an `anyOf` by running an ajv
 * validation of each value against each branch (with its formats: a date-time check per nullable timestamp,
 * ~7% of a 100-row page's CPU), a type list with a `null` test. A wrong type still fails the reply; a nullable
 * field's format is then no longer checked, as it never is on a field that is not nullable. The original is not
 * changed: validation and the OpenAPI document keep the `anyOf`.
 */
export function nullableAsTypeList<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(nullableAsTypeList) as T
  if (!isSchema(schema)) return schema
  const primitive = nullablePrimitive(schema)
  if (primitive !== undefined) {
    const { anyOf: _, ...rest } = schema
    return { ...rest, ...primitive, type: [primitive.type, 'null'] } as T
  }
  const copy: Schema = { ...schema }
  for (const key of SCHEMA_MAPS) {
    const map = schema[key]
    if (isSchema(map)) {
      copy[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, nullableAsTypeList(v)]))
    }
  }
  for (const key of SCHEMA_LISTS) {
    if (Array.isArray(schema[key])) copy[key] = (schema[key] as unknown[]).map(nullableAsTypeList)
  }
  for (const key of SCHEMA_VALUES) {
    if (isSchema(schema[key]) || Array.isArray(schema[key])) copy[key] = nullableAsTypeList(schema[key])
  }
  return copy as T
}

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Fastify's own serializer compiler (fast-json-stringify), given every route's response schema and every shared
 * schema through `nullableAsTypeList`: the same JSON for every value the schema allows, faster.
 */
export const nullableAwareSerializer: SerializerFactory = (externalSchemas, serializerOpts) => {
  const shared = Object.fromEntries(
    Object.entries((externalSchemas ?? {}) as Record<string, unknown>).map(([id, s]) => [
      id,
      nullableAsTypeList(s),
    ]),
  )
  const compile = SerializerSelector()(shared, serializerOpts)
  return (route) => compile({ ...route, schema: nullableAsTypeList(route.schema) })
}
