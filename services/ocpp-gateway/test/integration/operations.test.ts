import { envelope, hasElement, startTestGateway, type TestGateway, textOf, WSA } from '../support/gateway.ts'

/*
 * Every CentralSystemService operation of OCPP 1.6 and 1.5 through the real app, real NATS and Postgres:
 * the SOAP answer (body, WS-Addressing reply headers) and the message stored in JetStream before it.
 */

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({ OCPP_DATA_TRANSFER_VENDOR_IDS: 'com.acme, org.other' })
  await gw.putIdTag('TAG-OK', { status: 'Accepted', parentIdTag: 'FLEET-1' })
  await gw.putIdTag('TAG-BLOCKED', { status: 'Blocked' })
}, 30_000)
afterAll(() => gw?.close())

const TS = '2026-11-26T10:00:00.000Z'

interface Case {
  operation: string
  body: string
  check: (xml: string) => void
}

const v16: Case[] = [
  {
    operation: 'BootNotification',
    body: '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>Fast-1</cs:chargePointModel><cs:firmwareVersion>1.2</cs:firmwareVersion></cs:bootNotificationRequest>',
    check: (x) => {
      expect(textOf(x, 'status')).toBe('Accepted')
      expect(textOf(x, 'interval')).toBe('300')
      expect(textOf(x, 'currentTime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    },
  },
  {
    operation: 'Heartbeat',
    body: '<cs:heartbeatRequest/>',
    check: (x) => expect(Date.parse(textOf(x, 'currentTime') ?? '')).toBeGreaterThan(Date.now() - 60_000),
  },
  {
    operation: 'Authorize',
    body: '<cs:authorizeRequest><cs:idTag>tag-ok</cs:idTag></cs:authorizeRequest>',
    check: (x) => {
      expect(textOf(x, 'status')).toBe('Accepted')
      expect(textOf(x, 'parentIdTag')).toBe('FLEET-1')
    },
  },
  {
    operation: 'StartTransaction',
    body: `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG-OK</cs:idTag><cs:timestamp>${TS}</cs:timestamp><cs:meterStart>1000</cs:meterStart></cs:startTransactionRequest>`,
    check: (x) => {
      expect(Number(textOf(x, 'transactionId'))).toBeGreaterThan(0)
      expect(textOf(x, 'status')).toBe('Accepted')
    },
  },
  {
    operation: 'StopTransaction',
    body: `<cs:stopTransactionRequest><cs:transactionId>7</cs:transactionId><cs:idTag>TAG-BLOCKED</cs:idTag><cs:timestamp>${TS}</cs:timestamp><cs:meterStop>5000</cs:meterStop><cs:reason>Local</cs:reason></cs:stopTransactionRequest>`,
    check: (x) => expect(textOf(x, 'status')).toBe('Blocked'),
  },
  {
    operation: 'StatusNotification',
    body: `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:errorCode>NoError</cs:errorCode><cs:status>Charging</cs:status><cs:timestamp>${TS}</cs:timestamp></cs:statusNotificationRequest>`,
    check: (x) => expect(hasElement(x, 'statusNotificationResponse')).toBe(true),
  },
  {
    operation: 'MeterValues',
    body: `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>7</cs:transactionId><cs:meterValue><cs:timestamp>${TS}</cs:timestamp><cs:sampledValue><cs:value>1234</cs:value><cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:unit>Wh</cs:unit></cs:sampledValue></cs:meterValue></cs:meterValuesRequest>`,
    check: (x) => expect(hasElement(x, 'meterValuesResponse')).toBe(true),
  },
  {
    operation: 'DiagnosticsStatusNotification',
    body: '<cs:diagnosticsStatusNotificationRequest><cs:status>Uploaded</cs:status></cs:diagnosticsStatusNotificationRequest>',
    check: (x) => expect(hasElement(x, 'diagnosticsStatusNotificationResponse')).toBe(true),
  },
  {
    operation: 'FirmwareStatusNotification',
    body: '<cs:firmwareStatusNotificationRequest><cs:status>Installed</cs:status></cs:firmwareStatusNotificationRequest>',
    check: (x) => expect(hasElement(x, 'firmwareStatusNotificationResponse')).toBe(true),
  },
  {
    operation: 'DataTransfer',
    body: '<cs:dataTransferRequest><cs:vendorId>com.acme</cs:vendorId><cs:messageId>x</cs:messageId><cs:data>{"a":1}</cs:data></cs:dataTransferRequest>',
    check: (x) => expect(textOf(x, 'status')).toBe('Accepted'),
  },
]

const v15: Case[] = [
  {
    operation: 'BootNotification',
    body: '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>Old-1</cs:chargePointModel></cs:bootNotificationRequest>',
    check: (x) => {
      expect(textOf(x, 'status')).toBe('Accepted')
      expect(textOf(x, 'heartbeatInterval')).toBe('300')
    },
  },
  {
    operation: 'Heartbeat',
    body: '<cs:heartbeatRequest/>',
    check: (x) => expect(textOf(x, 'currentTime')).toBeDefined(),
  },
  {
    operation: 'Authorize',
    body: '<cs:authorizeRequest><cs:idTag>UNKNOWN-1</cs:idTag></cs:authorizeRequest>',
    check: (x) => expect(textOf(x, 'status')).toBe('Invalid'),
  },
  {
    operation: 'StartTransaction',
    body: `<cs:startTransactionRequest><cs:connectorId>2</cs:connectorId><cs:idTag>TAG-OK</cs:idTag><cs:timestamp>${TS}</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>`,
    check: (x) => expect(Number(textOf(x, 'transactionId'))).toBeGreaterThan(0),
  },
  {
    operation: 'StopTransaction',
    body: `<cs:stopTransactionRequest><cs:transactionId>8</cs:transactionId><cs:timestamp>${TS}</cs:timestamp><cs:meterStop>10</cs:meterStop><cs:transactionData><cs:values><cs:timestamp>${TS}</cs:timestamp><cs:value unit="Wh" measurand="Energy.Active.Import.Register" context="Transaction.End">10</cs:value></cs:values></cs:transactionData></cs:stopTransactionRequest>`,
    check: (x) => expect(hasElement(x, 'idTagInfo')).toBe(false),
  },
  {
    operation: 'StatusNotification',
    body: '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Occupied</cs:status><cs:errorCode>Mode3Error</cs:errorCode></cs:statusNotificationRequest>',
    check: (x) => expect(hasElement(x, 'statusNotificationResponse')).toBe(true),
  },
  {
    operation: 'MeterValues',
    body: `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>8</cs:transactionId><cs:values><cs:timestamp>${TS}</cs:timestamp><cs:value unit="Wh">1250</cs:value></cs:values></cs:meterValuesRequest>`,
    check: (x) => expect(hasElement(x, 'meterValuesResponse')).toBe(true),
  },
  {
    operation: 'DiagnosticsStatusNotification',
    body: '<cs:diagnosticsStatusNotificationRequest><cs:status>UploadFailed</cs:status></cs:diagnosticsStatusNotificationRequest>',
    check: (x) => expect(hasElement(x, 'diagnosticsStatusNotificationResponse')).toBe(true),
  },
  {
    operation: 'FirmwareStatusNotification',
    body: '<cs:firmwareStatusNotificationRequest><cs:status>Downloaded</cs:status></cs:firmwareStatusNotificationRequest>',
    check: (x) => expect(hasElement(x, 'firmwareStatusNotificationResponse')).toBe(true),
  },
  {
    operation: 'DataTransfer',
    body: '<cs:dataTransferRequest><cs:vendorId>com.unknown</cs:vendorId></cs:dataTransferRequest>',
    check: (x) => expect(textOf(x, 'status')).toBe('UnknownVendorId'),
  },
]

describe.each([
  ['1.6', v16, 'urn://Ocpp/Cs/2015/10/'],
  ['1.5', v15, 'urn://Ocpp/Cs/2012/06/'],
] as const)('OCPP %s', (version, cases, ns) => {
  test.each(cases.map((c) => [c.operation, c] as const))(
    '%s is answered after it is stored',
    async (operation, c) => {
      const station = `CP-${version}-${operation}`
      const { xml, messageId } = envelope({
        version,
        body: c.body,
        identity: station,
        action: `/${operation}`,
      })
      const res = await gw.post(xml, { path: `/ocpp/${version}` })

      expect(res.status).toBe(200)
      expect(res.contentType).toBe(`application/soap+xml; charset=utf-8; action="/${operation}Response"`)
      expect(res.body).toContain(`xmlns="${ns}"`)
      expect(hasElement(res.body, `${operation.charAt(0).toLowerCase()}${operation.slice(1)}Response`)).toBe(
        true,
      )
      expect(hasElement(res.body, 'Fault')).toBe(false)
      // WS-Addressing reply headers
      expect(textOf(res.body, 'Action')).toBe(`/${operation}Response`)
      expect(textOf(res.body, 'RelatesTo')).toBe(messageId)
      expect(textOf(res.body, 'To')).toBe(`${WSA}/anonymous`)
      c.check(res.body)

      const stored = (await gw.stored()).filter((m) => m.data.stationId === station)
      expect(stored).toHaveLength(1)
      const [m] = stored
      expect(m?.subject).toBe(
        `${gw.namespace}.ocpp.in.${version.replace('.', '_')}.${station.replaceAll('.', '%2E')}.${operation}`,
      )
      expect(m?.msgId).toBe(`${station}/${messageId}`)
      expect(m?.data).toMatchObject({
        ocppVersion: version,
        action: operation,
        messageId,
        from: 'http://10.1.2.3:8080/ocpp/cp/CP-1',
      })
      expect(m?.data.response).toBeDefined()
      expect(Date.parse(m?.data.receivedAt ?? '')).toBeGreaterThan(Date.now() - 60_000)
      if (version === '1.5') expect(m?.data.normalizedPayload).toBeDefined()
      else expect(m?.data.normalizedPayload).toBeUndefined()
    },
  )
})

test('1.5 requests reach the domain in their 1.6 form and are answered in 1.5 form', async () => {
  const station = 'CP-15-convert'
  const status = envelope({
    version: '1.5',
    identity: station,
    body: '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Occupied</cs:status><cs:errorCode>Mode3Error</cs:errorCode></cs:statusNotificationRequest>',
  })
  expect((await gw.post(status.xml, { path: '/ocpp/1.5' })).status).toBe(200)
  const [m] = (await gw.stored()).filter((s) => s.data.stationId === station)
  expect(m?.data.payload).toEqual({ connectorId: 1, status: 'Occupied', errorCode: 'Mode3Error' })
  expect(m?.data.normalizedPayload).toEqual({
    connectorId: 1,
    status: 'Charging',
    errorCode: 'EVCommunicationError',
  })
})

test('the StartTransaction answer (transactionId) is in the stored message', async () => {
  const { xml } = envelope({ identity: 'CP-tx-stored', body: v16[3]?.body ?? '' })
  const res = await gw.post(xml)
  const [m] = (await gw.stored()).filter((s) => s.data.stationId === 'CP-tx-stored')
  expect(m?.data.response).toEqual({
    transactionId: Number(textOf(res.body, 'transactionId')),
    idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET-1' },
  })
})

test('/ocpp takes the version from the body namespace', async () => {
  for (const version of ['1.5', '1.6'] as const) {
    const { xml } = envelope({ version, identity: `CP-neutral-${version}`, body: '<cs:heartbeatRequest/>' })
    const res = await gw.post(xml, { path: '/ocpp' })
    expect(res.status).toBe(200)
    expect(res.body).toContain(version === '1.6' ? 'urn://Ocpp/Cs/2015/10/' : 'urn://Ocpp/Cs/2012/06/')
  }
})

test('a SOAP 1.1 request (text/xml) gets a SOAP 1.1 answer', async () => {
  const { xml } = envelope({ soap: '1.1', identity: 'CP-soap11', body: '<cs:heartbeatRequest/>' })
  const res = await gw.post(xml, { contentType: 'text/xml; charset=utf-8' })
  expect(res.status).toBe(200)
  expect(res.contentType).toMatch(/^text\/xml/)
  expect(res.body).toContain('xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"')
  const [m] = (await gw.stored()).filter((s) => s.data.stationId === 'CP-soap11')
  expect(m?.data.quirks).toContain('soap11-envelope')
})

test('application/xml is accepted too', async () => {
  const { xml } = envelope({ identity: 'CP-appxml', body: '<cs:heartbeatRequest/>' })
  expect((await gw.post(xml, { contentType: 'application/xml' })).status).toBe(200)
})

test('GET ?wsdl serves our WSDL with the endpoint address from the Host header', async () => {
  for (const [path, ns] of [
    ['/ocpp/1.6', 'urn://Ocpp/Cs/2015/10/'],
    ['/ocpp/1.5', 'urn://Ocpp/Cs/2012/06/'],
  ] as const) {
    const res = await gw.app.inject({
      method: 'GET',
      url: `${path}?wsdl`,
      headers: { host: 'cs.example.com:8080' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/xml/)
    expect(res.body).toContain(`targetNamespace="${ns}"`)
    expect(res.body).toContain(`<soap12:address location="http://cs.example.com:8080${path}"/>`)
  }
})

test('OCPP_PUBLIC_URL sets the WSDL address', async () => {
  const other = await startTestGateway({ OCPP_PUBLIC_URL: 'https://ocpp.example.com/' })
  try {
    const res = await other.app.inject({ method: 'GET', url: '/ocpp/1.6?wsdl' })
    expect(res.body).toContain('<soap12:address location="https://ocpp.example.com/ocpp/1.6"/>')
  } finally {
    await other.close()
  }
})

test('/readyz reports NATS and the caches', async () => {
  const res = await gw.app.inject({ method: 'GET', url: '/readyz' })
  expect(res.statusCode).toBe(200)
  expect(res.json().checks).toMatchObject({ nats: { status: 'ok' }, 'kv-caches': { status: 'ok' } })
})
