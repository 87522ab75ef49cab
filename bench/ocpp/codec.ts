/**
 * Micro-benchmark of the OCPP SOAP codec (not part of the test run). Prints one JSON object:
 * µs/op for decoding MeterValues and StatusNotification envelopes, the bare parse cost of `parseXml` (saxes,
 * strict, namespace-resolved tree) vs txml and fast-xml-parser on the same text (both check far less), and
 * decode+validate+encode of a round trip.
 *
 *   node bench/ocpp/codec.ts [iterations]      (type check: tsc -p bench/ocpp)
 */
import { XMLParser } from 'fast-xml-parser'
import { parse as txmlParse } from 'txml/txml'
import { decodeRequest, encodeResponse } from '../../packages/ocpp/src/index.ts'
import { parseXml } from '../../packages/ocpp/src/xml/parse-xml.ts'

const ITERATIONS = Number(process.argv[2] ?? 50_000)

function envelope(body: string, action: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:cs="urn://Ocpp/Cs/2015/10/">' +
    '<soap:Header><cs:chargeBoxIdentity soap:mustUnderstand="true">CP-0001</cs:chargeBoxIdentity>' +
    `<wsa:Action soap:mustUnderstand="true">${action}</wsa:Action>` +
    '<wsa:MessageID>urn:uuid:8f1a3c52-7a51-4a4e-9a8e-2f4f3bd1c001</wsa:MessageID>' +
    '<wsa:From><wsa:Address>http://10.1.2.3:8080/ocpp/cp/CP-0001</wsa:Address></wsa:From>' +
    '<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>' +
    '<wsa:To soap:mustUnderstand="true">http://127.0.0.1:3100/ocpp/1.6</wsa:To></soap:Header>' +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  )
}

const meterValues = envelope(
  '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>1042</cs:transactionId>' +
    '<cs:meterValue><cs:timestamp>2026-11-26T10:00:00.123Z</cs:timestamp>' +
    '<cs:sampledValue><cs:value>152340</cs:value><cs:context>Sample.Periodic</cs:context>' +
    '<cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:location>Outlet</cs:location><cs:unit>Wh</cs:unit></cs:sampledValue>' +
    '<cs:sampledValue><cs:value>7360</cs:value><cs:context>Sample.Periodic</cs:context>' +
    '<cs:measurand>Power.Active.Import</cs:measurand><cs:unit>W</cs:unit></cs:sampledValue>' +
    '</cs:meterValue></cs:meterValuesRequest>',
  '/MeterValues',
)
const statusNotification = envelope(
  '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Charging</cs:status>' +
    '<cs:errorCode>NoError</cs:errorCode><cs:timestamp>2026-11-26T10:00:00.123Z</cs:timestamp></cs:statusNotificationRequest>',
  '/StatusNotification',
)

function measure(fn: () => unknown): number {
  for (let i = 0; i < Math.min(ITERATIONS, 20_000); i++) fn()
  const start = process.hrtime.bigint()
  for (let i = 0; i < ITERATIONS; i++) fn()
  return Number(process.hrtime.bigint() - start) / ITERATIONS / 1000
}

const round = (n: number): number => Math.round(n * 100) / 100
const fxp = new XMLParser({ ignoreAttributes: false })

function roundTrip(): unknown {
  const req = decodeRequest(statusNotification, { expectedVersion: '1.6' })
  return encodeResponse({
    soapVersion: req.soapVersion,
    ocppVersion: '1.6',
    operation: 'StatusNotification',
    payload: {},
    relatesTo: req.addressing.messageId,
  })
}

function heartbeatRoundTrip(): unknown {
  const req = decodeRequest(envelope('<cs:heartbeatRequest/>', '/Heartbeat'), { expectedVersion: '1.6' })
  return encodeResponse({
    soapVersion: req.soapVersion,
    ocppVersion: '1.6',
    operation: 'Heartbeat',
    payload: { currentTime: '2026-11-26T10:00:00.000Z' },
    relatesTo: req.addressing.messageId,
  })
}

const results: Record<string, unknown> = { iterations: ITERATIONS, node: process.version }
for (const [name, xml] of [
  ['meterValues', meterValues],
  ['statusNotification', statusNotification],
] as const) {
  const decode = measure(() => decodeRequest(xml, { expectedVersion: '1.6' }))
  const parse = measure(() => parseXml(xml))
  const txml = measure(() => txmlParse(xml))
  const fastXmlParser = measure(() => fxp.parse(xml))
  results[name] = {
    bytes: Buffer.byteLength(xml),
    decodeUs: round(decode),
    parseOnlyUs: {
      parseXml: round(parse),
      txml: round(txml),
      fastXmlParser: round(fastXmlParser),
    },
    ratioVsParseXml: {
      txml: round(txml / parse),
      fastXmlParser: round(fastXmlParser / parse),
    },
  }
}
results.statusNotificationDecodeEncodeUs = round(measure(roundTrip))
results.heartbeatDecodeEncodeUs = round(measure(heartbeatRoundTrip))
console.log(JSON.stringify(results, null, 2))
