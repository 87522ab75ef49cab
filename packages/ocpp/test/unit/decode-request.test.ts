import {
  decodeRequest,
  OcppDtdForbiddenError,
  OcppMalformedXmlError,
  OcppMissingIdentityError,
  OcppMustUnderstandError,
  OcppNotSoapError,
  OcppSchemaError,
  OcppSoapVersionError,
  OcppUnknownNamespaceError,
  OcppUnknownOperationError,
  OcppVersionMismatchError,
  ocppServices,
} from '../../src/index.ts'
import { findViolation } from '../../src/xsd/validate.ts'
import { v15Requests, v16Requests } from '../support/cs-requests.ts'
import { SOAP12, stationEnvelope, WSA } from '../support/envelopes.ts'

const bootBody =
  '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>'

function startTx(fields: string): string {
  return stationEnvelope({
    version: '1.6',
    body: `<cs:startTransactionRequest>${fields}</cs:startTransactionRequest>`,
  })
}

const START_OK =
  '<cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:meterStart>5</cs:meterStart>'

describe('decodeRequest: every CentralSystemService operation', () => {
  test.each([...v16Requests, ...v15Requests].map((c) => [c.version, c.operation, c] as const))(
    'OCPP %s %s decodes to the typed payload',
    (version, operation, c) => {
      const xml = stationEnvelope({ version, body: c.body, action: `/${operation}`, identity: 'CP-1' })
      const req = decodeRequest(xml, { expectedVersion: version })
      expect(req).toMatchObject({
        soapVersion: '1.2',
        ocppVersion: version,
        operation,
        chargeBoxIdentity: 'CP-1',
      })
      expect(req.payload).toEqual(c.payload)
      expect(req.quirks).toEqual([])
      const schema = ocppServices[version].centralSystem.operations[operation as 'Heartbeat'].request
      expect(findViolation(schema, req.payload, 'x')).toBeUndefined()
    },
  )

  test('the fixtures cover all 10 operations of both versions', () => {
    for (const [version, cases] of [
      ['1.6', v16Requests],
      ['1.5', v15Requests],
    ] as const) {
      expect(cases.map((c) => c.operation).sort()).toEqual(
        Object.keys(ocppServices[version].centralSystem.operations).sort(),
      )
    }
  })

  test('reads the WS-Addressing headers', () => {
    const req = decodeRequest(
      stationEnvelope({
        version: '1.6',
        body: bootBody,
        action: '/BootNotification',
        messageId: 'urn:uuid:m-1',
      }),
    )
    expect(req.addressing).toEqual({
      action: '/BootNotification',
      messageId: 'urn:uuid:m-1',
      from: 'http://10.1.2.3:8080/ocpp/cp/CP-1',
      replyTo: `${WSA}/anonymous`,
      to: 'http://127.0.0.1:3100/ocpp/1.6',
    })
  })

  test('the version-neutral endpoint takes the version from the body namespace', () => {
    const c = v15Requests[0]
    const req = decodeRequest(stationEnvelope({ version: '1.5', body: c?.body ?? '' }))
    expect(req.ocppVersion).toBe('1.5')
  })

  test('a chargeBoxIdentity without mustUnderstand and with colons is taken as is', () => {
    const xml = stationEnvelope({ version: '1.6', body: bootBody, identity: 'urn:cp:NL*ALF*E001' }).replace(
      ' soap:mustUnderstand="true">urn',
      '>urn',
    )
    expect(decodeRequest(xml).chargeBoxIdentity).toBe('urn:cp:NL*ALF*E001')
  })
})

