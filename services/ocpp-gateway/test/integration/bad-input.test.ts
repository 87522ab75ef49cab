import {
  envelope,
  hasElement,
  SOAP12,
  startTestGateway,
  type TestGateway,
  textOf,
  V16_NS,
  WSA,
} from '../support/gateway.ts'

/*
 * Bad input stores nothing and the process stays up; tolerated quirks are answered and flagged.
 */

let gw: TestGateway
// A gateway starts in about a second; a busy CI box has taken over five (the default hook timeout).
beforeAll(async () => {
  gw = await startTestGateway({ OCPP_BODY_LIMIT_BYTES: '4096', OCPP_AUTHORIZE_UNKNOWN: 'true' })
}, 30_000)
afterAll(() => gw?.close())

/** Faults counted by ocpp_gateway_requests_total, over every version and action. */
async function faultsCounted(): Promise<number> {
  const res = await gw.app.inject({ method: 'GET', url: '/metrics' })
  let n = 0
  for (const line of res.body.split('\n'))
    if (line.startsWith('ocpp_gateway_requests_total{') && line.includes('outcome="fault"'))
      n += Number(line.slice(line.lastIndexOf(' ') + 1))
  return n
}

const heartbeat = envelope({ identity: 'CP-bad', body: '<cs:heartbeatRequest/>' }).xml
const start = (timestamp: string, station = 'CP-quirk') =>
  envelope({
    identity: station,
    body: `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>T1</cs:idTag><cs:timestamp>${timestamp}</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>`,
  })

const laughs =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
  `<soap:Envelope xmlns:soap="${SOAP12}"><soap:Body><heartbeatRequest xmlns="${V16_NS}">&lol3;</heartbeatRequest></soap:Body></soap:Envelope>`
const xxe =
  '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  `<soap:Envelope xmlns:soap="${SOAP12}"><soap:Header><chargeBoxIdentity xmlns="${V16_NS}">&xxe;</chargeBoxIdentity></soap:Header>` +
  `<soap:Body><heartbeatRequest xmlns="${V16_NS}"/></soap:Body></soap:Envelope>`

const cases: Array<
  [string, string, { status: number; code: string; reason: RegExp; contentType?: string; path?: string }]
> = [
  [
    'malformed XML',
    '<soap:Envelope><soap:Body>',
    { status: 400, code: 's:Sender', reason: /OCPP_ERR_MALFORMED_XML/ },
  ],
  ['not XML at all', 'hello', { status: 400, code: 's:Sender', reason: /OCPP_ERR_MALFORMED_XML/ }],
  ['billion laughs (DTD)', laughs, { status: 400, code: 's:Sender', reason: /OCPP_ERR_DTD_FORBIDDEN/ }],
  ['XXE (external entity)', xxe, { status: 400, code: 's:Sender', reason: /OCPP_ERR_DTD_FORBIDDEN/ }],
  [
    'a body over the limit',
    heartbeat.replace('<cs:heartbeatRequest/>', `<cs:heartbeatRequest/><!--${'x'.repeat(5000)}-->`),
    { status: 413, code: 's:Sender', reason: /exceeds 4096 bytes/ },
  ],
  [
    'an unknown operation',
    envelope({ identity: 'CP-bad', body: '<cs:launchRocketRequest/>' }).xml,
    { status: 400, code: 's:Sender', reason: /OCPP_ERR_UNKNOWN_OPERATION: launchRocketRequest/ },
  ],
  [
    'a 1.5 body on the 1.6 endpoint',
    envelope({ version: '1.5', identity: 'CP-bad', body: '<cs:heartbeatRequest/>' }).xml,
    { status: 400, code: 's:Sender', reason: /OCPP 1.5 message on an OCPP 1.6 endpoint/ },
  ],
  [
    'a foreign namespace',
    envelope({ identity: 'CP-bad', body: '<x:heartbeatRequest xmlns:x="urn:acme:ocpp"/>' }).xml,
    { status: 400, code: 's:Sender', reason: /OCPP_ERR_UNKNOWN_NAMESPACE/ },
  ],
  [
    'a schema-invalid field',
    envelope({
      identity: 'CP-bad',
      body: '<cs:statusNotificationRequest><cs:connectorId>1x</cs:connectorId><cs:errorCode>NoError</cs:errorCode><cs:status>Available</cs:status></cs:statusNotificationRequest>',
    }).xml,
    { status: 400, code: 's:Sender', reason: /statusNotificationRequest\/connectorId/ },
  ],
  [
    'an enum value that does not exist',
    envelope({
      identity: 'CP-bad',
      body: '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:errorCode>NoError</cs:errorCode><cs:status>Bogus</cs:status></cs:statusNotificationRequest>',
    }).xml,
    { status: 400, code: 's:Sender', reason: /statusNotificationRequest\/status/ },
  ],
  [
    'a missing required field',
    envelope({
      identity: 'CP-bad',
      body: '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId></cs:startTransactionRequest>',
    }).xml,
    { status: 400, code: 's:Sender', reason: /startTransactionRequest/ },
  ],
  [
    'an impossible date',
    start('2026-02-30T10:00:00Z', 'CP-bad').xml,
    { status: 400, code: 's:Sender', reason: /day 30 does not exist/ },
  ],
  [
    'no chargeBoxIdentity',
    envelope({ identity: null, body: '<cs:heartbeatRequest/>' }).xml,
    { status: 400, code: 's:Sender', reason: /OCPP_ERR_MISSING_IDENTITY/ },
  ],
  [
    'an unsupported Content-Type',
    heartbeat,
    {
      status: 415,
      code: 's:Sender',
      reason: /is not application\/soap\+xml/,
      contentType: 'application/json',
    },
  ],
  ['an empty body', '', { status: 400, code: 's:Sender', reason: /body/ }],
  [
    'a header marked mustUnderstand that we do not know',
    envelope({ identity: 'CP-bad', body: '<cs:heartbeatRequest/>' }).xml.replace(
      '<soap:Header>',
      '<soap:Header><x:Security xmlns:x="urn:x" soap:mustUnderstand="true"/>',
    ),
    { status: 500, code: 's:MustUnderstand', reason: /OCPP_ERR_MUST_UNDERSTAND/ },
  ],
]

