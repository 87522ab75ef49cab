import type { TObject, TSchema } from 'typebox'
import {
  decodeRequest,
  encodeRequest,
  encodeResponse,
  OcppEncodeError,
  ocppServices,
} from '../../src/index.ts'
import { parseXml, type XmlElement } from '../../src/xml/parse-xml.ts'
import { planOf, type SequencePlan } from '../../src/xsd/schema-plan.ts'
import { writePayload } from '../../src/xsd/write-payload.ts'
import { requestElementName } from '../../src/xsd/xsd-types.ts'
import { stationEnvelope } from '../support/envelopes.ts'
import { expectReplyDecodes, operationCases } from '../support/operation-cases.ts'
import { sampleOf } from '../support/samples.ts'

function bodyElement(xml: string): XmlElement {
  const body = parseXml(xml).children.find((c) => c.local === 'Body')
  const el = body?.children[0]
  if (!el) throw new Error('no body element')
  return el
}

/** Child element names in document order, recursively: what element order means on the wire. */
function shape(el: XmlElement): unknown {
  return el.children.length ? [el.local, el.children.map(shape)] : el.local
}

/** The same, computed from the schema and the payload alone. */
function expectedShape(name: string, value: unknown, schema: TObject): unknown {
  const plan = planOf(schema)
  if (plan.kind !== 'sequence') return name
  const obj = value as Record<string, unknown>
  const kids: unknown[] = []
  for (const [key, prop] of Object.entries(schema.properties)) {
    const v = obj[key]
    if (v === undefined) continue
    const p = prop as TSchema & { type?: string; items?: TObject }
    const item = p.type === 'array' ? (p.items as TObject) : (p as TObject)
    for (const one of p.type === 'array' ? (v as unknown[]) : [v]) kids.push(expectedShape(key, one, item))
  }
  return kids.length ? [name, kids] : name
}

describe('CentralSystemService: station request -> decodeRequest, our response -> encodeResponse', () => {
  test.each(operationCases('centralSystem'))(
    'OCPP %s %s (%s sample)',
    (version, operation, mode, schemas) => {
      const request = sampleOf(schemas.request, mode)
      const ns = ocppServices[version].centralSystem.namespace
      const body = writePayload(
        requestElementName(operation),
        request,
        planOf(schemas.request) as SequencePlan,
        ` xmlns="${ns}"`,
      )
      const decoded = decodeRequest(
        stationEnvelope({ version, body, action: `/${operation}`, messageId: 'urn:uuid:r-1' }),
        {
          expectedVersion: version,
        },
      )
      expect(decoded.operation).toBe(operation)
      expect(decoded.payload).toEqual(request)

      const response = sampleOf(schemas.response, mode)
      const encoded = encodeResponse({
        soapVersion: decoded.soapVersion,
        ocppVersion: version,
        operation: operation as 'Heartbeat',
        payload: response as never,
        relatesTo: decoded.addressing.messageId,
      })
      expect(encoded.contentType).toBe(`application/soap+xml; charset=utf-8; action="/${operation}Response"`)
      const el = bodyElement(encoded.body)
      expect(el.ns).toBe(ns)
      expect(shape(el)).toEqual(
        expectedShape(
          `${operation.charAt(0).toLowerCase()}${operation.slice(1)}Response`,
          response,
          schemas.response,
        ),
      )
    },
  )
})

describe('ChargePointService: encodeRequest to a station, decodeResponse of its reply', () => {
  test.each(operationCases('chargePoint'))('OCPP %s %s (%s sample)', (version, operation, mode, schemas) => {
    const request = sampleOf(schemas.request, mode)
    const call = encodeRequest({
      ocppVersion: version,
      operation: operation as 'Reset',
      payload: request as never,
      chargeBoxIdentity: 'CP-1',
      to: 'http://10.1.2.3:8080/ocpp/cp/CP-1',
      from: 'http://cs.example.com/ocpp/1.6',
      messageId: 'urn:uuid:call-1',
    })
    const el = bodyElement(call.body)
    expect(shape(el)).toEqual(expectedShape(requestElementName(operation), request, schemas.request))

    const response = sampleOf(schemas.response, mode)
    const ns = ocppServices[version].chargePoint.namespace
    const name = `${operation.charAt(0).toLowerCase()}${operation.slice(1)}Response`
    const reply =
      `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">` +
      `<e:Header><a:RelatesTo>${call.messageId}</a:RelatesTo></e:Header><e:Body>` +
      writePayload(name, response, planOf(schemas.response) as SequencePlan, ` xmlns="${ns}"`) +
      '</e:Body></e:Envelope>'
    expectReplyDecodes(reply, { ocppVersion: version, operation, messageId: call.messageId }, response)
  })
})

