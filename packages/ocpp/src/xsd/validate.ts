import type { TSchema } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'

const validators = new WeakMap<TSchema, Validator>()

/** The compiled (JIT) TypeBox validator of a schema, built once per schema object. */
export function validatorOf(schema: TSchema): Validator {
  let v = validators.get(schema)
  if (!v) {
    v = Compile(schema) as unknown as Validator
    validators.set(schema, v)
  }
  return v
}

/** One schema violation: where (`bootNotificationResponse/interval`) and why. */
export interface Violation {
  readonly path: string
  readonly reason: string
}

/**
 * Checks a JS value against a schema and describes the most specific violation, or returns undefined when valid.
 *
 * ### Examples
 * ```ts
 * findViolation(v16.cs.HeartbeatResponse, {}, 'heartbeatResponse')
 * // { path: 'heartbeatResponse/currentTime', reason: 'required property is missing' }
 * ```
 */
export function findViolation(schema: TSchema, value: unknown, root: string): Violation | undefined {
  const validator = validatorOf(schema)
  if (validator.Check(value)) return undefined
  const errors = validator.Errors(value)
  const specific = errors.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'boolean') ?? errors[0]
  if (!specific) return { path: root, reason: 'invalid' }
  const at = specific.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]')
  const params = specific.params as { requiredProperties?: string[]; additionalProperties?: string[] }
  if (specific.keyword === 'required' && params.requiredProperties?.length) {
    return { path: `${root}${at}/${params.requiredProperties[0]}`, reason: 'required property is missing' }
  }
  if (specific.keyword === 'additionalProperties' && params.additionalProperties?.length) {
    return { path: `${root}${at}/${params.additionalProperties[0]}`, reason: 'property is not in the schema' }
  }
  return { path: `${root}${at}`, reason: specific.message }
}
