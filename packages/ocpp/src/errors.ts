import { AppError, defineErrorCodes } from '@chargebus/errors'
import type { OcppVersion, SoapVersion } from './namespaces.ts'

/**
 * Every error code of this package. Edges map them to SOAP faults with `faultForError`; the README lists
 * them (a unit test fails when one is missing there).
 */
export const OcppErrorCodes = defineErrorCodes({
  OCPP_ERR_MALFORMED_XML: { meaning: 'not (namespace-)well-formed XML' },
  OCPP_ERR_ENCODING: { meaning: "bytes not valid in the body's encoding, or an unknown encoding" },
  OCPP_ERR_DTD_FORBIDDEN: { meaning: 'a DOCTYPE or ENTITY declaration' },
  OCPP_ERR_NOT_SOAP: { meaning: 'no Envelope/Body, or not one body element' },
  OCPP_ERR_SOAP_VERSION: { meaning: 'an Envelope of an unknown namespace' },
  OCPP_ERR_MUST_UNDERSTAND: { meaning: 'a mustUnderstand header we do not process' },
  OCPP_ERR_UNKNOWN_NAMESPACE: { meaning: 'a body not in a CentralSystemService namespace' },
  OCPP_ERR_VERSION_MISMATCH: { meaning: 'a 1.5 body on /ocpp/1.6 or the reverse' },
  OCPP_ERR_UNKNOWN_OPERATION: { meaning: 'a body element that names no operation' },
  OCPP_ERR_MISSING_IDENTITY: { meaning: 'no or empty chargeBoxIdentity' },
  OCPP_ERR_SCHEMA: { meaning: 'a payload that breaks the schema' },
  OCPP_ERR_ENCODE: { meaning: 'our payload breaks the schema (a bug)' },
  OCPP_ERR_CONVERSION: { meaning: 'a value not expressible in the other OCPP version' },
  OCPP_ERR_UNSUPPORTED_OPERATION: { meaning: "an operation or field missing in the station's version" },
  OCPP_ERR_FAULT_RESPONSE: { meaning: 'a station answered our call with a fault' },
  OCPP_ERR_RESPONSE_MISMATCH: { meaning: "a station's reply is for another call or operation" },
})

export type OcppErrorCode = keyof typeof OcppErrorCodes

/** SOAP 1.2 fault codes (SOAP 1.1: Client, Server, VersionMismatch, MustUnderstand). */
export type SoapFaultCode = 'Sender' | 'Receiver' | 'VersionMismatch' | 'MustUnderstand'

/**
 * Fault subcodes: the OCPP-S set (SecurityError, IdentityMismatch, ProtocolError: sender; InternalError,
 * NotSupported: receiver).
 */
export type OcppFaultSubcode =
  | 'SecurityError'
  | 'IdentityMismatch'
  | 'ProtocolError'
  | 'InternalError'
  | 'NotSupported'

/** What a SOAP edge answers for an error: fault code, optional subcode and whether the sender is to blame. */
export interface FaultClass {
  readonly code: SoapFaultCode
  readonly subcode?: OcppFaultSubcode
}

/** Who sent a request and what it was, as far as the envelope said before the payload was read. */
export interface RequestHead {
  readonly soapVersion: SoapVersion
  readonly ocppVersion: OcppVersion
  readonly operation: string
  readonly chargeBoxIdentity: string
  readonly messageId: string | undefined
}

const SENDER_PROTOCOL: FaultClass = { code: 'Sender', subcode: 'ProtocolError' }

/**
 * Base of every error this package throws. `fault` says how a SOAP edge answers it; `senderFault` is true when the
 * peer's message is to blame (SOAP `Sender`), false when we are (`Receiver`).
 */
export class OcppError extends AppError {
  readonly fault: FaultClass
  /**
   * Set on errors found after the envelope named its operation and station (a payload that breaks the schema),
   * so an edge can tell whose request it was: the station has not been authenticated by the codec.
   */
  request?: RequestHead

  constructor(code: OcppErrorCode, message: string, fault: FaultClass, opts: { cause?: unknown } = {}) {
    super(code, message, { cause: opts.cause, status: fault.code === 'Sender' ? 400 : 500 })
    this.fault = fault
  }

  get senderFault(): boolean {
    return this.fault.code !== 'Receiver'
  }
}

/** The text is not well-formed (namespace-well-formed) XML. */
export class OcppMalformedXmlError extends OcppError {
  constructor(detail: string, cause?: unknown) {
    super('OCPP_ERR_MALFORMED_XML', `${'OCPP_ERR_MALFORMED_XML'}: ${detail}`, SENDER_PROTOCOL, {
      cause,
    })
  }
}

/** The body's bytes are not text in the encoding it declares, or that encoding is unknown. */
export class OcppEncodingError extends OcppError {
  constructor(detail: string, cause?: unknown) {
    super('OCPP_ERR_ENCODING', `${'OCPP_ERR_ENCODING'}: ${detail}`, SENDER_PROTOCOL, { cause })
  }
}

/** A DOCTYPE or ENTITY declaration: refused before expansion (XXE, billion laughs). */
export class OcppDtdForbiddenError extends OcppError {
  constructor() {
    super(
      'OCPP_ERR_DTD_FORBIDDEN',
      `${'OCPP_ERR_DTD_FORBIDDEN'}: DOCTYPE/ENTITY declarations are not allowed`,
      {
        code: 'Sender',
        subcode: 'SecurityError',
      },
    )
  }
}