describe('decodeRequest: refusals name the reason', () => {
  const cases: [string, string, new (...args: never[]) => Error, RegExp][] = [
    ['not XML', 'hello', OcppMalformedXmlError, /OCPP_ERR_MALFORMED_XML/],
    [
      'truncated XML',
      stationEnvelope({ version: '1.6', body: bootBody }).slice(0, 200),
      OcppMalformedXmlError,
      /MALFORMED/,
    ],
    ['an undeclared prefix', '<x:Envelope/>', OcppMalformedXmlError, /MALFORMED/],
    [
      'an undefined entity',
      stationEnvelope({ version: '1.6', body: bootBody }).replace('>V<', '>&foo;<'),
      OcppMalformedXmlError,
      /MALFORMED/,
    ],
    ['a non-SOAP root', '<a xmlns="urn:x"/>', OcppNotSoapError, /not a SOAP Envelope/],
    [
      'an unknown envelope namespace',
      '<e:Envelope xmlns:e="urn:soap:3"><e:Body/></e:Envelope>',
      OcppSoapVersionError,
      /urn:soap:3/,
    ],
    ['no Body', `<s:Envelope xmlns:s="${SOAP12}"><s:Header/></s:Envelope>`, OcppNotSoapError, /no Body/],
    [
      'an empty Body',
      `<s:Envelope xmlns:s="${SOAP12}"><s:Body/></s:Envelope>`,
      OcppNotSoapError,
      /exactly one element, got 0/,
    ],
    [
      'an unknown body namespace',
      stationEnvelope({ version: '1.6', body: '<x:ping xmlns:x="urn:example"/>' }),
      OcppUnknownNamespaceError,
      /ping is in namespace "urn:example"/,
    ],
    [
      'a ChargePointService element sent to the central system',
      stationEnvelope({
        version: '1.6',
        body: '<r:resetRequest xmlns:r="urn://Ocpp/Cp/2015/10/"><r:type>Soft</r:type></r:resetRequest>',
      }),
      OcppUnknownNamespaceError,
      /resetRequest/,
    ],
    [
      'an unknown operation',
      stationEnvelope({ version: '1.6', body: '<cs:rebootRequest/>' }),
      OcppUnknownOperationError,
      /rebootRequest is no CentralSystemService 1.6 operation/,
    ],
    [
      'a response element as request',
      stationEnvelope({ version: '1.6', body: '<cs:heartbeatResponse/>' }),
      OcppUnknownOperationError,
      /heartbeatResponse/,
    ],
    [
      'no chargeBoxIdentity',
      stationEnvelope({ version: '1.6', body: bootBody, identity: null }),
      OcppMissingIdentityError,
      /missing chargeBoxIdentity/,
    ],
    [
      'an empty chargeBoxIdentity',
      stationEnvelope({ version: '1.6', body: bootBody, identity: '  ' }),
      OcppMissingIdentityError,
      /empty chargeBoxIdentity/,
    ],
    [
      'an unknown mustUnderstand header',
      stationEnvelope({
        version: '1.6',
        body: bootBody,
        extraHeaders: '<o:Security xmlns:o="urn:wss" soap:mustUnderstand="1"/>',
      }),
      OcppMustUnderstandError,
      /\{urn:wss\}Security is not understood/,
    ],
  ]
  test.each(cases)('%s', (_name, xml, type, message) => {
    const err = (() => {
      try {
        decodeRequest(xml)
      } catch (e) {
        return e
      }
      throw new Error('decoded')
    })()
    expect(err).toBeInstanceOf(type)
    expect((err as Error).message).toMatch(message)
  })

  test('a 1.5 body on the 1.6 endpoint is refused', () => {
    const xml = stationEnvelope({ version: '1.5', body: v15Requests[0]?.body ?? '' })
    expect(() => decodeRequest(xml, { expectedVersion: '1.6' })).toThrow(OcppVersionMismatchError)
    expect(() => decodeRequest(xml, { expectedVersion: '1.6' })).toThrow(
      'OCPP 1.5 message on an OCPP 1.6 endpoint',
    )
  })

  test('a mustUnderstand header for another role is ignored', () => {
    const xml = stationEnvelope({
      version: '1.6',
      body: bootBody,
      extraHeaders: `<o:Security xmlns:o="urn:wss" soap:mustUnderstand="true" soap:role="${SOAP12}/role/none"/>`,
    })
    expect(decodeRequest(xml).operation).toBe('BootNotification')
  })

  const schemaCases: [string, string, string][] = [
    [
      'a non-integer',
      START_OK.replace('>5<', '>12abc<'),
      'OCPP_ERR_SCHEMA: startTransactionRequest/meterStart: expected integer, got "12abc"',
    ],
    [
      'an int out of xs:int range',
      START_OK.replace('>5<', '>2147483648<'),
      'startTransactionRequest/meterStart: integer out of xs:int range, got "2147483648"',
    ],
    [
      'a missing required element',
      START_OK.replace('<cs:idTag>T</cs:idTag>', ''),
      'startTransactionRequest/idTag: required element is missing',
    ],
    [
      'an unknown element',
      `${START_OK}<cs:colour>red</cs:colour>`,
      'startTransactionRequest/colour: unknown element',
    ],
    [
      'an element of a foreign namespace',
      `${START_OK}<x:meterStart xmlns:x="urn:x">1</x:meterStart>`,
      'startTransactionRequest/meterStart: unknown element {urn:x}meterStart',
    ],
    [
      'a required element marked xsi:nil',
      START_OK.replace(
        '<cs:meterStart>5</cs:meterStart>',
        '<cs:meterStart xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>',
      ),
      'startTransactionRequest/meterStart: required element is nil',
    ],
    [
      'an element marked xsi:nil with a value',
      `${START_OK}<cs:reservationId xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true">7</cs:reservationId>`,
      'startTransactionRequest/reservationId: an element marked xsi:nil must be empty',
    ],
    [
      'a repeated single element',
      `${START_OK}<cs:meterStart>6</cs:meterStart>`,
      'startTransactionRequest/meterStart: element occurs more than once',
    ],
    [
      'an impossible date',
      START_OK.replace('2026-11-26T10:00:00Z', '2026-02-30T10:00:00Z'),
      'startTransactionRequest/timestamp: day 30 does not exist in 2026-02, got "2026-02-30T10:00:00Z"',
    ],
    [
      'a garbage date',
      START_OK.replace('2026-11-26T10:00:00Z', 'yesterday'),
      'startTransactionRequest/timestamp: expected xs:dateTime',
    ],
    [
      'an over-long idTag',
      START_OK.replace('>T<', '>123456789012345678901<'),
      'startTransactionRequest/idTag: longer than 20 characters',
    ],
    ['text in a complex element', `${START_OK}stray`, 'startTransactionRequest: unexpected text "stray"'],
    [
      'a child inside a simple element',
      START_OK.replace('>T<', '><cs:b>T</cs:b><'),
      'startTransactionRequest/idTag/b: unexpected child element',
    ],
    [
      'an unknown attribute',
      START_OK.replace('<cs:idTag>', '<cs:idTag bogus="1">'),
      'startTransactionRequest/idTag: unexpected attribute bogus',
    ],
  ]
  test.each(schemaCases)('%s is a schema error naming the field', (_name, fields, message) => {
    expect(() => decodeRequest(startTx(fields))).toThrow(OcppSchemaError)
    expect(() => decodeRequest(startTx(fields))).toThrow(message)
  })

  test('a schema error says whose request it was (for the edge), an envelope error cannot', () => {
    const err = catchError(() => decodeRequest(startTx(START_OK.replace('>5<', '>x<'))))
    expect(err).toBeInstanceOf(OcppSchemaError)
    expect((err as OcppSchemaError).request).toEqual({
      soapVersion: '1.2',
      ocppVersion: '1.6',
      operation: 'StartTransaction',
      chargeBoxIdentity: 'CP-1',
      messageId: 'urn:uuid:6b2c1f1e-0d7c-4c8e-a5a4-9a1e1d2b3c4d',
    })
    const noIdentity = catchError(() =>
      decodeRequest(stationEnvelope({ version: '1.6', identity: null, body: bootBody })),
    )
    expect((noIdentity as OcppSchemaError).request).toBeUndefined()
  })

  test('an enum value outside the schema is named with the allowed values', () => {
    const xml = stationEnvelope({
      version: '1.6',
      body: '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Bogus</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
    })
    expect(() => decodeRequest(xml)).toThrow(
      'statusNotificationRequest/status: expected one of Available|Preparing|Charging|SuspendedEV|SuspendedEVSE|Finishing|Reserved|Faulted|Unavailable, got "Bogus"',
    )
  })

  test('a 1.6 status on a 1.5 station is refused', () => {
    const xml = stationEnvelope({
      version: '1.5',
      body: '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Charging</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
    })
    expect(() => decodeRequest(xml)).toThrow(
      'statusNotificationRequest/status: expected one of Available|Occupied',
    )
  })

  test('a 1.5 meter value attribute outside its enum is named', () => {
    const xml = stationEnvelope({
      version: '1.5',
      body: '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:value unit="A">1</cs:value></cs:values></cs:meterValuesRequest>',
    })
    expect(() => decodeRequest(xml)).toThrow(
      'meterValuesRequest/values[0]/value[0]/@unit: expected one of Wh|kWh',
    )
  })

  test('a meter value without sampled values breaks minOccurs', () => {
    const xml = stationEnvelope({
      version: '1.6',
      body: '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:meterValue><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp></cs:meterValue></cs:meterValuesRequest>',
    })
    expect(() => decodeRequest(xml)).toThrow(
      'meterValuesRequest/meterValue[0]/sampledValue: required element is missing',
    )
  })

  test('schema errors are the sender fault', () => {
    try {
      decodeRequest(startTx(START_OK.replace('>5<', '>x<')))
    } catch (e) {
      expect((e as OcppSchemaError).fault).toEqual({ code: 'Sender', subcode: 'ProtocolError' })
      expect((e as OcppSchemaError).senderFault).toBe(true)
      expect((e as OcppSchemaError).path).toBe('startTransactionRequest/meterStart')
      return
    }
    throw new Error('decoded')
  })
})

