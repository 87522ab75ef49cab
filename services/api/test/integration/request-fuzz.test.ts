import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import fc from 'fast-check'
import { corpusJson, fuzzRuns } from '../../../../test/support/corpus.ts'
import { issueApiKey } from '../../src/data-access/api-keys.ts'
import { expectContractKept, startTestApi, type TestApi } from '../support/api.ts'
import { type JsonSchema, valueFor } from '../support/json-schema-arbitrary.ts'
import { aStation } from '../support/seed.ts'

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv

const SLOW = 60_000
let api: TestApi
let key: string
const routes: Route[] = []

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema?: JsonSchema
}
interface Route {
  method: string
  path: string
  params: Parameter[]
  body?: JsonSchema
  /** An oracle independent of the app: a plain ajv (no coercion) compiled from the published body schema. */
  validBody?: ValidateFunction
}

/** One request as fast-check builds it (and as corpus entries record it). */
interface FuzzRequest {
  method: string
  url: string
  /** The JSON body as text, possibly not JSON at all. */
  payload?: string
  /** Corpus entries only: the status the request must get. */
  expectStatus?: number
}

/** A station that exists, so path values reach past the 404 into the routes' own checks. */
const STATION = 'FUZZ-CP-1'

// Routes left out: the SSE stream never ends, and ?wait holds a command request for seconds by design.
const SKIP = new Set(['GET /v1/events'])
const SKIP_QUERY = new Set(['wait'])

beforeAll(async () => {
  api = await startTestApi({ API_RATE_LIMIT_MAX: '100000' })
  key = (await issueApiKey(api.deps.db, { name: 'fuzz', scopes: ['read', 'write', 'admin', 'bi'] })).key
  await aStation(api.deps.db, STATION)
  const doc = (await api.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }
      >
    >
  }
  const oracle = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false }))
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const m = method.toUpperCase()
      if (SKIP.has(`${m} ${path}`)) continue
      const body = op.requestBody?.content['application/json']?.schema
      if (op.requestBody && !body) continue // uploads (octet-stream): not JSON
      routes.push({
        method: m,
        path,
        params: op.parameters ?? [],
        ...(body ? { body, validBody: oracle.compile(body as object) } : {}),
      })
    }
  }
}, SLOW)

afterAll(async () => {
  expectContractKept(api)
  await api?.close()
}, SLOW)

// Path values, percent-encoded: text, or any bytes (%00, invalid UTF-8 such as %ED%A0%80). `.` and `..` are left
// out: the URL resolves them before routing, so they name another route.
const pathValue = fc.oneof(
  fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
      fc.constantFrom(STATION, STATION, '0', '-1', '1', '99999999999999999999', '1.5', '%', 'null', ' '),
      fc.uuid(),
    )
    .filter((v) => v !== '.' && v !== '..')
    .map((v) => encodeURIComponent(v)),
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .filter((bytes) => !bytes.every((b) => b === 0x2e) || bytes.length > 2)
    .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
)

function requestFor(route: Route): fc.Arbitrary<FuzzRequest> {
  const pathParts = route.params.filter((p) => p.in === 'path')
  const query = route.params.filter((p) => p.in === 'query' && !SKIP_QUERY.has(p.name))
  const path = fc
    .tuple(...pathParts.map(() => pathValue))
    .map((values) =>
      pathParts.reduce((acc, p, i) => acc.replace(`{${p.name}}`, values[i] as string), route.path),
    )
  const queryValue = (p: Parameter) =>
    fc.oneof(
      valueFor(p.schema ?? {}).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      fc.string({
        maxLength: 20,
        unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
      }),
    )
  const qs = fc
    .record(Object.fromEntries(query.map((p) => [p.name, queryValue(p)])), { requiredKeys: [] })
    .map((q) => new URLSearchParams(q as Record<string, string>).toString())
  const payload: fc.Arbitrary<string | undefined> = route.body
    ? fc.oneof(
        { weight: 6, arbitrary: valueFor(route.body).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
      )
    : fc.constant(undefined)
  return fc.tuple(path, qs, payload).map(([p, q, body]) => ({
    method: route.method,
    url: q ? `${p}?${q}` : p,
    ...(body === undefined ? {} : { payload: body }),
  }))
}

function parsedJson(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (text === undefined) return { ok: false }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/**
 * Any request gets an answer below 500, every refusal is `application/problem+json` whose `status` is the HTTP
 * status, and a body the published schema refuses is a 400 naming the field (never reaches a handler).
 */
async function expectHandled(req: FuzzRequest, route?: Route): Promise<void> {
  const res = await api.request(req.method, req.url, {
    key,
    ...(req.payload === undefined
      ? {}
      : { payload: req.payload, headers: { 'content-type': 'application/json' } }),
  })
  expect(res.status).toBeLessThan(500)
  if (req.expectStatus !== undefined) expect(res.status).toBe(req.expectStatus)
  if (res.status >= 400) {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json).toMatchObject({
      status: res.status,
      code: expect.any(String),
      title: expect.any(String),
    })
  }
  if (route?.validBody && req.payload !== undefined) {
    const body = parsedJson(req.payload)
    if (!body.ok || !route.validBody(body.value)) {
      expect(res.status).toBe(400)
      expect(['API_ERR_VALIDATION', 'API_ERR_BAD_REQUEST']).toContain(res.json.code)
      expect(res.json.detail.length).toBeGreaterThan(0)
    }
  }
}

const RUNS = fuzzRuns(15)

describe('random requests through the real app: never a 5xx, invalid input is a 400 problem', () => {
  test('the published document has routes to fuzz', () => {
    expect(routes.length).toBeGreaterThan(30)
    expect(routes.filter((r) => r.body).length).toBeGreaterThanOrEqual(5)
  })

  // test.each needs the routes before the app is up: read them by name from a lazy list.
  test(
    'every route of the published OpenAPI document',
    async () => {
      for (const route of routes) {
        await fc.assert(
          fc.asyncProperty(requestFor(route), (req) => expectHandled(req, route)),
          RUNS,
        )
      }
    },
    SLOW * 2,
  )
})

describe('hostile API corpus (found by fuzzing or written by hand), replayed', () => {
  test.each(corpusJson<FuzzRequest>('api'))('%s', async (_name, req) => {
    const route = routes.find(
      (r) =>
        r.method === req.method &&
        new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?|$)`).test(req.url),
    )
    await expectHandled(req, route)
  })
})
