import { decodeRequest, type QuirkCode } from '../../src/index.ts'
import { stationEnvelope } from '../support/envelopes.ts'

const start = (fields: string) => `<cs:startTransactionRequest>${fields}</cs:startTransactionRequest>`
const FIELDS =
  '<cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:meterStart>5</cs:meterStart>'

interface QuirkCase {
  readonly name: string
  readonly xml: string
  readonly quirk: QuirkCode
  readonly check: (req: ReturnType<typeof decodeRequest>) => void
}

const cases: QuirkCase[] = [
  {
    name: 'a timestamp without offset is read as UTC',
    xml: stationEnvelope({
      version: '1.6',
      body: start(FIELDS.replace('2026-11-26T10:00:00Z', '2026-11-26T10:00:00')),
    }),
    quirk: 'TIMESTAMP_WITHOUT_OFFSET',
    check: (r) => expect(r.payload).toMatchObject({ timestamp: '2026-11-26T10:00:00.000Z' }),
  },
  {
    name: 'whitespace around an idTag and an enum is trimmed',
    xml: stationEnvelope({
      version: '1.6',
      body: '<cs:statusNotificationRequest><cs:connectorId> 1 </cs:connectorId><cs:status>\n  Available\n</cs:status><cs:errorCode>NoError </cs:errorCode></cs:statusNotificationRequest>',
    }),
    quirk: 'WHITESPACE_TRIMMED',
    check: (r) => expect(r.payload).toEqual({ connectorId: 1, status: 'Available', errorCode: 'NoError' }),
  },
  {
    name: 'elements out of sequence order are read by name',
    xml: stationEnvelope({
      version: '1.6',
      body: start(
        '<cs:meterStart>5</cs:meterStart><cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp>',
      ),
    }),
    quirk: 'ELEMENT_ORDER',
    check: (r) => expect(r.payload).toMatchObject({ meterStart: 5, connectorId: 1 }),
  },
  {
    name: 'unqualified child elements are read by name',
    xml: stationEnvelope({
      version: '1.6',
      body: start(FIELDS.replaceAll('cs:', ''))
        .replace('<startTransactionRequest>', '<cs:startTransactionRequest>')
        .replace('</startTransactionRequest>', '</cs:startTransactionRequest>'),
    }),
    quirk: 'UNQUALIFIED_ELEMENT',
    check: (r) => expect(r.payload).toMatchObject({ meterStart: 5, idTag: 'T' }),
  },
  {
    name: "chargeBoxIdentity in the other version's namespace",
    xml: stationEnvelope({
      version: '1.6',
      body: start(FIELDS),
      identityNs: 'urn://Ocpp/Cs/2012/06/',
      identity: 'CP-9',
    }),
    quirk: 'IDENTITY_NAMESPACE',
    check: (r) => expect(r.chargeBoxIdentity).toBe('CP-9'),
  },
  {
    name: 'chargeBoxIdentity without namespace',
    xml: stationEnvelope({ version: '1.6', body: start(FIELDS) }).replace(
      /<id:chargeBoxIdentity[^>]*>CP-1<\/id:chargeBoxIdentity>/,
      '<chargeBoxIdentity>CP-1</chargeBoxIdentity>',
    ),
    quirk: 'IDENTITY_NAMESPACE',
    check: (r) => expect(r.chargeBoxIdentity).toBe('CP-1'),
  },
  {
    name: 'a wsa:Action naming another operation: the body wins',
    xml: stationEnvelope({ version: '1.6', body: start(FIELDS), action: '/Heartbeat' }),
    quirk: 'ACTION_MISMATCH',
    check: (r) => expect(r.operation).toBe('StartTransaction'),
  },
  {
    name: 'a SOAP 1.1 envelope',
    xml: stationEnvelope({ version: '1.6', body: start(FIELDS), soap: '1.1' }),
    quirk: 'SOAP11_ENVELOPE',
    check: (r) => expect(r.soapVersion).toBe('1.1'),
  },
  {
    name: 'WS-Addressing in the 2004/08 submission namespace',
    xml: stationEnvelope({ version: '1.6', body: start(FIELDS), action: '/StartTransaction' }).replace(
      'xmlns:wsa="http://www.w3.org/2005/08/addressing"',
      'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"',
    ),
    quirk: 'WSA_SUBMISSION_NAMESPACE',
    check: (r) => expect(r.addressing.action).toBe('/StartTransaction'),
  },
  {
    name: 'optional elements marked xsi:nil are read as absent (an empty list item too)',
    xml: stationEnvelope({
      version: '1.6',
      body:
        '<cs:meterValuesRequest xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><cs:connectorId>1</cs:connectorId><cs:transactionId xsi:nil="1"/>' +
        '<cs:meterValue><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:sampledValue xsi:nil="true"/>' +
        '<cs:sampledValue><cs:value>7</cs:value><cs:unit xsi:nil=" true "/></cs:sampledValue></cs:meterValue>' +
        '</cs:meterValuesRequest>',
    }),
    quirk: 'NIL_ELEMENT',
    check: (r) =>
      expect(r.payload).toEqual({
        connectorId: 1,
        meterValue: [{ timestamp: '2026-11-26T10:00:00.000Z', sampledValue: [{ value: '7' }] }],
      }),
  },
  {
    name: 'transactionId -1',
    xml: stationEnvelope({
      version: '1.6',
      body: '<cs:stopTransactionRequest><cs:transactionId>-1</cs:transactionId><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:meterStop>9</cs:meterStop></cs:stopTransactionRequest>',
    }),
    quirk: 'TRANSACTION_ID_NOT_POSITIVE',
    check: (r) => expect(r.payload).toMatchObject({ transactionId: -1 }),
  },
]

describe('quirks: tolerated, flagged, meaning unchanged', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const req = decodeRequest(c.xml)
    expect(req.quirks.map((q) => q.code)).toEqual([c.quirk])
    c.check(req)
  })

  test('a quirk is recorded once, with the first path', () => {
    const xml = stationEnvelope({
      version: '1.6',
      body: '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:meterValue><cs:timestamp>2026-11-26T10:00:00</cs:timestamp><cs:sampledValue><cs:value>1</cs:value></cs:sampledValue></cs:meterValue><cs:meterValue><cs:timestamp>2026-11-26T10:01:00</cs:timestamp><cs:sampledValue><cs:value>2</cs:value></cs:sampledValue></cs:meterValue></cs:meterValuesRequest>',
    })
    expect(decodeRequest(xml).quirks).toEqual([
      { code: 'TIMESTAMP_WITHOUT_OFFSET', path: 'meterValuesRequest/meterValue[0]/timestamp' },
    ])
  })

  test('free text keeps inner whitespace and is trimmed at the edges without a quirk', () => {
    const xml = stationEnvelope({
      version: '1.6',
      body: '<cs:dataTransferRequest><cs:vendorId>v</cs:vendorId><cs:data>\n  {"a":  1}\n</cs:data></cs:dataTransferRequest>',
    })
    const req = decodeRequest(xml)
    expect(req.payload).toEqual({ vendorId: 'v', data: '{"a":  1}' })
    expect(req.quirks).toEqual([])
  })
})
