import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import fc from 'fast-check'
import { type TSchema, Type } from 'typebox'
import { createLogger, createServiceApp } from '../../src/index.ts'
import { nullableAsTypeList, nullableAwareSerializer } from '../../src/nullable-serializer.ts'

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])
const route = { method: 'GET', url: '/x', httpStatus: '200' }
const plain = (schema: unknown) => SerializerSelector()({}, {})({ ...route, schema })
const fast = (schema: unknown) => nullableAwareSerializer({}, {})({ ...route, schema })

describe('nullableAsTypeList', () => {
  it('turns a nullable primitive into a type list and keeps its keywords', () => {
    const schema = Type.Object({ at: Nullable(Type.String({ format: 'date-time', description: 'when' })) })
    const out = nullableAsTypeList(schema as unknown) as { properties: { at: Record<string, unknown> } }
    expect(out.properties.at).toMatchObject({
      type: ['string', 'null'],
      format: 'date-time',
      description: 'when',
    })
    expect(out.properties.at.anyOf).toBeUndefined()
  })

  it('does not change the schema it was given (validation and the OpenAPI document read it)', () => {
    const schema = Type.Object({
      n: Type.Union([Type.Integer(), Type.Null()]),
      items: Type.Array(Type.Object({})),
    })
    const before = JSON.stringify(schema)
    nullableAsTypeList(schema)
    expect(JSON.stringify(schema)).toBe(before)
  })

  it('leaves unions that are not a plain primitive or null alone', () => {
    const literals = Type.Union([Type.Union([Type.Literal('1.5'), Type.Literal('1.6')]), Type.Null()])
    const object = Type.Union([Type.Object({ a: Type.String() }), Type.Null()])
    const three = Type.Union([Type.String(), Type.Integer(), Type.Null()])
    const withEnum = { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'null' }] }
    for (const schema of [literals, object, three, withEnum]) {
      expect(JSON.stringify(nullableAsTypeList(schema))).toBe(JSON.stringify(schema))
    }
  })

  it('reaches nullable primitives in arrays, nested objects and additional properties', () => {
    const schema = Type.Object({
      items: Type.Array(Type.Object({ vendor: Nullable(Type.String()) })),
      byName: Type.Record(Type.String(), Nullable(Type.Number())),
    })
    const json = JSON.stringify(nullableAsTypeList(schema))
    expect(json).not.toContain('anyOf')
    expect(json.match(/"null"\]/g)).toHaveLength(2)
  })
})

/** Instants RFC 3339 can write (four-digit years; a Date of year 10000 is not a date-time). */
const dates = fc.date({
  min: new Date('0001-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
})
const isoString = (d: Date) => d.toISOString()

/** A response schema of nullable primitives, a nested object and an array of them; and values it allows. */
const kinds = {
  string: { schema: () => Type.String(), value: fc.string() },
  dateTime: {
    schema: () => Type.String({ format: 'date-time' }),
    value: fc.oneof(dates, dates.map(isoString)),
  },
  integer: { schema: () => Type.Integer(), value: fc.integer() },
  number: { schema: () => Type.Number(), value: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  boolean: { schema: () => Type.Boolean(), value: fc.boolean() },
} as const
type Kind = keyof typeof kinds

const fieldKinds = fc.array(fc.constantFrom(...(Object.keys(kinds) as Kind[])), {
  minLength: 1,
  maxLength: 6,
})

function objectOf(fields: Kind[]) {
  const properties = Object.fromEntries(fields.map((k, i) => [`f${i}`, Nullable(kinds[k].schema() as never)]))
  const value = fc.record(
    Object.fromEntries(fields.map((k, i) => [`f${i}`, fc.option(kinds[k].value as fc.Arbitrary<unknown>)])),
  )
  return { schema: Type.Object(properties), value }
}

describe('nullableAwareSerializer against fast-json-stringify on the original schema', () => {
  it('writes the same JSON for every value the schema allows', () => {
    const cases = fc.tuple(fieldKinds, fieldKinds).chain(([outer, inner]) => {
      const item = objectOf(inner)
      const top = objectOf(outer)
      const schema = Type.Object({ ...top.schema.properties, items: Type.Array(item.schema) })
      const value = fc.tuple(top.value, fc.array(item.value, { maxLength: 4 }))
      return fc.tuple(fc.constant(schema), value)
    })
    fc.assert(
      fc.property(cases, ([schema, [top, items]]) => {
        const value = { ...top, items }
        expect(fast(schema)(value)).toBe(plain(schema)(value))
      }),
      { numRuns: 300 },
    )
  })

  it('is what a service app replies with, shared schemas included', async () => {
    const app = createServiceApp({ name: 'test', logger: createLogger({ name: 'test', level: 'silent' }) })
    app.addSchema({ $id: 'Tag', ...Type.Object({ name: Nullable(Type.String()) }) })
    const schema = Type.Object({
      at: Nullable(Type.String({ format: 'date-time' })),
      n: Type.Union([Type.Integer(), Type.Null()]),
      tag: Type.Ref('Tag'),
    })
    app.get('/x', { schema: { response: { 200: schema } } }, async (request) =>
      request.query && Object.keys(request.query).length > 0
        ? { at: '2026-01-02T00:00:00.000Z', n: 3, tag: { name: 'a' } }
        : { at: null, n: null, tag: { name: null } },
    )
    const empty = await app.inject('/x')
    const full = await app.inject('/x?full=1')
    await app.close()
    expect(empty.body).toBe('{"at":null,"n":null,"tag":{"name":null}}')
    expect(full.body).toBe('{"at":"2026-01-02T00:00:00.000Z","n":3,"tag":{"name":"a"}}')
  })
})
