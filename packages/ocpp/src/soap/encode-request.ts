import { randomUUID } from 'node:crypto'
import type { TObject } from 'typebox'
import { OcppEncodeError } from '../errors.ts'
import { type CpOperation, type CpRequest, ocppServices } from '../messages/catalog.ts'
import { type OcppVersion, WSA_ANONYMOUS } from '../namespaces.ts'
import { requestElementName } from '../xsd/xsd-types.ts'
import { type EncodedMessage, identityHeader, soapContentType, writeEnvelope } from './envelope-writer.ts'
import { serializeBody } from './serialize-body.ts'

export interface EncodeRequestInput<V extends OcppVersion, O extends CpOperation<V>> {
  readonly ocppVersion: V
  readonly operation: O
  readonly payload: CpRequest<V, O>
  readonly chargeBoxIdentity: string
  /** The station's ChargePointService URL (its wsa:From when it booted); becomes wsa:To. */
  readonly to: string
  /** Our CentralSystemService address (wsa:From), so the station knows who calls. */
  readonly from: string
  /** Defaults to a fresh `urn:uuid:...`. */
  readonly messageId?: string
}

export interface EncodedRequest extends EncodedMessage {
  /** The wsa:MessageID sent; the reply's RelatesTo must match it (see `decodeResponse`). */
  readonly messageId: string
}

/**
 * Encodes a call to a station's ChargePointService: SOAP 1.2, `chargeBoxIdentity` in the station's CP namespace,
 * wsa:Action `/Xxx`, a fresh MessageID, To = station URL, From = our address, ReplyTo anonymous (the reply
 * comes back on the same HTTP exchange). Throws `OcppEncodeError` when the payload breaks the schema.
 *
 * ### Examples
 * ```ts
 * const call = encodeRequest({ ocppVersion: '1.6', operation: 'Reset', payload: { type: 'Soft' },
 *   chargeBoxIdentity: 'CP-1', to: station.endpoint, from: 'https://cs.example.com/ocpp/1.6' })
 * const res = await fetch(call.to, { method: 'POST', headers: { 'content-type': call.contentType }, body: call.body })
 * ```
 */
export function encodeRequest<V extends OcppVersion, O extends CpOperation<V>>(
  input: EncodeRequestInput<V, O>,
): EncodedRequest {
  const service = ocppServices[input.ocppVersion].chargePoint
  const schemas = (service.operations as Record<string, { request: TObject }>)[input.operation]
  if (!schemas)
    throw new OcppEncodeError(input.operation, `no such ${service.name} ${input.ocppVersion} operation`)
  const action = `/${input.operation}`
  const messageId = input.messageId ?? `urn:uuid:${randomUUID()}`
  const bodyXml = serializeBody(
    schemas.request,
    requestElementName(input.operation),
    service.namespace,
    input.payload,
  )
  const addressing = { action, messageId, from: input.from, replyTo: WSA_ANONYMOUS, to: input.to }
  return {
    body: writeEnvelope(
      '1.2',
      addressing,
      bodyXml,
      identityHeader(service.namespace, input.chargeBoxIdentity),
    ),
    contentType: soapContentType('1.2', action),
    action,
    messageId,
  }
}