test.each(cases)('%s: Sender fault, counted, nothing stored, still serving', async (_name, xml, expected) => {
  const faultsBefore = await faultsCounted()
  const res = await gw.post(xml, { contentType: expected.contentType, path: expected.path })
  expect(await faultsCounted()).toBe(faultsBefore + 1)
  expect(res.status).toBe(expected.status)
  expect(res.contentType).toMatch(/^application\/soap\+xml/)
  expect(textOf(res.body, 'Value')).toBe(expected.code)
  expect(textOf(res.body, 'Text')).toMatch(expected.reason)
  expect(textOf(res.body, 'Action')).toBe(`${WSA}/soap/fault`)
  expect(res.body).not.toContain('/etc/passwd')
  expect(res.body).not.toMatch(/at .*\.ts:\d+/) // no stack
  expect((await gw.stored()).filter((m) => m.data.stationId === 'CP-bad')).toHaveLength(0)
  // the process is fine
  expect((await gw.post(envelope({ identity: 'CP-alive', body: '<cs:heartbeatRequest/>' }).xml)).status).toBe(
    200,
  )
})

describe('character encodings', () => {
  const boot = (station: string, declared: string) =>
    envelope({
      identity: station,
      body:
        '<cs:bootNotificationRequest><cs:chargePointVendor>Schüco</cs:chargePointVendor>' +
        '<cs:chargePointModel>Säule €1</cs:chargePointModel></cs:bootNotificationRequest>',
    }).xml.replace('encoding="UTF-8"', `encoding="${declared}"`)
  const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16()

  test.each([
    ['windows-1252, named by the Content-Type charset', 'UTF-8', 'windows-1252', 'latin1'],
    ['ISO-8859-15, named only by the XML declaration', 'ISO-8859-15', undefined, 'iso-8859-15'],
    ['UTF-16 big-endian with a byte order mark', 'UTF-16', undefined, 'utf-16be'],
  ])('%s: read as sent', async (_name, declared, charset, encoding) => {
    const station = `CP-enc-${Math.random().toString(36).slice(2, 8)}`
    const xml = boot(station, declared)
    const bytes =
      encoding === 'latin1'
        ? Buffer.from(xml.replace('€', '\x80'), 'latin1') // windows-1252 puts the euro sign at 0x80
        : encoding === 'iso-8859-15'
          ? Buffer.from(xml.replace('€', '\xa4'), 'latin1') // ISO-8859-15 puts it at 0xA4
          : Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(xml)])
    const contentType = `application/soap+xml${charset ? `; charset=${charset}` : ''}`
    const res = await gw.post(bytes, { contentType })
    expect(res.status).toBe(200)
    const [m] = (await gw.stored()).filter((s) => s.data.stationId === station)
    expect(m?.data.payload).toMatchObject({ chargePointVendor: 'Schüco', chargePointModel: 'Säule €1' })
  })

  test.each([
    [
      'bytes that are not UTF-8 (no charset, no declaration)',
      Buffer.from(boot('CP-bad', 'UTF-8').replace(/^<\?xml[^>]*>\n/, ''), 'latin1'),
      'application/soap+xml',
      /OCPP_ERR_ENCODING: the body is not valid utf-8 \(default\)/,
    ],
    [
      'an encoding nobody knows',
      Buffer.from(boot('CP-bad', 'UTF-8')),
      'application/soap+xml; charset=klingon-8',
      /OCPP_ERR_ENCODING: unsupported character encoding "klingon-8" \(Content-Type charset\)/,
    ],
  ])('%s: Sender fault, counted, nothing stored', async (_name, bytes, contentType, reason) => {
    const faultsBefore = await faultsCounted()
    const res = await gw.post(bytes, { contentType })
    expect(await faultsCounted()).toBe(faultsBefore + 1)
    expect(res.status).toBe(400)
    expect(textOf(res.body, 'Value')).toBe('s:Sender')
    expect(textOf(res.body, 'Text')).toMatch(reason)
    expect((await gw.stored()).filter((m) => m.data.stationId === 'CP-bad')).toHaveLength(0)
  })
})

