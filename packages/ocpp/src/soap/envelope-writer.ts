import { OcppEncodeError } from '../errors.ts'
import { SOAP11_NS, SOAP12_NS, type SoapVersion, WSA_NS } from '../namespaces.ts'
import { escapeText, isXmlText } from '../xml/escape.ts'

/** A SOAP message ready for HTTP: the body text and its Content-Type. */
export interface EncodedMessage {
  readonly body: string
  readonly contentType: string
  /** The wsa:Action (and SOAP 1.2 `action` media type parameter), e.g. `/BootNotificationResponse`. */
  readonly action: string
}

/** WS-Addressing headers to write; absent ones are left out. */
export interface AddressingOut {
  readonly action: string
  readonly messageId?: string
  readonly relatesTo?: string
  readonly to?: string
  readonly from?: string
  readonly replyTo?: string
}

/**
 * The HTTP Content-Type of a SOAP message: SOAP 1.2 `application/soap+xml` with the `action` parameter, SOAP 1.1
 * `text/xml` (its SOAPAction HTTP header, if any, is the caller's).
 */
export function soapContentType(soapVersion: SoapVersion, action: string): string {
  return soapVersion === '1.2'
    ? `application/soap+xml; charset=utf-8; action="${action}"`
    : 'text/xml; charset=utf-8'
}

function text(value: string, what: string): string {
  if (!isXmlText(value)) throw new OcppEncodeError(what, 'contains characters XML cannot carry')
  return escapeText(value)
}

function addressingHeaders(a: AddressingOut): string {
  let out = `<a:Action>${text(a.action, 'Header/Action')}</a:Action>`
  if (a.messageId !== undefined) out += `<a:MessageID>${text(a.messageId, 'Header/MessageID')}</a:MessageID>`
  if (a.relatesTo !== undefined) out += `<a:RelatesTo>${text(a.relatesTo, 'Header/RelatesTo')}</a:RelatesTo>`
  if (a.from !== undefined) out += `<a:From><a:Address>${text(a.from, 'Header/From')}</a:Address></a:From>`
  if (a.replyTo !== undefined)
    out += `<a:ReplyTo><a:Address>${text(a.replyTo, 'Header/ReplyTo')}</a:Address></a:ReplyTo>`
  if (a.to !== undefined) out += `<a:To>${text(a.to, 'Header/To')}</a:To>`
  return out
}

/**
 * Writes a SOAP envelope (prefix `s`, WS-Addressing prefix `a`) around an already serialized body element.
 * `extraHeaders` is inserted verbatim before the WS-Addressing headers (e.g. chargeBoxIdentity).
 */
export function writeEnvelope(
  soapVersion: SoapVersion,
  addressing: AddressingOut,
  bodyXml: string,
  extraHeaders = '',
): string {
  const envNs = soapVersion === '1.2' ? SOAP12_NS : SOAP11_NS
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${envNs}" xmlns:a="${WSA_NS}">` +
    `<s:Header>${extraHeaders}${addressingHeaders(addressing)}</s:Header>` +
    `<s:Body>${bodyXml}</s:Body></s:Envelope>`
  )
}

/** Writes a `chargeBoxIdentity` header element in an OCPP namespace. */
export function identityHeader(namespace: string, chargeBoxIdentity: string): string {
  return `<chargeBoxIdentity xmlns="${namespace}">${text(chargeBoxIdentity, 'Header/chargeBoxIdentity')}</chargeBoxIdentity>`
}
