import fc from 'fast-check'
import type { TObject } from 'typebox'
import { corpusEntries, fuzzRuns } from '../../../../test/support/corpus.ts'
import {
  decodeCpRequest,
  decodeRequest,
  decodeResponse,
  decodeXmlBody,
  encodeFault,
  faultForError,
  OcppError,
  type OcppVersion,
  ocppServices,
} from '../../src/index.ts'
import { parseXml } from '../../src/xml/parse-xml.ts'
import { findViolation } from '../../src/xsd/validate.ts'
import { byteFlips, flipBytes, mutations } from '../support/mutations.ts'
import { callAndReply as callAndReplyOf, stationRequest } from '../support/station-requests.ts'

type Schemas = { request: TObject; response: TObject }

/**
 * What the codec may do with any input: answer with a fault that has a code and a reason (an `OcppError`, which
 * `encodeFault` turns into a well-formed SOAP fault), or return a message its schema validator accepts. Anything
 * else (a TypeError, a RangeError, a payload that breaks the schema) is a finding.
 */
function expectFaultOrValid(decode: () => { payload: unknown }, schemaOf: (decoded: never) => TObject): void {
  let decoded: { payload: unknown }
  try {
    decoded = decode()
  } catch (err) {
    if (!(err instanceof OcppError)) throw new Error(`crash: ${String(err)}`, { cause: err })
    const fault = faultForError(err)
    expect(fault.reason.length).toBeGreaterThan(err.code.length)
    const encoded = encodeFault({ soapVersion: '1.2', ...fault })
    expect(parseXml(encoded.body).local).toBe('Envelope')
    return
  }
  const violation = findViolation(schemaOf(decoded as never), decoded.payload, 'payload')
  expect(violation).toBeUndefined()
}

function csSchemas(version: OcppVersion, operation: string): Schemas {
  return (ocppServices[version].centralSystem.operations as Record<string, Schemas>)[operation] as Schemas
}
function cpSchemas(version: OcppVersion, operation: string): Schemas {
  return (ocppServices[version].chargePoint.operations as Record<string, Schemas>)[operation] as Schemas
}

/** Where a station's request can arrive: `/ocpp/1.5`, `/ocpp/1.6` or the version-neutral `/ocpp`. */
const endpoint = fc.constantFrom<OcppVersion | undefined>('1.5', '1.6', undefined)

/** A station's decoded request is checked against the schema of the operation it claims to be. */
function decodeStationRequest(xml: string, expectedVersion: OcppVersion | undefined): void {
  expectFaultOrValid(
    () => decodeRequest(xml, expectedVersion === undefined ? {} : { expectedVersion }),
    (d: { ocppVersion: OcppVersion; operation: string }) => csSchemas(d.ocppVersion, d.operation).request,
  )
}

/** A valid call of ours to a station and the station's valid reply (SOAP 1.2). */
const callAndReply = callAndReplyOf()

const RUNS = fuzzRuns(400)

describe('mutated input never crashes the codec and is never accepted when invalid', () => {
  test("a station's request, damaged as text (flips, cuts, repeated or removed elements, namespaces, huge values, entity tricks)", () => {
    fc.assert(
      fc.property(stationRequest, mutations, endpoint, (req, mutate, version) =>
        decodeStationRequest(mutate(req.body), version),
      ),
      RUNS,
    )
  })

  test("a station's request, damaged as bytes before the text is decoded (UTF-8, or the charset it claims)", () => {
    const charset = fc.constantFrom(undefined, 'utf-8', 'iso-8859-1', 'windows-1252', 'utf-16le', 'bogus-8')
    fc.assert(
      fc.property(stationRequest, byteFlips, charset, endpoint, (req, flips, cs, version) => {
        const bytes = flipBytes(Buffer.from(req.body, 'utf8'), flips)
        const contentType = cs === undefined ? 'application/soap+xml' : `application/soap+xml; charset=${cs}`
        let text: string
        try {
          text = decodeXmlBody(bytes, contentType)
        } catch (err) {
          expect(err).toBeInstanceOf(OcppError)
          return
        }
        decodeStationRequest(text, version)
      }),
      RUNS,
    )
  })

  test('our call as a station reads it (decodeCpRequest), damaged', () => {
    fc.assert(
      fc.property(callAndReply, mutations, ({ call }, mutate) =>
        expectFaultOrValid(
          () => decodeCpRequest(mutate(call.body)),
          (d: { ocppVersion: OcppVersion; operation: string }) =>
            cpSchemas(d.ocppVersion, d.operation).request,
        ),
      ),
      RUNS,
    )
  })

  test("a station's reply to our call (decodeResponse), damaged", () => {
    fc.assert(
      fc.property(callAndReply, mutations, ({ version, operation, call, reply }, mutate) =>
        expectFaultOrValid(
          () =>
            decodeResponse(mutate(reply.body), {
              ocppVersion: version,
              operation: operation as 'Reset',
              messageId: call.messageId,
            }),
          () => cpSchemas(version, operation).response,
        ),
      ),
      RUNS,
    )
  })
})

describe('hostile SOAP corpus (found by fuzzing or written by hand), replayed on every endpoint', () => {
  test.each(corpusEntries('ocpp-soap', '.xml'))('%s', (_name, bytes) => {
    for (const version of ['1.5', '1.6', undefined] as const) {
      let text: string
      try {
        text = decodeXmlBody(bytes, 'application/soap+xml')
      } catch (err) {
        expect(err).toBeInstanceOf(OcppError)
        continue
      }
      decodeStationRequest(text, version)
    }
  })
})
