import { AppError } from '@chargebus/errors'
import { ApiError, type ApiErrorCode, ApiErrorCodes, type FieldError } from './errors.ts'

/** An RFC 9457 problem document as the API sends it (`application/problem+json`). */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  code: string
  errors?: FieldError[]
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/** The problem `type` URI of a code: `urn:chargebus:problem:station-not-found`. */
export function problemType(code: string): string {
  return `urn:chargebus:problem:${code
    .replace(/^API_ERR_/, '')
    .toLowerCase()
    .replaceAll('_', '-')}`
}

/**
 * The problem document for an error. API errors keep their message; other `AppError`s (from packages:
 * database unavailable, bus unreachable) keep theirs only when their status is 4xx or 503; anything else
 * is a bug and says only "internal error" (no message, no stack).
 */
export function toProblem(err: unknown, instance: string): Problem {
  if (err instanceof ApiError) {
    const code = err.code as ApiErrorCode
    return {
      type: problemType(code),
      title: ApiErrorCodes[code].title,
      status: err.status,
      detail: err.message,
      instance,
      code,
      ...(err.errors === undefined ? {} : { errors: err.errors }),
    }
  }
  if (err instanceof AppError && (err.retryable || err.status === 503)) {
    return problemOf('API_ERR_UNAVAILABLE', 'a dependency did not answer; retry later', instance)
  }
  if (err instanceof AppError && err.status >= 400 && err.status < 500) {
    return { ...problemOf('API_ERR_BAD_REQUEST', err.message, instance), status: err.status }
  }
  return problemOf('API_ERR_INTERNAL', 'internal error', instance)
}

export function problemOf(code: ApiErrorCode, detail: string, instance: string): Problem {
  const { status, title } = ApiErrorCodes[code]
  return { type: problemType(code), title, status, detail, instance, code }
}
