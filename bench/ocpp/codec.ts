/**
 * Micro-benchmark of the OCPP SOAP codec (not part of the test run). Prints one JSON object:
 * µs/op for decoding MeterValues, StatusNotification and BootNotification envelopes; the bare parse cost of
 * saxes (`parseWithSaxes`, the fallback) against our scanner (`scanXml`, the fast path) and `parseXml` (both
 * together), measured in interleaved rounds in the same run (medians, and the scanner's speed-up over saxes);
 * txml and fast-xml-parser on the same text (both check far less); and decode+validate+encode of a round trip.
 *
 *   node bench/ocpp/codec.ts [iterations] [rounds]      (type check: tsc -p bench/ocpp)
 */
import { loadavg } from 'node:os'
import { XMLParser } from 'fast-xml-parser'
import { parse as txmlParse } from 'txml/txml'
import { decodeRequest, encodeResponse } from '../../packages/ocpp/src/index.ts'
import { parseWithSaxes } from '../../packages/ocpp/src/xml/parse-with-saxes.ts'
import { parseXml } from '../../packages/ocpp/src/xml/parse-xml.ts'
import { scanXml } from '../../packages/ocpp/src/xml/scan-xml.ts'
import { median } from '../gateway/src/stats.ts'

const ITERATIONS = Number(process.argv[2] ?? 50_000)
const ROUNDS = Number(process.argv[3] ?? 20)

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

const bootNotification = envelope(
  '<cs:bootNotificationRequest><cs:chargePointVendor>Schneider Electric</cs:chargePointVendor>' +
    '<cs:chargePointModel>EVlink Pro AC</cs:chargePointModel><cs:chargePointSerialNumber>3N221234567</cs:chargePointSerialNumber>' +
    '<cs:chargeBoxSerialNumber>EVB-P22A0123</cs:chargeBoxSerialNumber><cs:firmwareVersion>3.4.0.12</cs:firmwareVersion>' +
    '<cs:iccid>89882390000012345678</cs:iccid><cs:imsi>901405100012345</cs:imsi><cs:meterType>DZG DVH4013</cs:meterType>' +
    '<cs:meterSerialNumber>1DZG0012345678</cs:meterSerialNumber></cs:bootNotificationRequest>',
  '/BootNotification',
)

/** µs per call of `fn` over `n` calls. */
function time(fn: () => unknown, n: number): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  return Number(process.hrtime.bigint() - start) / n / 1000
}

function measure(fn: () => unknown): number {
  for (let i = 0; i < Math.min(ITERATIONS, 20_000); i++) fn()
  return time(fn, ITERATIONS)
}

const round = (n: number): number => Math.round(n * 100) / 100
const fxp = new XMLParser({ ignoreAttributes: false })

/**
 * µs/op of saxes, the scanner and parseXml on one text, interleaved: ROUNDS rounds of ITERATIONS/ROUNDS calls
 * each, so load from other processes falls on all three alike. Medians per parser, and the median of the
 * per-round speed-ups (saxes / scanner), which is steadier than the ratio of medians on a shared machine.
 */
function parseCosts(xml: string): { saxes: number; scanner: number; parseXml: number; speedup: number } {
  if (scanXml(xml) === undefined)
    throw new Error('the scanner hands this envelope to saxes: nothing to compare')
  const parsers = {
    saxes: () => parseWithSaxes(xml),
    scanner: () => scanXml(xml),
    parseXml: () => parseXml(xml),
  }
  for (const fn of Object.values(parsers)) for (let i = 0; i < 20_000; i++) fn()
  const perRound = Math.max(1, Math.floor(ITERATIONS / ROUNDS))
  const runs = { saxes: [] as number[], scanner: [] as number[], parseXml: [] as number[] }
  const speedups: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(parsers)) runs[name as keyof typeof runs].push(time(fn, perRound))
    speedups.push((runs.saxes[r] as number) / (runs.scanner[r] as number))
  }
  return {
    saxes: median(runs.saxes),
    scanner: median(runs.scanner),
    parseXml: median(runs.parseXml),
    speedup: median(speedups),
  }
}

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

const results: Record<string, unknown> = {
  at: new Date().toISOString(),
  loadAverage: loadavg().map(round),
  iterations: ITERATIONS,
  rounds: ROUNDS,
  node: process.version,
}
for (const [name, xml] of [
  ['meterValues', meterValues],
  ['statusNotification', statusNotification],
  ['bootNotification', bootNotification],
] as const) {
  const decode = measure(() => decodeRequest(xml, { expectedVersion: '1.6' }))
  const parse = parseCosts(xml)
  const txml = measure(() => txmlParse(xml))
  const fastXmlParser = measure(() => fxp.parse(xml))
  results[name] = {
    bytes: Buffer.byteLength(xml),
    decodeUs: round(decode),
    parseOnlyUs: {
      saxes: round(parse.saxes),
      scanner: round(parse.scanner),
      parseXml: round(parse.parseXml),
      txml: round(txml),
      fastXmlParser: round(fastXmlParser),
    },
    scannerSpeedupOverSaxes: round(parse.speedup),
    ratioVsSaxes: {
      txml: round(txml / parse.saxes),
      fastXmlParser: round(fastXmlParser / parse.saxes),
    },
  }
}
results.statusNotificationDecodeEncodeUs = round(measure(roundTrip))
results.heartbeatDecodeEncodeUs = round(measure(heartbeatRoundTrip))
results.loadAverageAfter = loadavg().map(round)
console.log(JSON.stringify(results, null, 2))