test('a fault has WS-A headers: fault Action, To anonymous', async () => {
  const bad = envelope({
    identity: 'CP-bad',
    body: '<cs:statusNotificationRequest><cs:connectorId>x</cs:connectorId><cs:errorCode>NoError</cs:errorCode><cs:status>Available</cs:status></cs:statusNotificationRequest>',
  })
  const res = await gw.post(bad.xml)
  expect(textOf(res.body, 'Value')).toBe('s:Sender')
  expect(textOf(res.body, 'Action')).toBe(`${WSA}/soap/fault`)
  expect(textOf(res.body, 'To')).toBe(`${WSA}/anonymous`)
})

test('SOAP 1.1 bad input gets a SOAP 1.1 fault', async () => {
  const res = await gw.post('<x', { contentType: 'text/xml' })
  expect(res.contentType).toMatch(/^text\/xml/)
  expect(res.body).toContain('<faultcode>s:Client</faultcode>')
})

describe('quirks that are answered and flagged', () => {
  test.each([
    ['a timestamp without milliseconds', '2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z', []],
    [
      'a timestamp without offset (read as UTC)',
      '2026-11-26T10:00:00',
      '2026-11-26T10:00:00.000Z',
      ['timestamp-without-offset'],
    ],
    ['a timestamp with an offset', '2026-11-26T11:00:00+01:00', '2026-11-26T10:00:00.000Z', []],
  ])('%s', async (_name, given, stored, quirks) => {
    const station = `CP-ts-${Math.random().toString(36).slice(2, 8)}`
    const res = await gw.post(start(given, station).xml)
    expect(res.status).toBe(200)
    const [m] = (await gw.stored()).filter((s) => s.data.stationId === station)
    expect(m?.data.payload.timestamp).toBe(stored)
    for (const q of quirks) expect(m?.data.quirks).toContain(q)
  })

  test('an optional field sent as xsi:nil (a SOAP stack writing null) is answered, read as absent, flagged', async () => {
    const station = `CP-nil-${Math.random().toString(36).slice(2, 8)}`
    const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    const res = await gw.post(
      start('2026-11-26T10:00:00Z', station).xml.replace(
        '<cs:meterStart>0</cs:meterStart>',
        `<cs:meterStart>0</cs:meterStart><cs:reservationId ${xsi} xsi:nil="true"/>`,
      ),
    )
    expect(res.status).toBe(200)
    const [m] = (await gw.stored()).filter((s) => s.data.stationId === station)
    expect(m?.data.payload).not.toHaveProperty('reservationId')
    expect(m?.data.quirks).toContain('nil-element')
    const metrics = (await gw.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^ocpp_gateway_quirks_total\{quirk="nil-element"[^}]*\} 1$/m)
  })

  test('StopTransaction with transactionId -1 is accepted and flagged for reconciliation', async () => {
    const stop = envelope({
      identity: 'CP-offline',
      body: '<cs:stopTransactionRequest><cs:transactionId>-1</cs:transactionId><cs:idTag>T1</cs:idTag><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:meterStop>10</cs:meterStop></cs:stopTransactionRequest>',
    })
    const res = await gw.post(stop.xml)
    expect(res.status).toBe(200)
    expect(textOf(res.body, 'status')).toBe('Accepted')
    const [m] = (await gw.stored()).filter((s) => s.data.stationId === 'CP-offline')
    expect(m?.data.quirks).toEqual(
      expect.arrayContaining(['transaction-id-not-positive', 'unknown-transaction']),
    )
  })

  test('a StopTransaction for a transaction nobody started is accepted (no idTag: no idTagInfo)', async () => {
    const stop = envelope({
      identity: 'CP-ghost',
      body: '<cs:stopTransactionRequest><cs:transactionId>999999</cs:transactionId><cs:timestamp>2026-11-26T10:00:00Z</cs:timestamp><cs:meterStop>10</cs:meterStop></cs:stopTransactionRequest>',
    })
    const res = await gw.post(stop.xml)
    expect(res.status).toBe(200)
    expect(hasElement(res.body, 'stopTransactionResponse')).toBe(true)
    expect(hasElement(res.body, 'idTagInfo')).toBe(false)
  })

  test.each(['urn:cp:7', 'DE*ACM*E1 2', 'CP.0001', 'Ladesäule-1'])('identity %j', async (identity) => {
    const res = await gw.post(envelope({ identity, body: '<cs:heartbeatRequest/>' }).xml)
    expect(res.status).toBe(200)
    const [m] = (await gw.stored()).filter((s) => s.data.stationId === identity)
    expect(m?.subject.split('.').length).toBe(6) // namespace.ocpp.in.1_6.<one token>.Heartbeat
  })
})
