import { randomUUID } from 'node:crypto'
import type { CpOperation, CpRequest, CsOperation, CsRequest, ServiceRole } from '../messages/catalog.ts'
import { type OcppVersion, WSA_ANONYMOUS } from '../namespaces.ts'
import { encodeOperation } from './encode-operation.ts'
import { type EncodedMessage, identityHeader } from './envelope-writer.ts'

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

/** The station side of {@link EncodeRequestInput}: a station's CentralSystemService request. */
export interface EncodeCsRequestInput<V extends OcppVersion, O extends CsOperation<V>> {
  readonly ocppVersion: V
  readonly operation: O
  readonly payload: CsRequest<V, O>
  /** The station's own identity. */
  readonly chargeBoxIdentity: string
  /** The central system's CentralSystemService URL; becomes wsa:To. */
  readonly to: string
  /** The station's ChargePointService URL (wsa:From): where the central system calls it back. */
  readonly from: string
  /** Defaults to a fresh `urn:uuid:...`. */
  readonly messageId?: string
}

export interface EncodedRequest extends EncodedMessage {
  /** The wsa:MessageID sent; the reply's RelatesTo must match it (see `decodeResponse`). */
  readonly messageId: string
}

interface AnyRequestInput {
  readonly ocppVersion: OcppVersion
  readonly operation: string
  readonly payload: unknown
  readonly chargeBoxIdentity: string
  readonly to: string
  readonly from: string
  readonly messageId?: string
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
  return encodeServiceRequest('chargePoint', input)
}

/**
 * The station side of {@link encodeRequest}: a station's CentralSystemService request, SOAP 1.2 with
 * `chargeBoxIdentity` in the CS namespace, wsa:Action `/Xxx`, a fresh MessageID, To = the central system's URL,
 * From = the station's ChargePointService URL, ReplyTo anonymous.
 *
 * ### Examples
 * ```ts
 * const call = encodeCsRequest({ ocppVersion: '1.6', operation: 'Heartbeat', payload: {},
 *   chargeBoxIdentity: 'CP-1', to: 'http://127.0.0.1:3100/ocpp/1.6', from: 'http://10.0.0.5:8080/cp/CP-1' })
 * ```
 */
export function encodeCsRequest<V extends OcppVersion, O extends CsOperation<V>>(
  input: EncodeCsRequestInput<V, O>,
): EncodedRequest {
  return encodeServiceRequest('centralSystem', input)
}

function encodeServiceRequest(role: ServiceRole, input: AnyRequestInput): EncodedRequest {
  const messageId = input.messageId ?? `urn:uuid:${randomUUID()}`
  const encoded = encodeOperation({
    role,
    kind: 'request',
    soapVersion: '1.2',
    ocppVersion: input.ocppVersion,
    operation: input.operation,
    payload: input.payload,
    unknownOperation: (serviceName) => `no such ${serviceName} ${input.ocppVersion} operation`,
    addressing: { messageId, from: input.from, replyTo: WSA_ANONYMOUS, to: input.to },
    extraHeaders: (namespace) => identityHeader(namespace, input.chargeBoxIdentity),
  })
  return { ...encoded, messageId }
}