describe('encodeResponse', () => {
  const base = { soapVersion: '1.2', ocppVersion: '1.6', relatesTo: 'urn:uuid:r-1' } as const

  test('writes the WS-Addressing reply headers and converts dateTimes to UTC', () => {
    const { body } = encodeResponse({
      ...base,
      operation: 'BootNotification',
      payload: { interval: 300, currentTime: '2026-11-26T11:00:00+01:00', status: 'Accepted' },
      messageId: 'urn:uuid:reply-1',
    })
    expect(body).toBe(
      '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">' +
        '<s:Header><a:Action>/BootNotificationResponse</a:Action><a:MessageID>urn:uuid:reply-1</a:MessageID>' +
        '<a:RelatesTo>urn:uuid:r-1</a:RelatesTo><a:To>http://www.w3.org/2005/08/addressing/anonymous</a:To></s:Header>' +
        '<s:Body><bootNotificationResponse xmlns="urn://Ocpp/Cs/2015/10/"><status>Accepted</status>' +
        '<currentTime>2026-11-26T10:00:00.000Z</currentTime><interval>300</interval></bootNotificationResponse></s:Body></s:Envelope>',
    )
  })

  test('answers SOAP 1.1 requests in SOAP 1.1 with text/xml', () => {
    const res = encodeResponse({
      ...base,
      soapVersion: '1.1',
      operation: 'Heartbeat',
      payload: { currentTime: '2026-11-26T10:00:00Z' },
    })
    expect(res.contentType).toBe('text/xml; charset=utf-8')
    expect(res.body).toContain('xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"')
  })

  test('leaves RelatesTo out when the request had no MessageID', () => {
    const res = encodeResponse({
      ...base,
      relatesTo: undefined,
      operation: 'StatusNotification',
      payload: {},
    })
    expect(res.body).not.toContain('RelatesTo')
    expect(res.body).toContain('<statusNotificationResponse xmlns="urn://Ocpp/Cs/2015/10/"/>')
  })

  test('escapes text', () => {
    const res = encodeResponse({
      ...base,
      operation: 'DataTransfer',
      payload: { status: 'Accepted', data: '<a href="x">&</a>]]>' },
    })
    expect(res.body).toContain('<data>&lt;a href="x"&gt;&amp;&lt;/a&gt;]]&gt;</data>')
    expect(bodyElement(res.body).children[1]?.text).toBe('<a href="x">&</a>]]>')
  })

  const invalid: [string, string, unknown, string][] = [
    ['a missing field', 'Heartbeat', {}, 'heartbeatResponse/currentTime: required property is missing'],
    [
      'an extra field',
      'Heartbeat',
      { currentTime: '2026-11-26T10:00:00Z', extra: 1 },
      'heartbeatResponse/extra: property is not in the schema',
    ],
    ['a null', 'StopTransaction', { idTagInfo: null }, 'stopTransactionResponse/idTagInfo'],
    ['a wrong enum', 'Authorize', { idTagInfo: { status: 'Maybe' } }, 'authorizeResponse/idTagInfo/status'],
    [
      'a non-integer',
      'BootNotification',
      { status: 'Accepted', currentTime: '2026-11-26T10:00:00Z', interval: 1.5 },
      'bootNotificationResponse/interval',
    ],
    [
      'a time without zone',
      'Heartbeat',
      { currentTime: '2026-11-26T10:00:00' },
      'heartbeatResponse/currentTime',
    ],
    [
      'a control character',
      'DataTransfer',
      { status: 'Accepted', data: 'a\u0001b' },
      'dataTransferResponse/data: contains characters XML cannot carry',
    ],
  ]
  test.each(invalid)('refuses %s as our bug (Receiver fault)', (_name, operation, payload, message) => {
    const run = () =>
      encodeResponse({ ...base, operation: operation as 'Heartbeat', payload: payload as never })
    expect(run).toThrow(OcppEncodeError)
    expect(run).toThrow(message)
    try {
      run()
    } catch (e) {
      expect((e as OcppEncodeError).fault).toEqual({ code: 'Receiver', subcode: 'InternalError' })
    }
  })
})

describe('encodeRequest', () => {
  test('writes identity in the station namespace, Action, MessageID, To, From and ReplyTo', () => {
    const call = encodeRequest({
      ocppVersion: '1.5',
      operation: 'RemoteStartTransaction',
      payload: { connectorId: 1, idTag: 'TAG-1' },
      chargeBoxIdentity: 'CP&1',
      to: 'http://10.1.2.3:8080/ocpp?id=1&x=2',
      from: 'http://cs.example.com/ocpp/1.5',
    })
    expect(call.messageId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
    expect(call.contentType).toBe('application/soap+xml; charset=utf-8; action="/RemoteStartTransaction"')
    expect(call.body).toContain(
      '<s:Header><chargeBoxIdentity xmlns="urn://Ocpp/Cp/2012/06/">CP&amp;1</chargeBoxIdentity>' +
        `<a:Action>/RemoteStartTransaction</a:Action><a:MessageID>${call.messageId}</a:MessageID>` +
        '<a:From><a:Address>http://cs.example.com/ocpp/1.5</a:Address></a:From>' +
        '<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>' +
        '<a:To>http://10.1.2.3:8080/ocpp?id=1&amp;x=2</a:To></s:Header>',
    )
    // 1.5 puts idTag before connectorId: schema order, not object key order
    expect(call.body).toContain(
      '<remoteStartTransactionRequest xmlns="urn://Ocpp/Cp/2012/06/"><idTag>TAG-1</idTag><connectorId>1</connectorId>',
    )
  })

  test('gives each call a fresh MessageID', () => {
    const input = {
      ocppVersion: '1.6',
      operation: 'ClearCache',
      payload: {},
      chargeBoxIdentity: 'CP-1',
      to: 'http://x',
      from: 'http://y',
    } as const
    expect(encodeRequest(input).messageId).not.toBe(encodeRequest(input).messageId)
  })
})
