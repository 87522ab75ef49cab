import type { TObject, TSchema } from 'typebox'
import { ocppServices } from './messages/catalog.ts'
import type { OcppVersion } from './namespaces.ts'
import { escapeAttribute } from './xml/escape.ts'
import {
  requestElementName,
  responseElementName,
  type ServiceDefinition,
  TEXT_PROPERTY,
  xsdOf,
} from './xsd/xsd-types.ts'

const BUILTIN: Record<string, string> = {
  int: 's:int',
  boolean: 's:boolean',
  dateTime: 's:dateTime',
  anyURI: 's:anyURI',
  string: 's:string',
  decimal: 's:decimal',
}

/** Named XSD type definitions met while walking the schemas, in first-met order. */
type Definitions = Map<string, string>

function simpleTypeXml(name: string, schema: TSchema): string {
  const x = xsdOf(schema)
  const s = schema as { enum?: string[]; maxLength?: number }
  let facets: string
  if (x.xsd === 'enum')
    facets = (s.enum ?? []).map((v) => `<s:enumeration value="${escapeAttribute(v)}"/>`).join('')
  else if (x.xsd === 'decimal') facets = `<s:fractionDigits value="${x.fractionDigits}"/>`
  else facets = `<s:maxLength value="${s.maxLength}"/>`
  const base = x.xsd === 'decimal' ? 's:decimal' : 's:string'
  return `<s:simpleType name="${name}"><s:restriction base="${base}">${facets}</s:restriction></s:simpleType>`
}

/** The type attribute for a schema, registering named types; undefined for anonymous complex types. */
function typeRef(schema: TSchema, defs: Definitions): string | undefined {
  const x = xsdOf(schema)
  if (x.xsd === 'simpleContent') return undefined
  if (x.xsdName === undefined) {
    const builtin = BUILTIN[x.xsd]
    if (!builtin) throw new Error(`anonymous ${x.xsd} type cannot be referenced`)
    return builtin
  }
  if (!defs.has(x.xsdName)) {
    defs.set(x.xsdName, '')
    defs.set(
      x.xsdName,
      x.xsd === 'sequence'
        ? complexTypeXml(x.xsdName, schema as TObject, defs)
        : simpleTypeXml(x.xsdName, schema),
    )
  }
  return `tns:${x.xsdName}`
}

function simpleContentXml(schema: TObject, defs: Definitions): string {
  const required = new Set(schema.required ?? [])
  const attributes = Object.entries(schema.properties)
    .filter(([k]) => k !== TEXT_PROPERTY)
    .map(
      ([k, v]) =>
        `<s:attribute name="${k}" type="${typeRef(v, defs)}" use="${required.has(k) ? 'required' : 'optional'}"/>`,
    )
  const base = typeRef(schema.properties[TEXT_PROPERTY] as TSchema, defs)
  return `<s:complexType><s:simpleContent><s:extension base="${base}">${attributes.join('')}</s:extension></s:simpleContent></s:complexType>`
}

function elementXml(name: string, prop: TSchema, required: boolean, defs: Definitions): string {
  const p = prop as TSchema & { type?: string; items?: TSchema; minItems?: number; maxItems?: number }
  const repeated = p.type === 'array'
  const item = repeated ? (p.items as TSchema) : prop
  const min = required ? (repeated ? (p.minItems ?? 0) : 1) : 0
  const max = repeated ? (p.maxItems ?? 'unbounded') : 1
  const occurs = `minOccurs="${min}" maxOccurs="${max}"`
  const type = typeRef(item, defs)
  return type === undefined
    ? `<s:element name="${name}" ${occurs}>${simpleContentXml(item as TObject, defs)}</s:element>`
    : `<s:element name="${name}" type="${type}" ${occurs}/>`
}

function complexTypeXml(name: string, schema: TObject, defs: Definitions): string {
  const required = new Set(schema.required ?? [])
  const elements = Object.entries(schema.properties).map(([k, v]) => elementXml(k, v, required.has(k), defs))
  const content = elements.length ? `<s:sequence>${elements.join('')}</s:sequence>` : ''
  return `<s:complexType name="${name}">${content}</s:complexType>`
}

const bodies = new Map<ServiceDefinition, string>()

