import type { TObject } from 'typebox'
import { OcppEncodeError } from '../errors.ts'
import { planOf, type SequencePlan } from '../xsd/schema-plan.ts'
import { findViolation } from '../xsd/validate.ts'
import { writePayload } from '../xsd/write-payload.ts'

/**
 * Checks a payload against its schema and serializes it: element names and order from the schema, only schema
 * fields, UTC timestamps. Shared by responses (CentralSystemService) and requests (ChargePointService).
 */
export function serializeBody(schema: TObject, element: string, namespace: string, payload: unknown): string {
  const violation = findViolation(schema, payload, element)
  if (violation) throw new OcppEncodeError(violation.path, violation.reason)
  return writePayload(element, payload, planOf(schema) as SequencePlan, ` xmlns="${namespace}"`)
}
