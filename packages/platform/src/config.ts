import type { Static, TObject, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { ConfigError, type ConfigIssue } from './errors.ts'

/** The process environment, or any plain record of the same shape (tests pass their own). */
export type Env = Readonly<Record<string, string | undefined>>

/** One row of the configuration table a README shows, generated from the same schema `loadConfig` reads. */
export interface ConfigRow {
  readonly name: string
  /** The expected form in words, the same text a `ConfigError` uses. */
  readonly expected: string
  /** The default as it would be written in the environment; `undefined` when there is none. */
  readonly default: string | undefined
  readonly required: boolean
  readonly description: string
}

type JsonSchema = Record<string, unknown>

const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL|HEADERS/i
const MAX_SHOWN_LENGTH = 80

/**
 * Reads, converts and validates environment variables against a TypeBox object whose property
 * names are the variable names. Why one schema: the same object gives the TypeScript type, the
 * runtime check, the defaults and the README table (`describeConfig`), so they cannot drift.
 *
 * Values are trimmed; an empty value counts as unset. Integers, numbers and booleans (`true`,
 * `false`, `1`, `0`) are converted as the schema says, then every variable is checked (ranges,
 * literal unions, `format: 'uri'`, patterns). All problems are reported at once in one
 * `ConfigError`, one line per variable, secrets masked. The expected form in messages is derived
 * from the schema; an `expected` annotation (`Type.String({ pattern, expected: 'a postgres:// URL' })`)
 * overrides it where a pattern would read badly.
 *
 * ### Examples
 * ```ts
 * const ApiConfig = Type.Object({
 *   ...commonConfig.logging,
 *   ...commonConfig.http({ port: 3000 }),
 *   API_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Rows per page' }),
 * })
 * const config = loadConfig(ApiConfig) // { LOG_LEVEL: 'info', PORT: 3000, API_PAGE_SIZE: 100, ... }
 * ```
 */
export function loadConfig<const Schema extends TObject>(
  schema: Schema,
  env: Env = process.env,
): Static<Schema> {
  const result: Record<string, unknown> = {}
  const issues: ConfigIssue[] = []
  const required = new Set(schema.required ?? [])
  for (const [name, property] of Object.entries(schema.properties) as [string, JsonSchema][]) {
    const raw = env[name]?.trim()
    const given = raw === undefined || raw === '' ? undefined : raw
    if (given === undefined && property.default === undefined) {
      if (required.has(name))
        issues.push({ variable: name, expected: describeExpected(property), got: undefined })
      continue
    }
    const value = given === undefined ? property.default : coerce(property, given)
    if (!Value.Check(property as TSchema, value)) {
      const shown = given ?? String(property.default)
      issues.push({ variable: name, expected: describeExpected(property), got: maskValue(name, shown) })
      continue
    }
    result[name] = value
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return result as Static<Schema>
}

/**
 * Lists every variable of a config schema with its expected form, default and description, in
 * schema order. Why: READMEs and `--help` output are generated from the schema, never written by hand.
 *
 * ### Examples
 * ```ts
 * describeConfig(Type.Object(commonConfig.nats))
 * // [{ name: 'NATS_URL', expected: 'a URL', default: 'nats://127.0.0.1:4222', required: true, description: '...' }]
 * ```
 */
export function describeConfig(schema: TObject): ConfigRow[] {
  const required = new Set(schema.required ?? [])
  return (Object.entries(schema.properties) as [string, JsonSchema][]).map(([name, property]) => ({
    name,
    expected: describeExpected(property),
    default: property.default === undefined ? undefined : String(property.default),
    required: required.has(name) && property.default === undefined,
    description: typeof property.description === 'string' ? property.description : '',
  }))
}

/**
 * Renders `describeConfig` as a Markdown table for a README. A unit test compares the README with
 * this output, so a changed default fails the build until the docs say the same.
 *
 * ### Examples
 * ```ts
 * expect(readme).toContain(renderConfigTable(ApiConfig))
 * ```
 */
export function renderConfigTable(schema: TObject): string {
  const cell = (text: string) => text.replaceAll('|', '\\|')
  const rows = describeConfig(schema).map(
    (row) =>
      `| \`${row.name}\` | ${row.default === undefined ? (row.required ? '(required)' : '(unset)') : `\`${cell(row.default)}\``} | ${cell(row.expected)} | ${cell(row.description)} |`,
  )
  return ['| variable | default | form | description |', '|---|---|---|---|', ...rows].join('\n')
}

/**
 * Hides secrets in a value before it reaches a log line or an error message: the whole value when
 * the variable's name looks secret (KEY, SECRET, PASSWORD, TOKEN, CREDENTIAL, HEADERS), the password
 * part when the value is a URL with credentials. Long values are cut so a message stays short.
 *
 * ### Examples
 * ```ts
 * maskValue('DATABASE_URL', 'postgres://app:s3cret@db:6432/app') // 'postgres://app:***@db:6432/app'
 * maskValue('API_KEY', 'abc') // '***'
 * ```
 */
export function maskValue(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return '***'
  const masked = maskUrlPassword(value)
  return masked.length > MAX_SHOWN_LENGTH ? `${masked.slice(0, MAX_SHOWN_LENGTH)}...` : masked
}

/** `scheme://user:password@` (also in values that are not valid URLs, which is when they get reported). */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^/?#]*@/i

function maskUrlPassword(value: string): string {
  return value.replace(URL_CREDENTIALS, '$1:***@')
}

function coerce(property: JsonSchema, raw: string): unknown {
  switch (schemaKind(property)) {
    case 'integer':
      return /^[+-]?\d+$/.test(raw) ? Number(raw) : raw
    case 'number': {
      const n = Number(raw)
      return Number.isFinite(n) ? n : raw
    }
    case 'boolean': {
      const lower = raw.toLowerCase()
      if (lower === 'true' || lower === '1') return true
      if (lower === 'false' || lower === '0') return false
      return raw
    }
    default:
      return raw
  }
}

function schemaKind(property: JsonSchema): string {
  if (typeof property.type === 'string') return property.type
  const literals = literalValues(property)
  if (literals && literals.length > 0 && literals.every((v) => typeof v === 'number')) return 'number'
  return 'string'
}

function literalValues(property: JsonSchema): unknown[] | undefined {
  if (Array.isArray(property.enum)) return property.enum
  if (Array.isArray(property.anyOf) && property.anyOf.every((s: JsonSchema) => 'const' in s)) {
    return property.anyOf.map((s: JsonSchema) => s.const)
  }
  if ('const' in property) return [property.const]
  return undefined
}

function describeExpected(property: JsonSchema): string {
  if (typeof property.expected === 'string') return property.expected
  const literals = literalValues(property)
  if (literals) return `one of ${literals.map(String).join(', ')}`
  switch (property.type) {
    case 'integer':
      return `an integer${describeRange(property)}`
    case 'number':
      return `a number${describeRange(property)}`
    case 'boolean':
      return 'true or false'
    case 'string':
      if (property.format === 'uri') return 'a URL'
      if (typeof property.pattern === 'string') return `a string matching /${property.pattern}/`
      if (typeof property.minLength === 'number' && property.minLength > 0) return 'a non-empty string'
      return 'a string'
    default:
      return 'a valid value'
  }
}

function describeRange(property: JsonSchema): string {
  const { minimum, maximum } = property
  if (typeof minimum === 'number' && typeof maximum === 'number') return ` from ${minimum} to ${maximum}`
  if (typeof minimum === 'number') return ` >= ${minimum}`
  if (typeof maximum === 'number') return ` <= ${maximum}`
  return ''
}