/** Everything of a service's WSDL after `<definitions>` up to the service element: computed once. */
function wsdlBody(service: ServiceDefinition): string {
  const cached = bodies.get(service)
  if (cached) return cached
  const defs: Definitions = new Map()
  const ops = Object.entries(service.operations)
  const elements = ops.flatMap(([op, s]) => [
    `<s:element name="${requestElementName(op)}" type="${typeRef(s.request, defs)}"/>`,
    `<s:element name="${responseElementName(op)}" type="${typeRef(s.response, defs)}"/>`,
  ])
  const schema =
    `<s:schema targetNamespace="${service.namespace}" elementFormDefault="qualified">` +
    `${[...defs.values()].join('')}<s:element name="chargeBoxIdentity" type="s:string"/>${elements.join('')}</s:schema>`
  const messages = ops
    .map(
      ([op]) =>
        `<wsdl:message name="${op}Input"><wsdl:part name="parameters" element="tns:${requestElementName(op)}"/></wsdl:message>` +
        `<wsdl:message name="${op}Output"><wsdl:part name="parameters" element="tns:${responseElementName(op)}"/></wsdl:message>`,
    )
    .join('')
  const portOps = ops
    .map(
      ([op]) =>
        `<wsdl:operation name="${op}"><wsdl:input message="tns:${op}Input" wsaw:Action="/${op}"/>` +
        `<wsdl:output message="tns:${op}Output" wsaw:Action="/${op}Response"/></wsdl:operation>`,
    )
    .join('')
  const bindingOps = ops
    .map(
      ([op]) =>
        `<wsdl:operation name="${op}"><soap12:operation soapAction="/${op}" style="document"/>` +
        '<wsdl:input><soap12:header message="tns:Header" part="ChargeBoxIdentity" use="literal"/><soap12:body use="literal"/></wsdl:input>' +
        '<wsdl:output><soap12:body use="literal"/></wsdl:output></wsdl:operation>',
    )
    .join('')
  const body =
    '<wsp:Policy wsu:Id="ServicePolicy"><wsp:ExactlyOne><wsp:All><wsaw:UsingAddressing/></wsp:All></wsp:ExactlyOne></wsp:Policy>' +
    `<wsdl:types>${schema}</wsdl:types>` +
    '<wsdl:message name="Header"><wsdl:part name="ChargeBoxIdentity" element="tns:chargeBoxIdentity"/></wsdl:message>' +
    messages +
    `<wsdl:portType name="${service.name}">${portOps}</wsdl:portType>` +
    `<wsdl:binding name="${service.name}Soap" type="tns:${service.name}">` +
    '<soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/><wsp:PolicyReference URI="#ServicePolicy"/>' +
    `${bindingOps}</wsdl:binding>`
  bodies.set(service, body)
  return body
}

function serviceWsdl(service: ServiceDefinition, version: OcppVersion, endpointUrl: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<!-- OCPP ${version} ${service.name}: generated by Chargebus from its message schemas; wire-compatible with the OCA WSDL. -->` +
    '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:s="http://www.w3.org/2001/XMLSchema"' +
    ' xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl"' +
    ' xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"' +
    ' xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"' +
    ` xmlns:tns="${service.namespace}" targetNamespace="${service.namespace}">` +
    wsdlBody(service) +
    `<wsdl:service name="${service.name}"><wsdl:port name="${service.name}Soap12" binding="tns:${service.name}Soap">` +
    `<soap12:address location="${escapeAttribute(endpointUrl)}"/></wsdl:port></wsdl:service></wsdl:definitions>`
  )
}

/**
 * Our CentralSystemService WSDL for a version, with the real endpoint address: same target namespace, element
 * names, actions, SOAP 1.2 binding, chargeBoxIdentity header and service/port names as the OCA's, generated
 * from our schemas (served on `GET /ocpp/1.6?wsdl`).
 *
 * ### Examples
 * ```ts
 * reply.type('text/xml').send(centralSystemWsdl('1.6', 'https://cs.example.com/ocpp/1.6'))
 * ```
 */
export function centralSystemWsdl(version: OcppVersion, endpointUrl: string): string {
  return serviceWsdl(ocppServices[version].centralSystem as ServiceDefinition, version, endpointUrl)
}

/**
 * Our ChargePointService WSDL for a version (what stations implement). Each station has its own address, so the
 * default is the OCA's placeholder.
 *
 * ### Examples
 * ```ts
 * chargePointWsdl('1.5')
 * ```
 */
export function chargePointWsdl(
  version: OcppVersion,
  endpointUrl = 'http://localhost/Ocpp/ChargePointService/',
): string {
  return serviceWsdl(ocppServices[version].chargePoint as ServiceDefinition, version, endpointUrl)
}
