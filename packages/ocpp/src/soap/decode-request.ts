import {
  OcppError,
  OcppMissingIdentityError,
  OcppUnknownNamespaceError,
  OcppUnknownOperationError,
  OcppVersionMismatchError,
} from '../errors.ts'
import {
  type CpOperation,
  type CpRequest,
  type CsOperation,
  type CsRequest,
  ocppServices,
  type ServiceRole,
  servicesByNamespace,
} from '../messages/catalog.ts'
import type { OcppVersion, SoapVersion } from '../namespaces.ts'
import { addQuirk, type Quirk } from '../quirks.ts'
import { parseXml, type XmlElement } from '../xml/parse-xml.ts'
import { readPayload } from '../xsd/read-payload.ts'
import { planOf, type SequencePlan } from '../xsd/schema-plan.ts'
import { type Addressing, parseEnvelope } from './envelope-parser.ts'

/** A decoded CentralSystemService request of one version and operation. */
export interface CsRequestOf<V extends OcppVersion, O extends CsOperation<V>> {
  readonly soapVersion: SoapVersion
  readonly ocppVersion: V
  readonly operation: O
  readonly chargeBoxIdentity: string
  readonly addressing: Addressing
  readonly payload: CsRequest<V, O>
  /** Tolerated deviations (see `QuirkCodes`); empty for a textbook message. */
  readonly quirks: readonly Quirk[]
}

/** Any decoded CentralSystemService request; narrow on `ocppVersion` and `operation` to get the payload type. */
export type DecodedCsRequest = {
  [V in OcppVersion]: { [O in CsOperation<V>]: CsRequestOf<V, O> }[CsOperation<V>]
}[OcppVersion]

/** A decoded ChargePointService request (the central system calling a station) of one version and operation. */
export interface CpRequestOf<V extends OcppVersion, O extends CpOperation<V>> {
  readonly soapVersion: SoapVersion
  readonly ocppVersion: V
  readonly operation: O
  readonly chargeBoxIdentity: string
  readonly addressing: Addressing
  readonly payload: CpRequest<V, O>
  readonly quirks: readonly Quirk[]
}

/** Any decoded ChargePointService request; narrow on `ocppVersion` and `operation` to get the payload type. */
export type DecodedCpRequest = {
  [V in OcppVersion]: { [O in CpOperation<V>]: CpRequestOf<V, O> }[CpOperation<V>]
}[OcppVersion]

export interface DecodeRequestOptions {
  /** The OCPP version the endpoint serves (`/ocpp/1.6`); omit for the version-neutral `/ocpp` endpoint. */
  readonly expectedVersion?: OcppVersion
}

function namespacesOf(role: ServiceRole): string {
  return (Object.keys(ocppServices) as OcppVersion[]).map((v) => ocppServices[v][role].namespace).join(' or ')
}
const ANY_NAMESPACE: Record<ServiceRole, string> = {
  centralSystem: namespacesOf('centralSystem'),
  chargePoint: namespacesOf('chargePoint'),
}

function findIdentity(headers: readonly XmlElement[], ns: string, quirks: Quirk[]): string {
  let foreign: XmlElement | undefined
  for (const h of headers) {
    if (h.local !== 'chargeBoxIdentity') continue
    if (h.ns === ns) return identityText(h, quirks)
    if (h.ns === '' || servicesByNamespace.has(h.ns)) foreign ??= h
  }
  if (!foreign) throw new OcppMissingIdentityError()
  addQuirk(quirks, 'IDENTITY_NAMESPACE', 'Header/chargeBoxIdentity')
  return identityText(foreign, quirks)
}

function identityText(h: XmlElement, quirks: Quirk[]): string {
  const id = h.text.trim()
  if (id === '') throw new OcppMissingIdentityError('empty chargeBoxIdentity header')
  if (id.length !== h.text.length) addQuirk(quirks, 'WHITESPACE_TRIMMED', 'Header/chargeBoxIdentity')
  return id
}

