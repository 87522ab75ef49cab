import { ocppServices } from '../../src/messages/catalog.ts'
import type { OcppVersion } from '../../src/namespaces.ts'

export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope'
export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/'
export const WSA = 'http://www.w3.org/2005/08/addressing'

export interface StationEnvelope {
  readonly version: OcppVersion
  /** The body element, using prefix `cs:` (declared on the Envelope) or its own namespace declaration. */
  readonly body: string
  readonly soap?: '1.1' | '1.2'
  readonly identity?: string | null
  readonly identityNs?: string
  readonly action?: string
  readonly messageId?: string
  readonly extraHeaders?: string
}

/** A station request envelope the way zeep/gSOAP stations write them (prefixes, mustUnderstand, WS-A). */
export function stationEnvelope(e: StationEnvelope): string {
  const ns = ocppServices[e.version].centralSystem.namespace
  const env = e.soap === '1.1' ? SOAP11 : SOAP12
  const identity =
    e.identity === null
      ? ''
      : `<id:chargeBoxIdentity xmlns:id="${e.identityNs ?? ns}" soap:mustUnderstand="true">${e.identity ?? 'CP-1'}</id:chargeBoxIdentity>`
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${env}" xmlns:wsa="${WSA}" xmlns:cs="${ns}">\n` +
    `  <soap:Header>${identity}\n` +
    (e.action === undefined ? '' : `    <wsa:Action soap:mustUnderstand="true">${e.action}</wsa:Action>\n`) +
    `    <wsa:MessageID>${e.messageId ?? 'urn:uuid:6b2c1f1e-0d7c-4c8e-a5a4-9a1e1d2b3c4d'}</wsa:MessageID>\n` +
    '    <wsa:From><wsa:Address>http://10.1.2.3:8080/ocpp/cp/CP-1</wsa:Address></wsa:From>\n' +
    `    <wsa:ReplyTo><wsa:Address>${WSA}/anonymous</wsa:Address></wsa:ReplyTo>\n` +
    `    <wsa:To soap:mustUnderstand="true">http://127.0.0.1:3100/ocpp/${e.version}</wsa:To>${e.extraHeaders ?? ''}\n` +
    `  </soap:Header>\n  <soap:Body>\n    ${e.body}\n  </soap:Body>\n</soap:Envelope>\n`
  )
}
