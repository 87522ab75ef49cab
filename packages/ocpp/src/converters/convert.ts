import type { TObject } from 'typebox'
import { OcppConversionError } from '../errors.ts'
import { ocppServices, type ServiceRole } from '../messages/catalog.ts'
import type { OcppVersion } from '../namespaces.ts'
import { findViolation } from '../xsd/validate.ts'
import { requestElementName, responseElementName } from '../xsd/xsd-types.ts'

/** The request and response schemas of one operation. */
export interface OperationSchemas {
  readonly request: TObject
  readonly response: TObject
}

/** One operation's schemas in one version of a service, or undefined when that version lacks the operation. */
export function operationSchemas(
  role: ServiceRole,
  version: OcppVersion,
  operation: string,
): OperationSchemas | undefined {
  return (ocppServices[version][role].operations as Record<string, OperationSchemas>)[operation]
}

/** `operationSchemas` for an operation the caller's own table names: a miss is a bug, not bad input. */
export function requireOperationSchemas(
  role: ServiceRole,
  version: OcppVersion,
  operation: string,
): OperationSchemas {
  const s = operationSchemas(role, version, operation)
  if (!s) throw new Error(`unknown ${role} ${version} operation ${operation}`)
  return s
}

/** Drops keys whose value is undefined, so converted payloads only carry what the source had. */
export function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v
  return out as T
}

/**
 * A free-text value cut to the target version's maximum length (1.5 had none for some of them), in characters
 * (code points) as XML Schema counts them: cutting UTF-16 units split emoji into lone surrogates and cut texts
 * that fitted (found by the converter fuzz test).
 */
export function truncate(value: string | undefined, maxLength: number): string | undefined {
  if (value === undefined || value.length <= maxLength) return value
  const chars = Array.from(value)
  return chars.length <= maxLength ? value : chars.slice(0, maxLength).join('')
}

/**
 * Runs one operation's converter and checks the result against the target version's schema, so a value the
 * other version cannot carry (an over-long identifier, say) fails here with the field named, not on the wire.
 */
export function convertChecked(
  converter: (payload: never) => unknown,
  payload: unknown,
  target: TObject,
  element: string,
): unknown {
  const converted = converter(payload as never)
  const violation = findViolation(target, converted, element)
  if (violation) throw new OcppConversionError(violation.path, violation.reason)
  return converted
}

/**
 * {@link convertChecked} for one operation's request or response: checks against `target[part]` and names the
 * operation's element (`XxxRequest`/`XxxResponse`) in errors. Every converter direction goes through here.
 */
export function convertOperation(
  converter: (payload: never) => unknown,
  payload: unknown,
  operation: string,
  part: 'request' | 'response',
  target: OperationSchemas,
): unknown {
  const element = part === 'request' ? requestElementName(operation) : responseElementName(operation)
  return convertChecked(converter, payload, target[part], element)
}
