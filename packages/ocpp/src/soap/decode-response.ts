import type { TObject } from 'typebox'
import { OcppFaultResponseError, OcppResponseMismatchError } from '../errors.ts'
import {
  type CpOperation,
  type CpResponse,
  type CsOperation,
  type CsResponse,
  ocppServices,
  type ServiceRole,
} from '../messages/catalog.ts'
import {
  type OcppVersion,
  SOAP11_NS as SOAP11,
  SOAP12_NS as SOAP12,
  type SoapVersion,
} from '../namespaces.ts'
import { addQuirk, type Quirk } from '../quirks.ts'
import { parseXml, type XmlElement } from '../xml/parse-xml.ts'
import { readPayload } from '../xsd/read-payload.ts'
import { planOf, type SequencePlan } from '../xsd/schema-plan.ts'
import { responseElementName } from '../xsd/xsd-types.ts'
import { type Addressing, parseEnvelope } from './envelope-parser.ts'

export interface DecodeResponseExpectation<V extends OcppVersion, O extends CpOperation<V>> {
  readonly ocppVersion: V
  readonly operation: O
  /** The MessageID of our request (from `encodeRequest`); a reply relating to another one is refused. */
  readonly messageId?: string
}

/** The station side of {@link DecodeResponseExpectation}: which CentralSystemService call a reply answers. */
export interface DecodeCsResponseExpectation<V extends OcppVersion, O extends CsOperation<V>> {
  readonly ocppVersion: V
  readonly operation: O
  /** The MessageID of the station's request (from `encodeCsRequest`). */
  readonly messageId?: string
}

/** The central system's decoded reply to a station's CentralSystemService request. */
export interface DecodedCsResponse<V extends OcppVersion, O extends CsOperation<V>> {
  readonly soapVersion: SoapVersion
  readonly addressing: Addressing
  readonly payload: CsResponse<V, O>
  readonly quirks: readonly Quirk[]
}

interface AnyExpectation {
  readonly ocppVersion: OcppVersion
  readonly operation: string
  readonly messageId?: string
}

/** A station's decoded reply to one of our ChargePointService calls. */
export interface DecodedCpResponse<V extends OcppVersion, O extends CpOperation<V>> {
  readonly soapVersion: SoapVersion
  readonly addressing: Addressing
  readonly payload: CpResponse<V, O>
  readonly quirks: readonly Quirk[]
}

function localText(el: XmlElement | undefined): string | undefined {
  const t = el?.text.trim()
  return t === undefined ? undefined : t.slice(t.indexOf(':') + 1)
}

function childNamed(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local)
}

function faultError(fault: XmlElement): OcppFaultResponseError {
  const code = childNamed(fault, 'Code')
  if (code) {
    const reason = childNamed(childNamed(fault, 'Reason'), 'Text')?.text.trim() ?? ''
    return new OcppFaultResponseError(
      localText(childNamed(code, 'Value')) ?? '',
      localText(childNamed(childNamed(code, 'Subcode'), 'Value')),
      reason,
    )
  }
  return new OcppFaultResponseError(
    localText(childNamed(fault, 'faultcode')) ?? '',
    undefined,
    childNamed(fault, 'faultstring')?.text.trim() ?? '',
  )
}

/**
 * Decodes a station's reply to our ChargePointService call: a SOAP fault becomes `OcppFaultResponseError`; a body
 * element other than the expected `xxxResponse` of that version, or a RelatesTo naming another message, becomes
 * `OcppResponseMismatchError`; the payload is read and checked against the schema like inbound requests.
 *
 * ### Examples
 * ```ts
 * const res = decodeResponse(await httpRes.text(), { ocppVersion: '1.6', operation: 'Reset', messageId: call.messageId })
 * res.payload.status // 'Accepted' | 'Rejected'
 * ```
 */
export function decodeResponse<V extends OcppVersion, O extends CpOperation<V>>(
  xml: string,
  expect: DecodeResponseExpectation<V, O>,
): DecodedCpResponse<V, O> {
  return decodeServiceResponse('chargePoint', xml, expect) as DecodedCpResponse<V, O>
}

/**
 * The station side of {@link decodeResponse}: decodes the central system's reply to a station's
 * CentralSystemService request, with the same fault, mismatch and schema checks.
 *
 * ### Examples
 * ```ts
 * const res = decodeCsResponse(await httpRes.text(), { ocppVersion: '1.6', operation: 'BootNotification',
 *   messageId: call.messageId })
 * res.payload.status // 'Accepted' | 'Pending' | 'Rejected'
 * ```
 */
export function decodeCsResponse<V extends OcppVersion, O extends CsOperation<V>>(
  xml: string,
  expect: DecodeCsResponseExpectation<V, O>,
): DecodedCsResponse<V, O> {
  return decodeServiceResponse('centralSystem', xml, expect) as DecodedCsResponse<V, O>
}

function decodeServiceResponse(
  role: ServiceRole,
  xml: string,
  expect: AnyExpectation,
): { soapVersion: SoapVersion; addressing: Addressing; payload: unknown; quirks: Quirk[] } {
  const env = parseEnvelope(parseXml(xml))
  const { body, quirks } = env
  if (body.local === 'Fault' && body.ns === (env.soapVersion === '1.2' ? SOAP12 : SOAP11))
    throw faultError(body)
  const service = ocppServices[expect.ocppVersion][role]
  const element = responseElementName(expect.operation)
  if (body.ns !== service.namespace || body.local !== element) {
    throw new OcppResponseMismatchError(
      `expected {${service.namespace}}${element}, got {${body.ns}}${body.local}`,
    )
  }
  const relatesTo = env.addressing.relatesTo
  if (relatesTo === undefined) addQuirk(quirks, 'RELATES_TO_MISSING', 'Header/RelatesTo')
  else if (expect.messageId !== undefined && relatesTo !== expect.messageId) {
    throw new OcppResponseMismatchError(
      `RelatesTo ${relatesTo} does not match our MessageID ${expect.messageId}`,
    )
  }
  const schemas = (service.operations as Record<string, { response: TObject }>)[expect.operation]
  if (!schemas) throw new OcppResponseMismatchError(`no such ${service.name} operation ${expect.operation}`)
  const payload = readPayload(body, planOf(schemas.response) as SequencePlan, {
    ns: service.namespace,
    quirks,
  })
  return {
    soapVersion: env.soapVersion,
    addressing: env.addressing,
    payload,
    quirks,
  }
}
