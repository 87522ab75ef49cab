import type { TObject } from 'typebox'
import { OcppEncodeError } from '../errors.ts'
import { type CsOperation, type CsResponse, ocppServices } from '../messages/catalog.ts'
import { type OcppVersion, type SoapVersion, WSA_ANONYMOUS } from '../namespaces.ts'
import { responseElementName } from '../xsd/xsd-types.ts'
import { type EncodedMessage, soapContentType, writeEnvelope } from './envelope-writer.ts'
import { serializeBody } from './serialize-body.ts'

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
  const service = ocppServices[input.ocppVersion].centralSystem
  const schemas = (service.operations as Record<string, { response: TObject }>)[input.operation]
  if (!schemas) throw new OcppEncodeError(input.operation, `no such ${service.name} operation`)
  const action = `/${input.operation}Response`
  const bodyXml = serializeBody(
    schemas.response,
    responseElementName(input.operation),
    service.namespace,
    input.payload,
  )
  const addressing = { action, relatesTo: input.relatesTo, messageId: input.messageId, to: WSA_ANONYMOUS }
  return {
    body: writeEnvelope(input.soapVersion, addressing, bodyXml),
    contentType: soapContentType(input.soapVersion, action),
    action,
  }
}
