import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { errorCodeDocGaps } from '@chargebus/errors'
import {
  encodeFault,
  faultForError,
  OcppDtdForbiddenError,
  OcppEncodeError,
  OcppErrorCodes,
  OcppMustUnderstandError,
  OcppSchemaError,
  OcppSoapVersionError,
  OcppUnsupportedOperationError,
} from '../../src/index.ts'
import { parseXml } from '../../src/xml/parse-xml.ts'

describe('encodeFault', () => {
  test('SOAP 1.2: Sender with OCPP subcode, Reason/Text in English, HTTP 400, WS-A fault action', () => {
    const f = encodeFault({
      soapVersion: '1.2',
      code: 'Sender',
      subcode: 'SecurityError',
      reason: 'unknown <station>',
      relatesTo: 'urn:uuid:1',
    })
    expect(f.httpStatus).toBe(400)
    expect(f.contentType).toBe(
      'application/soap+xml; charset=utf-8; action="http://www.w3.org/2005/08/addressing/soap/fault"',
    )
    expect(f.body).toContain(
      '<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>SecurityError</s:Value></s:Subcode></s:Code>' +
        '<s:Reason><s:Text xml:lang="en">unknown &lt;station&gt;</s:Text></s:Reason></s:Fault></s:Body>',
    )
    expect(f.body).toContain(
      '<a:Action>http://www.w3.org/2005/08/addressing/soap/fault</a:Action><a:RelatesTo>urn:uuid:1</a:RelatesTo>',
    )
    expect(parseXml(f.body).local).toBe('Envelope')
  })

  test('SOAP 1.2 Receiver faults are HTTP 500', () => {
    expect(
      encodeFault({ soapVersion: '1.2', code: 'Receiver', subcode: 'InternalError', reason: 'x' }).httpStatus,
    ).toBe(500)
  })

  test('SOAP 1.1: faultcode Client/Server and faultstring, text/xml, HTTP 500', () => {
    const f = encodeFault({ soapVersion: '1.1', code: 'Sender', subcode: 'ProtocolError', reason: 'bad' })
    expect(f.httpStatus).toBe(500)
    expect(f.contentType).toBe('text/xml; charset=utf-8')
    expect(f.body).toContain(
      '<s:Fault><faultcode>s:Client</faultcode><faultstring>bad</faultstring></s:Fault>',
    )
    expect(encodeFault({ soapVersion: '1.1', code: 'Receiver', reason: 'x' }).body).toContain(
      '<faultcode>s:Server</faultcode>',
    )
  })

  test('a reason with characters XML cannot carry still gives well-formed XML', () => {
    const f = encodeFault({ soapVersion: '1.2', code: 'Sender', reason: 'bad \u0000 byte' })
    expect(() => parseXml(f.body)).not.toThrow()
  })
})

describe('faultForError', () => {
  test.each([
    [new OcppSchemaError('a/b', 'expected integer'), { code: 'Sender', subcode: 'ProtocolError' }],
    [new OcppDtdForbiddenError(), { code: 'Sender', subcode: 'SecurityError' }],
    [new OcppSoapVersionError('urn:x'), { code: 'VersionMismatch', subcode: undefined }],
    [new OcppMustUnderstandError('{urn:x}y'), { code: 'MustUnderstand', subcode: undefined }],
    [new OcppEncodeError('a', 'b'), { code: 'Receiver', subcode: 'InternalError' }],
    [
      new OcppUnsupportedOperationError('TriggerMessage', '1.5'),
      { code: 'Receiver', subcode: 'NotSupported' },
    ],
  ])('%s', (err, fault) => {
    expect(faultForError(err)).toEqual({ ...fault, reason: err.message })
  })

  test('an unknown error is a generic Receiver fault that leaks nothing', () => {
    expect(faultForError(new Error('password=hunter2'))).toEqual({
      code: 'Receiver',
      subcode: 'InternalError',
      reason: 'internal error',
    })
  })
})

describe('error codes', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  test('the README documents every code, and only codes that exist', () => {
    expect(errorCodeDocGaps(OcppErrorCodes, readme, 'OCPP_ERR_')).toEqual({ missing: [], unknown: [] })
  })
})
