import type { TObject } from 'typebox'
import { OcppConversionError } from '../errors.ts'
import { findViolation } from '../xsd/validate.ts'

/** Drops keys whose value is undefined, so converted payloads only carry what the source had. */
export function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v
  return out as T
}

/** A free-text value cut to the target version's maximum length (1.5 had none for some of them). */
export function truncate(value: string | undefined, maxLength: number): string | undefined {
  return value === undefined || value.length <= maxLength ? value : value.slice(0, maxLength)
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