/** Well-formed XML but not a SOAP message (no Envelope, no Body, no body element, several body elements). */
export class OcppNotSoapError extends OcppError {
  constructor(detail: string) {
    super('OCPP_ERR_NOT_SOAP', `${'OCPP_ERR_NOT_SOAP'}: ${detail}`, SENDER_PROTOCOL)
  }
}

/** The root element is an Envelope of neither SOAP 1.1 nor SOAP 1.2 (SOAP 1.2 `VersionMismatch` fault). */
export class OcppSoapVersionError extends OcppError {
  constructor(namespace: string) {
    super(
      'OCPP_ERR_SOAP_VERSION',
      `${'OCPP_ERR_SOAP_VERSION'}: unsupported envelope namespace "${namespace}"`,
      {
        code: 'VersionMismatch',
      },
    )
  }
}

/** A header marked mustUnderstand that we do not process (SOAP `MustUnderstand` fault). */
export class OcppMustUnderstandError extends OcppError {
  readonly header: string
  constructor(header: string) {
    super('OCPP_ERR_MUST_UNDERSTAND', `${'OCPP_ERR_MUST_UNDERSTAND'}: header ${header} is not understood`, {
      code: 'MustUnderstand',
    })
    this.header = header
  }
}

/** The body element's namespace is no OCPP namespace this service answers. */
export class OcppUnknownNamespaceError extends OcppError {
  constructor(element: string, namespace: string, expected: string) {
    super(
      'OCPP_ERR_UNKNOWN_NAMESPACE',
      `${'OCPP_ERR_UNKNOWN_NAMESPACE'}: ${element} is in namespace "${namespace}", expected ${expected}`,
      SENDER_PROTOCOL,
    )
  }
}

/** The body is OCPP, but of another version than the endpoint serves (e.g. a 1.5 body on `/ocpp/1.6`). */
export class OcppVersionMismatchError extends OcppError {
  constructor(got: string, expected: string) {
    super(
      'OCPP_ERR_VERSION_MISMATCH',
      `${'OCPP_ERR_VERSION_MISMATCH'}: OCPP ${got} message on an OCPP ${expected} endpoint`,
      SENDER_PROTOCOL,
    )
  }
}

/** The body element names no operation of the service. */
export class OcppUnknownOperationError extends OcppError {
  constructor(element: string, service: string, version: string) {
    super(
      'OCPP_ERR_UNKNOWN_OPERATION',
      `${'OCPP_ERR_UNKNOWN_OPERATION'}: ${element} is no ${service} ${version} operation`,
      SENDER_PROTOCOL,
    )
  }
}

/** No (or an empty) chargeBoxIdentity header. */
export class OcppMissingIdentityError extends OcppError {
  constructor(detail = 'missing chargeBoxIdentity header') {
    super('OCPP_ERR_MISSING_IDENTITY', `${'OCPP_ERR_MISSING_IDENTITY'}: ${detail}`, SENDER_PROTOCOL)
  }
}

/** A message does not match the OCPP schema; `path` names the element (e.g. `startTransactionRequest/meterStart`). */
export class OcppSchemaError extends OcppError {
  readonly path: string
  readonly reason: string
  constructor(path: string, reason: string) {
    super('OCPP_ERR_SCHEMA', `${'OCPP_ERR_SCHEMA'}: ${path}: ${reason}`, SENDER_PROTOCOL)
    this.path = path
    this.reason = reason
  }
}

/** Our own payload does not match the schema: a bug on our side (`Receiver` fault). */
export class OcppEncodeError extends OcppError {
  readonly path: string
  constructor(path: string, reason: string) {
    super('OCPP_ERR_ENCODE', `${'OCPP_ERR_ENCODE'}: ${path}: ${reason}`, {
      code: 'Receiver',
      subcode: 'InternalError',
    })
    this.path = path
  }
}

/** A payload cannot be expressed in the other OCPP version (the converted value breaks the target schema). */
export class OcppConversionError extends OcppError {
  readonly path: string
  constructor(path: string, reason: string) {
    super('OCPP_ERR_CONVERSION', `${'OCPP_ERR_CONVERSION'}: ${path}: ${reason}`, SENDER_PROTOCOL)
    this.path = path
  }
}

/** The operation (or a field of it) does not exist in the station's OCPP version, e.g. TriggerMessage for 1.5. */
export class OcppUnsupportedOperationError extends OcppError {
  constructor(operation: string, version: string, detail?: string) {
    super(
      'OCPP_ERR_UNSUPPORTED_OPERATION',
      `${'OCPP_ERR_UNSUPPORTED_OPERATION'}: ${operation} is not supported by OCPP ${version}${detail ? `: ${detail}` : ''}`,
      { code: 'Receiver', subcode: 'NotSupported' },
    )
  }
}

/** The station answered our call with a SOAP fault. */
export class OcppFaultResponseError extends OcppError {
  readonly faultCode: string
  readonly faultSubcode: string | undefined
  readonly reason: string
  constructor(faultCode: string, faultSubcode: string | undefined, reason: string) {
    super(
      'OCPP_ERR_FAULT_RESPONSE',
      `${'OCPP_ERR_FAULT_RESPONSE'}: ${faultCode}${faultSubcode ? `/${faultSubcode}` : ''}: ${reason}`,
      SENDER_PROTOCOL,
    )
    this.faultCode = faultCode
    this.faultSubcode = faultSubcode
    this.reason = reason
  }
}

/** The station's reply does not belong to our call (other body element, or RelatesTo another MessageID). */
export class OcppResponseMismatchError extends OcppError {
  constructor(detail: string) {
    super('OCPP_ERR_RESPONSE_MISMATCH', `${'OCPP_ERR_RESPONSE_MISMATCH'}: ${detail}`, SENDER_PROTOCOL)
  }
}
