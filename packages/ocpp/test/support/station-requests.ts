import fc from 'fast-check'
import {
  type EncodedRequest,
  encodeCpResponse,
  encodeCsRequest,
  encodeRequest,
  type OcppVersion,
  type SoapVersion,
} from '../../src/index.ts'
import { identity, payloadOf } from './arbitraries.ts'
import { operationSchemas } from './operation-cases.ts'

/**
 * A valid station request (CentralSystemService) of any operation of either version, as our own station encoder
 * writes it: the starting point of the mutation fuzz tests (codec and gateway).
 */
export const stationRequest: fc.Arbitrary<EncodedRequest> = fc
  .constantFrom(...operationSchemas('centralSystem'))
  .chain(([version, operation, schemas]) =>
    fc.tuple(payloadOf(schemas.request), identity).map(([payload, chargeBoxIdentity]) =>
      encodeCsRequest({
        ocppVersion: version,
        operation: operation as 'Heartbeat',
        payload: payload as never,
        chargeBoxIdentity,
        to: 'http://127.0.0.1:3100/ocpp',
        from: 'http://10.0.0.5:8080/cp',
      }),
    ),
  )

/**
 * A valid call of ours to a station (ChargePointService, any operation of either version) and the station's valid
 * reply to it, in one of `soapVersions`: the mutation and XML-differential fuzz tests start from these.
 */
export function callAndReply(soapVersions: readonly SoapVersion[] = ['1.2']) {
  return fc.constantFrom(...operationSchemas('chargePoint')).chain(([version, operation, schemas]) =>
    fc
      .tuple(payloadOf(schemas.request), payloadOf(schemas.response), fc.constantFrom(...soapVersions))
      .map(([request, response, soapVersion]) => {
        const call = encodeRequest({
          ocppVersion: version,
          operation: operation as 'Reset',
          payload: request as never,
          chargeBoxIdentity: 'CP-1',
          to: 'http://10.0.0.5:8080/cp',
          from: 'http://127.0.0.1:3100/ocpp/1.6',
        })
        const reply = encodeCpResponse({
          soapVersion,
          ocppVersion: version,
          operation: operation as 'Reset',
          payload: response as never,
          relatesTo: call.messageId,
        })
        return { version, operation, call, reply }
      }),
  )
}

/**
 * One entry of the round-trip corpus (`test/corpus/ocpp-round-trip`): a request and its reply, both encoded and
 * decoded again; `encoder: 'refuses'` marks a payload the encoder must refuse instead of writing bad XML.
 */
export interface RoundTripExchange {
  readonly role: 'centralSystem' | 'chargePoint'
  readonly version: OcppVersion
  readonly operation: string
  readonly request: unknown
  readonly response: unknown
  readonly chargeBoxIdentity: string
  readonly messageId: string
  readonly soapVersion: '1.1' | '1.2'
  readonly encoder?: 'refuses'
}
