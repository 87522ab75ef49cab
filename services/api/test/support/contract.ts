import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv

/*
 * The contract check: every response a test sees is compared with the published OpenAPI document
 * (`GET /openapi.json`): the path and method exist, the status is documented (exactly, or as 4XX/5XX),
 * the media type is one the document lists, and a JSON body matches its schema. Unknown routes must
 * answer the Problem schema. Tests collect mismatches and fail in afterAll when there is any.
 */

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>
  components?: { schemas?: Record<string, unknown> }
}
interface ResponseObject {
  description?: string
  content?: Record<string, { schema?: unknown }>
}

export interface ObservedResponse {
  method: string
  url: string
  status: number
  contentType: string | undefined
  body: string
}

/** Paths outside the API contract (platform routes and the docs themselves). */
const UNDOCUMENTED = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/openapi\.json$/, /^\/docs(\/|$)/]

export class ContractChecker {
  readonly mismatches: string[] = []
  checked = 0
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
  private readonly routes: Array<{ pattern: RegExp; template: string }>
  private readonly validators = new Map<unknown, ReturnType<Ajv['compile']>>()
  private readonly problem: unknown
  private readonly doc: OpenApiDoc

  constructor(doc: OpenApiDoc) {
    this.doc = doc
    this.routes = Object.keys(doc.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }))
    const anyOp = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops))
      .find((op) => op.responses['4XX'] !== undefined)
    this.problem = anyOp?.responses['4XX']?.content?.['application/problem+json']?.schema
    if (this.problem === undefined) throw new Error('the document has no problem+json 4XX response')
  }

  check(r: ObservedResponse): void {
    this.checked++
    const path = new URL(r.url, 'http://x').pathname
    if (UNDOCUMENTED.some((p) => p.test(path))) return
    const where = `${r.method} ${r.url} -> ${r.status}`
    const route = this.routes.find((x) => x.pattern.test(path))
    const op = route === undefined ? undefined : this.doc.paths[route.template]?.[r.method.toLowerCase()]
    if (op === undefined) {
      // Unknown routes (and methods) must still be problems.
      if (r.status !== 404 && r.status !== 401 && r.status !== 405) this.fail(where, 'undocumented route')
      this.body(where, r, this.problem, 'application/problem+json')
      return
    }
    const response =
      op.responses[String(r.status)] ?? op.responses[`${String(r.status)[0]}XX`] ?? op.responses.default
    if (response === undefined) {
      this.fail(where, `status ${r.status} is not documented`)
      return
    }
    if (r.status === 204 || r.status === 304) {
      if (r.body !== '') this.fail(where, 'a body on 204/304')
      return
    }
    const content = response.content ?? {}
    const media = (r.contentType ?? '').split(';')[0]?.trim() ?? ''
    const entry = content[media]
    if (entry === undefined) {
      this.fail(
        where,
        `content type ${media || '(none)'} not in ${Object.keys(content).join(', ') || '(none)'}`,
      )
      return
    }
    this.body(where, r, entry.schema, media)
  }

  private body(where: string, r: ObservedResponse, schema: unknown, media: string): void {
    if (!media.endsWith('json') || schema === undefined) return
    if (!(r.contentType ?? '').startsWith(media)) {
      this.fail(where, `expected ${media}, got ${r.contentType}`)
      return
    }
    let value: unknown
    try {
      value = JSON.parse(r.body)
    } catch {
      this.fail(where, 'body is not JSON')
      return
    }
    let validate = this.validators.get(schema)
    if (validate === undefined) {
      validate = this.ajv.compile(schema as object)
      this.validators.set(schema, validate)
    }
    if (!validate(value)) this.fail(where, `body does not match: ${this.ajv.errorsText(validate.errors)}`)
  }

  private fail(where: string, why: string): void {
    this.mismatches.push(`${where}: ${why}`)
  }
}
