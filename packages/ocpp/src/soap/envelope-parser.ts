import { OcppMustUnderstandError, OcppNotSoapError, OcppSoapVersionError } from '../errors.ts'
import { servicesByNamespace } from '../messages/catalog.ts'
import { SOAP11_NS, SOAP12_NS, type SoapVersion, WSA_NS, WSA_SUBMISSION_NS } from '../namespaces.ts'
import { addQuirk, type Quirk } from '../quirks.ts'
import type { XmlElement } from '../xml/parse-xml.ts'

/** The WS-Addressing headers of a message (text values, trimmed). */
export interface Addressing {
  readonly action?: string
  readonly messageId?: string
  readonly to?: string
  /** `wsa:From/wsa:Address`: where the station's ChargePointService listens. */
  readonly from?: string
  readonly replyTo?: string
  readonly relatesTo?: string
}

/** A SOAP envelope taken apart: version, header entries, WS-Addressing and the single body element. */
export interface ParsedEnvelope {
  readonly soapVersion: SoapVersion
  readonly headers: readonly XmlElement[]
  readonly addressing: Addressing
  readonly body: XmlElement
  readonly quirks: Quirk[]
}

const ROLES_FOR_US = new Set([
  `${SOAP12_NS}/role/next`,
  `${SOAP12_NS}/role/ultimateReceiver`,
  'http://schemas.xmlsoap.org/soap/actor/next',
])
const WSA_TEXT: Record<string, keyof Addressing> = {
  Action: 'action',
  MessageID: 'messageId',
  To: 'to',
  RelatesTo: 'relatesTo',
}
const WSA_ENDPOINT: Record<string, keyof Addressing> = { From: 'from', ReplyTo: 'replyTo' }

function attribute(el: XmlElement, ns: string, local: string): string | undefined {
  for (const a of el.attributes) if (a.local === local && a.ns === ns) return a.value
  return undefined
}

function isForUs(header: XmlElement, envNs: string): boolean {
  const role = attribute(header, envNs, envNs === SOAP12_NS ? 'role' : 'actor')
  return role === undefined || ROLES_FOR_US.has(role.trim())
}

function mustUnderstand(header: XmlElement, envNs: string): boolean {
  const v = attribute(header, envNs, 'mustUnderstand')?.trim()
  return v === 'true' || v === '1'
}

function isUnderstood(header: XmlElement): boolean {
  if (header.ns === WSA_NS || header.ns === WSA_SUBMISSION_NS) {
    return WSA_TEXT[header.local] !== undefined || WSA_ENDPOINT[header.local] !== undefined
  }
  return header.local === 'chargeBoxIdentity' && (header.ns === '' || servicesByNamespace.has(header.ns))
}

function elementChildren(el: XmlElement, what: string): XmlElement[] {
  if (el.text.trim() !== '') throw new OcppNotSoapError(`unexpected text in ${what}`)
  return el.children
}

/**
 * Takes a parsed SOAP 1.2 or 1.1 envelope apart: checks its shape (Envelope, optional Header, Body with exactly one
 * element), enforces mustUnderstand for header entries addressed to us, and reads the WS-Addressing headers.
 *
 * ### Examples
 * ```ts
 * const env = parseEnvelope(parseXml(text))
 * env.soapVersion        // '1.2'
 * env.addressing.action  // '/BootNotification'
 * env.body.local         // 'bootNotificationRequest'
 * ```
 */
export function parseEnvelope(root: XmlElement): ParsedEnvelope {
  if (root.local !== 'Envelope')
    throw new OcppNotSoapError(`root element is ${root.local}, not a SOAP Envelope`)
  if (root.ns !== SOAP12_NS && root.ns !== SOAP11_NS) throw new OcppSoapVersionError(root.ns)
  const envNs = root.ns
  const soapVersion: SoapVersion = envNs === SOAP12_NS ? '1.2' : '1.1'
  const quirks: Quirk[] = []
  if (soapVersion === '1.1') addQuirk(quirks, 'SOAP11_ENVELOPE', 'Envelope')
  const parts = elementChildren(root, 'Envelope')
  let header: XmlElement | undefined
  let body: XmlElement | undefined
  for (const part of parts) {
    if (part.ns === envNs && part.local === 'Header' && !header && !body) header = part
    else if (part.ns === envNs && part.local === 'Body' && !body) body = part
    else throw new OcppNotSoapError(`unexpected element ${part.local} in Envelope`)
  }
  if (!body) throw new OcppNotSoapError('no Body')
  const content = elementChildren(body, 'Body')
  const first = content[0]
  if (!first || content.length !== 1)
    throw new OcppNotSoapError(`Body must hold exactly one element, got ${content.length}`)

  const headers = header ? elementChildren(header, 'Header') : []
  const addressing: Record<string, string> = {}
  for (const h of headers) {
    if (!isForUs(h, envNs)) continue
    if (mustUnderstand(h, envNs) && !isUnderstood(h)) throw new OcppMustUnderstandError(`{${h.ns}}${h.local}`)
    if (h.ns !== WSA_NS && h.ns !== WSA_SUBMISSION_NS) continue
    if (h.ns === WSA_SUBMISSION_NS) addQuirk(quirks, 'WSA_SUBMISSION_NAMESPACE', `Header/${h.local}`)
    const textKey = WSA_TEXT[h.local]
    const endpointKey = WSA_ENDPOINT[h.local]
    if (textKey) addressing[textKey] = h.text.trim()
    else if (endpointKey) {
      const address = h.children.find((c) => c.local === 'Address' && c.ns === h.ns)
      if (address) addressing[endpointKey] = address.text.trim()
    }
  }
  return { soapVersion, headers, addressing, body: first, quirks }
}