/**
 * Decodes a station's CentralSystemService request (SOAP 1.2, or 1.1) strictly: well-formed XML without DTD, a SOAP
 * envelope, an OCPP body element of the expected version, a chargeBoxIdentity header and a schema-valid payload
 * (typed: numbers, booleans, UTC ISO timestamps, arrays). The operation comes from the body element; wsa:Action
 * and any SOAPAction are only cross-checked. Throws an `OcppError` whose `fault` says how to answer.
 *
 * ### Examples
 * ```ts
 * const req = decodeRequest(xmlText, { expectedVersion: '1.6' })
 * if (req.ocppVersion === '1.6' && req.operation === 'BootNotification') req.payload.chargePointVendor
 * req.quirks // [{ code: 'TIMESTAMP_WITHOUT_OFFSET', path: 'startTransactionRequest/timestamp' }]
 * ```
 */
export function decodeRequest(xml: string, options: DecodeRequestOptions = {}): DecodedCsRequest {
  return decodeServiceRequest('centralSystem', xml, options) as DecodedCsRequest
}

/**
 * The station side of {@link decodeRequest}: decodes the central system's ChargePointService request (e.g.
 * `RemoteStartTransaction`) with the same strictness; the chargeBoxIdentity header is expected in the CP namespace
 * (another OCPP namespace is an `IDENTITY_NAMESPACE` quirk).
 *
 * ### Examples
 * ```ts
 * const req = decodeCpRequest(xmlText, { expectedVersion: '1.6' })
 * if (req.ocppVersion === '1.6' && req.operation === 'RemoteStartTransaction') req.payload.idTag
 * ```
 */
export function decodeCpRequest(xml: string, options: DecodeRequestOptions = {}): DecodedCpRequest {
  return decodeServiceRequest('chargePoint', xml, options) as DecodedCpRequest
}

function decodeServiceRequest(role: ServiceRole, xml: string, options: DecodeRequestOptions): unknown {
  const env = parseEnvelope(parseXml(xml))
  const { body, quirks } = env
  const owner = servicesByNamespace.get(body.ns)
  if (owner?.service.name !== ocppServices['1.6'][role].name) {
    if (options.expectedVersion === undefined)
      throw new OcppUnknownNamespaceError(body.local, body.ns, ANY_NAMESPACE[role])
    const expected = ocppServices[options.expectedVersion][role].namespace
    throw new OcppUnknownNamespaceError(body.local, body.ns, expected)
  }
  if (options.expectedVersion !== undefined && owner.version !== options.expectedVersion) {
    throw new OcppVersionMismatchError(owner.version, options.expectedVersion)
  }
  const service = owner.service
  const operation = service.byRequestElement.get(body.local)
  const schemas = operation === undefined ? undefined : service.operations[operation]
  if (operation === undefined || !schemas)
    throw new OcppUnknownOperationError(body.local, service.name, owner.version)
  const chargeBoxIdentity = findIdentity(env.headers, service.namespace, quirks)
  const action = env.addressing.action
  if (action !== undefined && action !== `/${operation}`) addQuirk(quirks, 'ACTION_MISMATCH', 'Header/Action')
  let payload: ReturnType<typeof readPayload>
  try {
    payload = readPayload(body, planOf(schemas.request) as SequencePlan, { ns: service.namespace, quirks })
  } catch (err) {
    if (err instanceof OcppError) {
      const { soapVersion } = env
      err.request = {
        soapVersion,
        ocppVersion: owner.version,
        operation,
        chargeBoxIdentity,
        messageId: env.addressing.messageId,
      }
    }
    throw err
  }
  const transactionId = payload.transactionId
  if (typeof transactionId === 'number' && transactionId <= 0) {
    addQuirk(quirks, 'TRANSACTION_ID_NOT_POSITIVE', `${body.local}/transactionId`)
  }
  return {
    soapVersion: env.soapVersion,
    ocppVersion: owner.version,
    operation,
    chargeBoxIdentity,
    addressing: env.addressing,
    payload,
    quirks,
  }
}
