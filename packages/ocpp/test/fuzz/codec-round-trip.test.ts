import fc from 'fast-check'
import { corpusJson, fuzzRuns } from '../../../../test/support/corpus.ts'
import {
  decodeCpRequest,
  decodeCsResponse,
  decodeRequest,
  decodeResponse,
  encodeCpResponse,
  encodeCsRequest,
  encodeRequest,
  encodeResponse,
  OcppEncodeError,
} from '../../src/index.ts'
import { identity, payloadOf, xmlText } from '../support/arbitraries.ts'
import { operationSchemas } from '../support/operation-cases.ts'
import type { RoundTripExchange } from '../support/station-requests.ts'

/** One exchange: a request and its reply, both encoded and decoded again. Corpus entries have this shape. */
type Exchange = RoundTripExchange

type Call = { body: string }
type Decoded = { payload: unknown; chargeBoxIdentity?: string; addressing: { messageId?: string } }
type AnyInput = Record<string, unknown>

/**
 * The codec's four directions, by service: a station's request to us and our reply (centralSystem), our call to a
 * station and its reply (chargePoint). Loosely typed: the operation is chosen at run time.
 */
const CODEC = {
  centralSystem: {
    encodeCall: encodeCsRequest as unknown as (i: AnyInput) => Call,
    decodeCall: decodeRequest as unknown as (xml: string, o: AnyInput) => Decoded,
    encodeReply: encodeResponse as unknown as (i: AnyInput) => Call,
    decodeReply: decodeCsResponse as unknown as (xml: string, e: AnyInput) => Decoded,
    to: 'http://cs.example.com/ocpp',
    from: 'http://10.0.0.5:8080/cp',
  },
  chargePoint: {
    encodeCall: encodeRequest as unknown as (i: AnyInput) => Call,
    decodeCall: decodeCpRequest as unknown as (xml: string, o: AnyInput) => Decoded,
    encodeReply: encodeCpResponse as unknown as (i: AnyInput) => Call,
    decodeReply: decodeResponse as unknown as (xml: string, e: AnyInput) => Decoded,
    to: 'http://10.0.0.5:8080/cp',
    from: 'http://cs.example.com/ocpp',
  },
}

/** Encode the call, decode it, encode the reply, decode it: what was meant is what is read, both ways. */
function roundTrip(x: Exchange): void {
  const codec = CODEC[x.role]
  const { version: ocppVersion, operation, messageId } = x
  const call = codec.encodeCall({
    ocppVersion,
    operation,
    payload: x.request,
    chargeBoxIdentity: x.chargeBoxIdentity,
    to: codec.to,
    from: codec.from,
    messageId,
  })
  const decoded = codec.decodeCall(call.body, { expectedVersion: ocppVersion })
  expect(decoded).toMatchObject({ ocppVersion, operation })
  expect(decoded.chargeBoxIdentity).toBe(x.chargeBoxIdentity)
  expect(decoded.addressing.messageId).toBe(messageId)
  expect(decoded.payload).toEqual(x.request)
  const reply = codec.encodeReply({
    soapVersion: x.soapVersion,
    ocppVersion,
    operation,
    payload: x.response,
    relatesTo: messageId,
  })
  expect(codec.decodeReply(reply.body, { ocppVersion, operation, messageId }).payload).toEqual(x.response)
}

// ~55 operations with two messages each: a few dozen runs per operation keep the file within seconds.
const RUNS = fuzzRuns(30)
const messageId = fc.oneof(
  fc.uuid().map((u) => `urn:uuid:${u}`),
  xmlText(80, 1),
)
const soapVersion = fc.constantFrom<'1.1' | '1.2'>('1.1', '1.2')

describe.each(['centralSystem', 'chargePoint'] as const)(
  '%s round trip: encode then decode gives the same message',
  (role) => {
    test.each(operationSchemas(role))('OCPP %s %s', (version, operation, schemas) => {
      const exchange = fc.record({
        request: payloadOf(schemas.request),
        response: payloadOf(schemas.response),
        chargeBoxIdentity: identity,
        messageId,
        soapVersion,
      })
      fc.assert(
        fc.property(exchange, (x) => roundTrip({ ...x, role, version, operation })),
        RUNS,
      )
    })
  },
)

describe('round-trip corpus (counterexamples fast-check found, replayed)', () => {
  // `"encoder": "refuses"`: a payload the encoder must refuse with OcppEncodeError instead of writing bad XML.
  test.each(corpusJson<Exchange>('ocpp-round-trip'))('%s', (_name, x) => {
    if (x.encoder === 'refuses') expect(() => roundTrip(x)).toThrow(OcppEncodeError)
    else roundTrip(x)
  })
})

/**
 * Text from outside the codec (an API command's JSON, a journal) is any JS string, lone surrogates and control
 * characters included: the encoder refuses what XML cannot carry, naming the field, and the rest reads back.
 */
describe('any JS string in a text field: refused by the encoder or read back unchanged', () => {
  const utf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) })
  const anyText = fc.oneof(utf16, xmlText(20)).map((s) => s.trim())

  test.each(['1.5', '1.6'] as const)('DataTransfer data, our call to a %s station', (version) => {
    fc.assert(
      fc.property(anyText, (data) => {
        const payload = { vendorId: 'v', data }
        let body: string
        try {
          body = encodeRequest({
            ocppVersion: version,
            operation: 'DataTransfer',
            payload,
            chargeBoxIdentity: 'CP-1',
            to: 'http://10.0.0.5:8080/cp',
            from: 'http://cs.example.com/ocpp',
          }).body
        } catch (err) {
          expect(err).toBeInstanceOf(OcppEncodeError)
          expect((err as OcppEncodeError).message).toContain('dataTransferRequest/data')
          return
        }
        expect(decodeCpRequest(body, { expectedVersion: version }).payload).toEqual(payload)
      }),
      fuzzRuns(300),
    )
  })
})
