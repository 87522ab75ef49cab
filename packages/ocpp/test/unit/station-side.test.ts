import {
  decodeCpRequest,
  decodeCsResponse,
  decodeRequest,
  encodeCpResponse,
  encodeCsRequest,
  encodeRequest,
  encodeResponse,
  OcppFaultResponseError,
  OcppMissingIdentityError,
  OcppResponseMismatchError,
  OcppUnknownNamespaceError,
  OcppVersionMismatchError,
} from '../../src/index.ts'
import { expectReplyDecodes, operationCases } from '../support/operation-cases.ts'
import { sampleOf } from '../support/samples.ts'

/*
 * The station side of the codec (a simulator, a test station): encodeCsRequest -> decodeRequest (what the gateway
 * reads), encodeResponse -> decodeCsResponse; encodeRequest -> decodeCpRequest, encodeCpResponse -> decodeResponse.
 * Every operation of both services and versions, full and minimal samples, through both halves of the codec.
 */

const CS_URL = 'http://127.0.0.1:3100/ocpp/1.6'
const CP_URL = 'http://127.0.0.1:8099/cp/CP-1'

describe('station -> central system: encodeCsRequest, decodeRequest, encodeResponse, decodeCsResponse', () => {
  test.each(operationCases('centralSystem'))(
    'OCPP %s %s (%s sample)',
    (version, operation, mode, schemas) => {
      const request = sampleOf(schemas.request, mode)
      const call = encodeCsRequest({
        ocppVersion: version,
        operation: operation as 'Heartbeat',
        payload: request as never,
        chargeBoxIdentity: 'CP-1',
        to: CS_URL,
        from: CP_URL,
      })
      expect(call.messageId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
      expect(call.contentType).toBe(`application/soap+xml; charset=utf-8; action="/${operation}"`)

      const seen = decodeRequest(call.body, { expectedVersion: version })
      expect(seen).toEqual({
        soapVersion: '1.2',
        ocppVersion: version,
        operation,
        chargeBoxIdentity: 'CP-1',
        addressing: {
          action: `/${operation}`,
          messageId: call.messageId,
          to: CS_URL,
          from: CP_URL,
          replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
        },
        payload: request,
        // samples carry transactionId -1 in minimal mode: valid xs:int, flagged for the domain
        quirks: seen.quirks.filter((q) => q.code === 'TRANSACTION_ID_NOT_POSITIVE'),
      })

      const response = sampleOf(schemas.response, mode)
      const reply = encodeResponse({
        soapVersion: '1.2',
        ocppVersion: version,
        operation: operation as 'Heartbeat',
        payload: response as never,
        relatesTo: call.messageId,
      })
      const decoded = decodeCsResponse(reply.body, {
        ocppVersion: version,
        operation: operation as 'Heartbeat',
        messageId: call.messageId,
      })
      expect(decoded.payload).toEqual(response)
      expect(decoded.addressing.relatesTo).toBe(call.messageId)
      expect(decoded.quirks).toEqual([])
    },
  )
})

describe('central system -> station: encodeRequest, decodeCpRequest, encodeCpResponse, decodeResponse', () => {
  test.each(operationCases('chargePoint'))('OCPP %s %s (%s sample)', (version, operation, mode, schemas) => {
    const request = sampleOf(schemas.request, mode)
    const call = encodeRequest({
      ocppVersion: version,
      operation: operation as 'Reset',
      payload: request as never,
      chargeBoxIdentity: 'CP-1',
      to: CP_URL,
      from: CS_URL,
    })
    const seen = decodeCpRequest(call.body, { expectedVersion: version })
    expect(seen.operation).toBe(operation)
    expect(seen.ocppVersion).toBe(version)
    expect(seen.chargeBoxIdentity).toBe('CP-1')
    expect(seen.addressing.messageId).toBe(call.messageId)
    expect(seen.addressing.to).toBe(CP_URL)
    expect(seen.payload).toEqual(request)

    const response = sampleOf(schemas.response, mode)
    const reply = encodeCpResponse({
      soapVersion: seen.soapVersion,
      ocppVersion: version,
      operation: operation as 'Reset',
      payload: response as never,
      relatesTo: seen.addressing.messageId,
    })
    expect(reply.contentType).toBe(`application/soap+xml; charset=utf-8; action="/${operation}Response"`)
    expectReplyDecodes(reply.body, { ocppVersion: version, operation, messageId: call.messageId }, response)
  })
})

describe('station side refuses what is not for it', () => {
  const csCall = encodeCsRequest({
    ocppVersion: '1.6',
    operation: 'Heartbeat',
    payload: {},
    chargeBoxIdentity: 'CP-1',
    to: CS_URL,
    from: CP_URL,
  })
  const cpCall = encodeRequest({
    ocppVersion: '1.6',
    operation: 'Reset',
    payload: { type: 'Hard' },
    chargeBoxIdentity: 'CP-1',
    to: CP_URL,
    from: CS_URL,
  })

  test.each([
    [
      'a CentralSystemService request on the station endpoint',
      () => decodeCpRequest(csCall.body),
      OcppUnknownNamespaceError,
    ],
    [
      'a ChargePointService call on the central system',
      () => decodeRequest(cpCall.body),
      OcppUnknownNamespaceError,
    ],
    [
      'a 1.6 call on a 1.5 station',
      () => decodeCpRequest(cpCall.body, { expectedVersion: '1.5' }),
      OcppVersionMismatchError,
    ],
    [
      'a call without chargeBoxIdentity',
      () => decodeCpRequest(cpCall.body.replace(/<chargeBoxIdentity[^>]*>CP-1<\/chargeBoxIdentity>/, '')),
      OcppMissingIdentityError,
    ],
  ])('%s', (_name, run, error) => {
    expect(run).toThrow(error)
  })

  test('decodeCsResponse turns a gateway fault into OcppFaultResponseError', () => {
    const fault =
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value>' +
      '<s:Subcode><s:Value>SecurityError</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">not accepted</s:Text>' +
      '</s:Reason></s:Fault></s:Body></s:Envelope>'
    expect(() => decodeCsResponse(fault, { ocppVersion: '1.6', operation: 'Heartbeat' })).toThrow(
      new OcppFaultResponseError('Sender', 'SecurityError', 'not accepted'),
    )
  })

  test('decodeCsResponse refuses the reply to another request or operation', () => {
    const reply = encodeResponse({
      soapVersion: '1.2',
      ocppVersion: '1.6',
      operation: 'Heartbeat',
      payload: { currentTime: '2026-11-26T10:00:00.000Z' },
      relatesTo: 'urn:uuid:other',
    })
    expect(() =>
      decodeCsResponse(reply.body, {
        ocppVersion: '1.6',
        operation: 'Heartbeat',
        messageId: csCall.messageId,
      }),
    ).toThrow(OcppResponseMismatchError)
    expect(() => decodeCsResponse(reply.body, { ocppVersion: '1.6', operation: 'Authorize' })).toThrow(
      OcppResponseMismatchError,
    )
  })

  test('encodeCpResponse checks the payload against the schema', () => {
    expect(() =>
      encodeCpResponse({
        soapVersion: '1.2',
        ocppVersion: '1.6',
        operation: 'UnlockConnector',
        payload: { status: 'Accepted' } as never,
      }),
    ).toThrow('OCPP_ERR_ENCODE: unlockConnectorResponse/status')
  })
})
