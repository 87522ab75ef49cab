import {
  decodeResponse,
  OcppFaultResponseError,
  OcppResponseMismatchError,
  OcppSchemaError,
} from '../../src/index.ts'

const CP16 = 'urn://Ocpp/Cp/2015/10/'
const expectation = { ocppVersion: '1.6', operation: 'Reset', messageId: 'urn:uuid:call-1' } as const

function reply(
  body: string,
  headers = '<a:RelatesTo>urn:uuid:call-1</a:RelatesTo>',
  env = 'http://www.w3.org/2003/05/soap-envelope',
): string {
  return `<e:Envelope xmlns:e="${env}" xmlns:a="http://www.w3.org/2005/08/addressing"><e:Header>${headers}</e:Header><e:Body>${body}</e:Body></e:Envelope>`
}

describe('decodeResponse', () => {
  test('decodes a reply and its addressing', () => {
    const res = decodeResponse(
      reply(`<resetResponse xmlns="${CP16}"><status>Accepted</status></resetResponse>`),
      expectation,
    )
    expect(res).toEqual({
      soapVersion: '1.2',
      addressing: { relatesTo: 'urn:uuid:call-1' },
      payload: { status: 'Accepted' },
      quirks: [],
    })
  })

  test('flags a reply without RelatesTo', () => {
    const res = decodeResponse(
      reply(`<resetResponse xmlns="${CP16}"><status>Rejected</status></resetResponse>`, ''),
      expectation,
    )
    expect(res.quirks).toEqual([{ code: 'RELATES_TO_MISSING', path: 'Header/RelatesTo' }])
  })

  test.each([
    [
      'a SOAP 1.2 fault',
      reply(
        '<e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>x:ProtocolError</e:Value></e:Subcode></e:Code><e:Reason><e:Text xml:lang="en">bad</e:Text></e:Reason></e:Fault>',
      ),
      OcppFaultResponseError,
      'OCPP_ERR_FAULT_RESPONSE: Sender/ProtocolError: bad',
    ],
    [
      'a SOAP 1.1 fault',
      reply(
        '<e:Fault><faultcode>e:Server</faultcode><faultstring>boom</faultstring></e:Fault>',
        '',
        'http://schemas.xmlsoap.org/soap/envelope/',
      ),
      OcppFaultResponseError,
      'OCPP_ERR_FAULT_RESPONSE: Server: boom',
    ],
    [
      'another operation',
      reply(`<clearCacheResponse xmlns="${CP16}"><status>Accepted</status></clearCacheResponse>`),
      OcppResponseMismatchError,
      'expected {urn://Ocpp/Cp/2015/10/}resetResponse, got {urn://Ocpp/Cp/2015/10/}clearCacheResponse',
    ],
    [
      'the other version',
      reply('<resetResponse xmlns="urn://Ocpp/Cp/2012/06/"><status>Accepted</status></resetResponse>'),
      OcppResponseMismatchError,
      'got {urn://Ocpp/Cp/2012/06/}resetResponse',
    ],
    [
      'a reply to another call',
      reply(
        `<resetResponse xmlns="${CP16}"><status>Accepted</status></resetResponse>`,
        '<a:RelatesTo>urn:uuid:other</a:RelatesTo>',
      ),
      OcppResponseMismatchError,
      'RelatesTo urn:uuid:other does not match our MessageID urn:uuid:call-1',
    ],
    [
      'an invalid status',
      reply(`<resetResponse xmlns="${CP16}"><status>OK</status></resetResponse>`),
      OcppSchemaError,
      'resetResponse/status: expected one of Accepted|Rejected, got "OK"',
    ],
  ])('refuses %s', (_name, xml, type, message) => {
    expect(() => decodeResponse(xml, expectation)).toThrow(type)
    expect(() => decodeResponse(xml, expectation)).toThrow(message)
  })
})
