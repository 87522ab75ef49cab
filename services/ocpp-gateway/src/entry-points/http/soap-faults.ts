import { encodeFault, faultForError, OcppError, type SoapVersion } from '@chargebus/ocpp'
import type { FastifyError } from 'fastify'
import type { Logger } from 'pino'
import { BadHttpRequest, BodyTooLarge, GatewayError, UnsupportedMediaType } from '../../domain/errors.ts'

/** What the HTTP layer sends back: an answer or a fault. */
export interface SoapReply {
  status: number
  contentType: string
  body: string
  /** Extra response headers (WWW-Authenticate). */
  headers?: Record<string, string>
}

export const WWW_AUTHENTICATE = 'Basic realm="OCPP", charset="UTF-8"'

/** SOAP version to answer in before the envelope is read: SOAP 1.1 travels as text/xml. */
export function soapVersionOfContentType(contentType: string | undefined): SoapVersion {
  return contentType?.trimStart().toLowerCase().startsWith('text/xml') ? '1.1' : '1.2'
}

/**
 * A SOAP fault for any error: ours (`GatewayError`, with its HTTP status; 401 adds `WWW-Authenticate`) and the
 * codec's (`OcppError`) name what is wrong; anything else is a bug, logged here and answered as a bare
 * Receiver/InternalError. Our own Receiver faults are warnings, except load shedding (debug: metrics count it).
 *
 * ### Examples
 * ```ts
 * faultReply(new StationUnauthorized('CP-1', 'wrong HTTP Basic credentials'), '1.2', messageId, logger)
 * // { status: 401, contentType: 'application/soap+xml…', body: '<…Fault…>', headers: { 'www-authenticate': WWW_AUTHENTICATE } }
 * ```
 */
export function faultReply(
  err: unknown,
  soapVersion: SoapVersion,
  relatesTo: string | undefined,
  logger: Logger,
  context: Record<string, unknown> = {},
): SoapReply {
  const { fault, status } = describeFault(err)
  if (err instanceof GatewayError) {
    if (err.fault.code === 'Receiver' && !err.shedding)
      logger.warn({ err, ...context }, 'station request failed')
    else logger.debug({ err, ...context }, 'station request refused')
  } else if (err instanceof OcppError) logger.debug({ err, ...context }, 'station request refused')
  else logger.error({ err, ...context }, 'station request failed (bug)')
  const encoded = encodeFault({ soapVersion, relatesTo, ...fault })
  const reply: SoapReply = {
    status: status ?? encoded.httpStatus,
    contentType: encoded.contentType,
    body: encoded.body,
  }
  if (status === 401) reply.headers = { 'www-authenticate': WWW_AUTHENTICATE }
  return reply
}

/**
 * The fault a station gets for `err` (code, subcode, reason), our HTTP status where we set one, and our error
 * code: what `faultReply` encodes and the fault journal records. A bug is a bare Receiver/InternalError.
 */
export function describeFault(err: unknown): {
  fault: ReturnType<typeof faultForError>
  status?: number
  errorCode?: string
} {
  if (err instanceof GatewayError)
    return {
      fault: { code: err.fault.code, subcode: err.fault.subcode, reason: err.message },
      status: err.status,
      errorCode: err.code,
    }
  if (err instanceof OcppError) return { fault: faultForError(err), errorCode: err.code }
  return { fault: faultForError(err) }
}

/**
 * What a request refused before the handler ran (Fastify reading the body) is, as an error `faultReply`
 * knows: the body's encoding stays the codec's `OcppError`; size, media type and other client errors become
 * ours; anything else stays as it is (a bug).
 *
 * ### Examples
 * ```ts
 * refusalOf(err, request.headers['content-type'], 524_288) // BodyTooLarge for FST_ERR_CTP_BODY_TOO_LARGE
 * ```
 */
export function refusalOf(err: FastifyError, contentType: string | undefined, bodyLimitBytes: number): Error {
  if (err instanceof OcppError) return err // the body's encoding (decodeXmlBody)
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new BodyTooLarge(bodyLimitBytes)
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new UnsupportedMediaType(contentType)
  if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new BadHttpRequest(err.message)
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
    return new BadHttpRequest(err.message)
  return err
}
