/**
 * The requests the bench sends. Each template has `{{ID}}` (chargeBoxIdentity) and `{{MSGID}}` (wsa:MessageID)
 * slots; the load generators fill them per request (identities rotated over the simulated stations, a message id
 * unique per request so the gateway's dedupe never short-circuits the publish).
 */

export interface Template {
  readonly name: string
  readonly contentType: string
  readonly body: string
}

export const ID_SLOT = '{{ID}}'
export const MSGID_SLOT = '{{MSGID}}'

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope'
const WSA = 'http://www.w3.org/2005/08/addressing'
const CS16 = 'urn://Ocpp/Cs/2015/10/'

export function stationId(prefix: string, index: number): string {
  return `${prefix}${String(index + 1).padStart(4, '0')}`
}

/** A station's SOAP 1.2 request the way zeep/gSOAP stacks write it: identity and WS-A headers, mustUnderstand. */
function envelope(action: string, endpointUrl: string, body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP12}" xmlns:wsa="${WSA}" xmlns:cs="${CS16}">` +
    `<soap:Header><cs:chargeBoxIdentity soap:mustUnderstand="true">${ID_SLOT}</cs:chargeBoxIdentity>` +
    `<wsa:Action soap:mustUnderstand="true">${action}</wsa:Action>` +
    `<wsa:MessageID>${MSGID_SLOT}</wsa:MessageID>` +
    `<wsa:From><wsa:Address>http://10.20.0.17:8080/ocpp/cp/${ID_SLOT}</wsa:Address></wsa:From>` +
    `<wsa:ReplyTo><wsa:Address>${WSA}/anonymous</wsa:Address></wsa:ReplyTo>` +
    `<wsa:To soap:mustUnderstand="true">${endpointUrl}</wsa:To></soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  )
}

function soapContentType(action: string): string {
  return `application/soap+xml; charset=utf-8; action="${action}"`
}

/** MeterValues (energy register + power, one sample) and StatusNotification, alternated by the load generator. */
export function soapTemplates(endpointUrl: string, now = new Date()): Template[] {
  const ts = now.toISOString()
  const meterValues =
    '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>1042</cs:transactionId>' +
    `<cs:meterValue><cs:timestamp>${ts}</cs:timestamp>` +
    '<cs:sampledValue><cs:value>152340</cs:value><cs:context>Sample.Periodic</cs:context>' +
    '<cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:location>Outlet</cs:location>' +
    '<cs:unit>Wh</cs:unit></cs:sampledValue>' +
    '<cs:sampledValue><cs:value>7360</cs:value><cs:context>Sample.Periodic</cs:context>' +
    '<cs:measurand>Power.Active.Import</cs:measurand><cs:unit>W</cs:unit></cs:sampledValue>' +
    '</cs:meterValue></cs:meterValuesRequest>'
  const statusNotification =
    '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Charging</cs:status>' +
    `<cs:errorCode>NoError</cs:errorCode><cs:timestamp>${ts}</cs:timestamp>` +
    '</cs:statusNotificationRequest>'
  return [
    {
      name: 'MeterValues',
      contentType: soapContentType('/MeterValues'),
      body: envelope('/MeterValues', endpointUrl, meterValues),
    },
    {
      name: 'StatusNotification',
      contentType: soapContentType('/StatusNotification'),
      body: envelope('/StatusNotification', endpointUrl, statusNotification),
    },
  ]
}

/** BootNotification for one station (sent once per identity before the gateway is measured). */
export function bootNotification(endpointUrl: string, id: string, messageId: string): Template {
  const body =
    '<cs:bootNotificationRequest><cs:chargePointVendor>Chargebus</cs:chargePointVendor>' +
    '<cs:chargePointModel>Bench-Sim</cs:chargePointModel>' +
    `<cs:chargePointSerialNumber>${id}</cs:chargePointSerialNumber>` +
    '<cs:firmwareVersion>1.0.0</cs:firmwareVersion></cs:bootNotificationRequest>'
  return {
    name: 'BootNotification',
    contentType: soapContentType('/BootNotification'),
    body: fill(envelope('/BootNotification', endpointUrl, body), id, messageId),
  }
}

/** The bare-Fastify baseline: a small JSON body with the same rotating fields. */
export function jsonTemplates(): Template[] {
  return [
    {
      name: 'json',
      contentType: 'application/json',
      body: `{"chargeBoxIdentity":"${ID_SLOT}","messageId":"${MSGID_SLOT}","connectorId":1,"status":"Charging"}`,
    },
  ]
}

export function fill(text: string, id: string, messageId: string): string {
  return text.replaceAll(ID_SLOT, id).replaceAll(MSGID_SLOT, messageId)
}

/** Serializes templates for the wrk Lua script: `Content-Type` line, body, blocks separated by a marker line. */
export const WRK_BLOCK_SEPARATOR = '\n--8<--\n'
export function wrkTemplateFile(templates: readonly Template[]): string {
  return templates.map((t) => `${t.contentType}\n${t.body}`).join(WRK_BLOCK_SEPARATOR)
}
