import type { CpOperation, CpResponse, CsOperation, CsResponse, ServiceRole } from '../messages/catalog.ts'
import { type OcppVersion, type SoapVersion, WSA_ANONYMOUS } from '../namespaces.ts'
import { encodeOperation } from './encode-operation.ts'
import type { EncodedMessage } from './envelope-writer.ts'

export interface EncodeResponseInput<V extends OcppVersion, O extends CsOperation<V>> {
  /** Answer in the envelope version the request came in. */
  readonly soapVersion: SoapVersion
  readonly ocppVersion: V
  readonly operation: O
  readonly payload: CsResponse<V, O>
  /** The request's wsa:MessageID; RelatesTo is left out when the request had none. */
  readonly relatesTo?: string
  /** A wsa:MessageID for the reply (optional in WS-Addressing for replies). */
  readonly messageId?: string
}

/** The station side of {@link EncodeResponseInput}: a reply to the central system's ChargePointService call. */
export interface EncodeCpResponseInput<V extends OcppVersion, O extends CpOperation<V>> {
  readonly soapVersion: SoapVersion
  readonly ocppVersion: V
  readonly operation: O
  readonly payload: CpResponse<V, O>
  readonly relatesTo?: string
  readonly messageId?: string
}

interface AnyResponseInput {
  readonly soapVersion: SoapVersion
  readonly ocppVersion: OcppVersion
  readonly operation: string
  readonly payload: unknown
  readonly relatesTo?: string
  readonly messageId?: string
}

/**
 * Encodes our reply to a station's CentralSystemService request: SOAP 1.2 (or 1.1 when the request was 1.1),
 * WS-Addressing Action `/XxxResponse`, RelatesTo the request's MessageID and To anonymous; the body in schema order.
 * Throws `OcppEncodeError` (a Receiver fault: our bug) when the payload breaks the schema.
 *
 * ### Examples
 * ```ts
 * const { body, contentType } = encodeResponse({
 *   soapVersion: req.soapVersion, ocppVersion: '1.6', operation: 'Heartbeat',
 *   payload: { currentTime: new Date().toISOString() }, relatesTo: req.addressing.messageId,
 * })
 * reply.header('content-type', contentType).send(body)
 * ```
 */
export function encodeResponse<V extends OcppVersion, O extends CsOperation<V>>(
  input: EncodeResponseInput<V, O>,
): EncodedMessage {
  return encodeServiceResponse('centralSystem', input)
}

/**
 * The station side of {@link encodeResponse}: a station's reply to a ChargePointService call (same envelope rules:
 * Action `/XxxResponse`, RelatesTo the call's MessageID, To anonymous, body in schema order, schema-checked).
 *
 * ### Examples
 * ```ts
 * const res = encodeCpResponse({ soapVersion: call.soapVersion, ocppVersion: '1.6', operation: 'Reset',
 *   payload: { status: 'Accepted' }, relatesTo: call.addressing.messageId })
 * ```
 */
export function encodeCpResponse<V extends OcppVersion, O extends CpOperation<V>>(
  input: EncodeCpResponseInput<V, O>,
): EncodedMessage {
  return encodeServiceResponse('chargePoint', input)
}

function encodeServiceResponse(role: ServiceRole, input: AnyResponseInput): EncodedMessage {
  return encodeOperation({
    role,
    kind: 'response',
    soapVersion: input.soapVersion,
    ocppVersion: input.ocppVersion,
    operation: input.operation,
    payload: input.payload,
    unknownOperation: (serviceName) => `no such ${serviceName} operation`,
    addressing: { relatesTo: input.relatesTo, messageId: input.messageId, to: WSA_ANONYMOUS },
  })
}