describe('decodeRequest: XXE and entity expansion', () => {
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    stationEnvelope({ version: '1.6', body: bootBody.replace('>V<', '>&xxe;<') }).replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '',
    )
  const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from(
    { length: 9 },
    (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`,
  ).join('')}]><lolz>&lol9;</lolz>`

  test.each([
    ['XXE', xxe],
    ['billion laughs', lol],
    ['an internal subset without entities', '<!DOCTYPE a><a/>'],
  ])('%s is refused before parsing', (_name, xml) => {
    // The DOCTYPE check runs on the raw text, before the parser sees an entity to expand (a time limit here
    // would only measure the machine).
    expect(() => decodeRequest(xml)).toThrow(OcppDtdForbiddenError)
  })

  test('the refusal is a SecurityError sender fault', () => {
    expect(new OcppDtdForbiddenError().fault).toEqual({ code: 'Sender', subcode: 'SecurityError' })
  })
})

describe('decodeRequest: well-formed variants that are accepted', () => {
  const c = v16Requests[0]
  test('a UTF-8 byte order mark, comments, CDATA and a default-namespace body', () => {
    const xml = `\uFEFF${stationEnvelope({
      version: '1.6',
      body: '<!-- station fw 5.8 --><authorizeRequest xmlns="urn://Ocpp/Cs/2015/10/"><idTag><![CDATA[04A1B2C3D4E5F6]]></idTag></authorizeRequest>',
    })}`
    expect(decodeRequest(xml).payload).toEqual(c?.payload)
  })

  test('a SOAP 1.1 envelope with actor-targeted headers', () => {
    const xml = stationEnvelope({ version: '1.6', body: c?.body ?? '', soap: '1.1' }).replace(
      'soap:mustUnderstand="true">CP-1',
      'soap:mustUnderstand="1" soap:actor="http://schemas.xmlsoap.org/soap/actor/next">CP-1',
    )
    expect(decodeRequest(xml)).toMatchObject({
      soapVersion: '1.1',
      chargeBoxIdentity: 'CP-1',
      payload: c?.payload,
    })
  })
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}
