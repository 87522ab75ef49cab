import { OcppError, type OcppFaultSubcode, type SoapFaultCode } from '../errors.ts'
import { type SoapVersion, WSA_ANONYMOUS, WSA_FAULT_ACTION } from '../namespaces.ts'
import { escapeText, isXmlText } from '../xml/escape.ts'
import { type EncodedMessage, soapContentType, writeEnvelope } from './envelope-writer.ts'

export interface FaultInput {
  readonly soapVersion: SoapVersion
  readonly code: SoapFaultCode
  /** OCPP-S subcode (SOAP 1.2 `Subcode/Value`); SOAP 1.1 has no subcodes and leaves it out. */
  readonly subcode?: OcppFaultSubcode
  /** Human-readable reason; never a stack trace or internal detail. */
  readonly reason: string
  /** The request's wsa:MessageID, if it had one. */
  readonly relatesTo?: string
}

/** A fault ready for HTTP, with the status SOAP-over-HTTP prescribes. */
export interface EncodedFault extends EncodedMessage {
  readonly httpStatus: number
}

const SOAP11_CODES: Record<SoapFaultCode, string> = {
  Sender: 'Client',
  Receiver: 'Server',
  VersionMismatch: 'VersionMismatch',
  MustUnderstand: 'MustUnderstand',
}

function safeText(value: string): string {
  // Code point by code point (u flag): lone surrogates and control characters become `?`, emoji stay.
  return escapeText(
    isXmlText(value)
      ? value
      : value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?'),
  )
}

/**
 * Encodes a SOAP fault. SOAP 1.2: `s:Sender`/`s:Receiver` (or VersionMismatch/MustUnderstand) with an OCPP
 * subcode and `Reason/Text xml:lang="en"`; HTTP 400 for Sender faults, 500 otherwise. SOAP 1.1: `faultcode`
 * `s:Client`/`s:Server` and `faultstring`, HTTP 500. WS-Addressing: the fault action, RelatesTo, To anonymous.
 *
 * ### Examples
 * ```ts
 * encodeFault({ soapVersion: '1.2', code: 'Sender', subcode: 'SecurityError', reason: 'unknown station', relatesTo })
 * ```
 */
export function encodeFault(input: FaultInput): EncodedFault {
  const reason = safeText(input.reason)
  const fault =
    input.soapVersion === '1.2'
      ? `<s:Fault><s:Code><s:Value>s:${input.code}</s:Value>${
          input.subcode ? `<s:Subcode><s:Value>${input.subcode}</s:Value></s:Subcode>` : ''
        }</s:Code><s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault>`
      : `<s:Fault><faultcode>s:${SOAP11_CODES[input.code]}</faultcode><faultstring>${reason}</faultstring></s:Fault>`
  const addressing = { action: WSA_FAULT_ACTION, relatesTo: input.relatesTo, to: WSA_ANONYMOUS }
  return {
    body: writeEnvelope(input.soapVersion, addressing, fault),
    contentType: soapContentType(input.soapVersion, WSA_FAULT_ACTION),
    action: WSA_FAULT_ACTION,
    httpStatus: input.soapVersion === '1.2' && input.code === 'Sender' ? 400 : 500,
  }
}

/**
 * The fault to answer an error with: an `OcppError` keeps its code, subcode and message; anything else is a bug
 * and becomes a generic Receiver/InternalError (its message never leaves the service).
 *
 * ### Examples
 * ```ts
 * } catch (err) {
 *   const f = encodeFault({ soapVersion, relatesTo, ...faultForError(err) })
 *   reply.code(f.httpStatus).header('content-type', f.contentType).send(f.body)
 * }
 * ```
 */
export function faultForError(err: unknown): Pick<FaultInput, 'code' | 'subcode' | 'reason'> {
  if (err instanceof OcppError)
    return { code: err.fault.code, subcode: err.fault.subcode, reason: err.message }
  return { code: 'Receiver', subcode: 'InternalError', reason: 'internal error' }
}
