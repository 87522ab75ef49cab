import { existsSync } from 'node:fs'
import { DEFAULT_SPEC_DIR, SOURCES } from '../../scripts/generate.ts'
import { parseXml, type XmlElement } from '../../src/xml/parse-xml.ts'

export { SOURCES }
export const SPEC_DIR = DEFAULT_SPEC_DIR
/** The official WSDLs are reference material beside the repository; CI always has them. */
export const HAS_SPEC = existsSync(SPEC_DIR)

/**
 * `describe` for tests against the official WSDLs. Without the reference material they fail with a
 * line saying what is missing, rather than pass by skipping.
 */
export function describeWithSpec(name: string, body: () => void): void {
  if (HAS_SPEC) describe(name, body)
  else
    describe(name, () => {
      test('needs the official OCPP WSDLs', () => {
        throw new Error(`${SPEC_DIR} is absent: put ../shared beside the repository or set OCPP_SPEC_DIR`)
      })
    })
}

const XS = 'http://www.w3.org/2001/XMLSchema'
const WSDL = 'http://schemas.xmlsoap.org/wsdl/'
const SOAP12W = 'http://schemas.xmlsoap.org/wsdl/soap12/'
const WSAW = 'http://www.w3.org/2006/05/addressing/wsdl'

const kids = (el: XmlElement | undefined, ns: string, local: string) =>
  (el?.children ?? []).filter((c) => c.ns === ns && c.local === local)
const kid = (el: XmlElement | undefined, ns: string, local: string) => kids(el, ns, local)[0]
const at = (el: XmlElement | undefined, name: string, ns = '') =>
  el?.attributes.find((a) => a.local === name && a.ns === ns)?.value

/** What a WSDL promises on the wire, with every type reference resolved (type names kept, order kept). */
export interface WsdlFacts {
  readonly targetNamespace: string | undefined
  readonly service: string | undefined
  readonly port: string | undefined
  readonly binding: string | undefined
  readonly policy: boolean
  readonly operations: Record<string, unknown>
  readonly elements: Record<string, unknown>
}

export function wsdlFacts(text: string): WsdlFacts {
  const root = parseXml(text)
  const schema = kid(kid(root, WSDL, 'types'), XS, 'schema')
  const named = new Map<string, XmlElement>()
  for (const c of schema?.children ?? []) {
    if (c.local === 'simpleType' || c.local === 'complexType') named.set(at(c, 'name') ?? '', c)
  }
  const resolve = (qname: string | undefined, inline?: XmlElement): unknown => {
    if (inline) return complex(inline)
    const [prefix, local] = (qname ?? '').split(':')
    if (prefix === 's') return `xs:${local}`
    const def = named.get(local ?? '')
    if (!def) throw new Error(`unresolved type ${qname}`)
    return def.local === 'simpleType' ? { name: local, ...simple(def) } : { name: local, ...complex(def) }
  }
  const simple = (st: XmlElement) => {
    const r = kid(st, XS, 'restriction')
    return {
      base: at(r, 'base'),
      facets: (r?.children ?? []).map((f) => `${f.local}=${at(f, 'value')}`),
    }
  }
  const complex = (ct: XmlElement): Record<string, unknown> => {
    const ext = kid(kid(ct, XS, 'simpleContent'), XS, 'extension')
    if (ext) {
      return {
        simpleContent: at(ext, 'base'),
        attributes: kids(ext, XS, 'attribute').map((a) => [
          at(a, 'name'),
          resolve(at(a, 'type')),
          at(a, 'use') ?? 'optional',
        ]),
      }
    }
    return {
      sequence: kids(kid(ct, XS, 'sequence'), XS, 'element').map((e) => ({
        name: at(e, 'name'),
        min: at(e, 'minOccurs') ?? '1',
        max: at(e, 'maxOccurs') ?? '1',
        type: resolve(at(e, 'type'), kid(e, XS, 'complexType')),
      })),
    }
  }
  const elements: Record<string, unknown> = {}
  for (const e of kids(schema, XS, 'element')) elements[at(e, 'name') ?? ''] = resolve(at(e, 'type'))

  const messages = new Map(
    kids(root, WSDL, 'message').map((m) => [`tns:${at(m, 'name')}`, kid(m, WSDL, 'part')]),
  )
  const binding = kid(root, WSDL, 'binding')
  const operations: Record<string, unknown> = {}
  for (const op of kids(kid(root, WSDL, 'portType'), WSDL, 'operation')) {
    const name = at(op, 'name') ?? ''
    const b = kids(binding, WSDL, 'operation').find((o) => at(o, 'name') === name)
    const header = kid(kid(b, WSDL, 'input'), SOAP12W, 'header')
    const headerPart = messages.get(at(header, 'message') ?? '')
    operations[name] = {
      inputAction: at(kid(op, WSDL, 'input'), 'Action', WSAW),
      outputAction: at(kid(op, WSDL, 'output'), 'Action', WSAW),
      input: at(messages.get(at(kid(op, WSDL, 'input'), 'message') ?? ''), 'element'),
      output: at(messages.get(at(kid(op, WSDL, 'output'), 'message') ?? ''), 'element'),
      soapAction: at(kid(b, SOAP12W, 'operation'), 'soapAction'),
      style: at(kid(b, SOAP12W, 'operation'), 'style'),
      inputHeader: [at(header, 'use'), at(header, 'part'), at(headerPart, 'name'), at(headerPart, 'element')],
      inputBody: at(kid(kid(b, WSDL, 'input'), SOAP12W, 'body'), 'use'),
      outputBody: at(kid(kid(b, WSDL, 'output'), SOAP12W, 'body'), 'use'),
      outputHeader: kid(kid(b, WSDL, 'output'), SOAP12W, 'header') !== undefined,
    }
  }
  const service = kid(root, WSDL, 'service')
  const port = kid(service, WSDL, 'port')
  return {
    targetNamespace: at(root, 'targetNamespace'),
    service: at(service, 'name'),
    port: at(port, 'name'),
    binding: `${at(binding, 'name')} ${at(kid(binding, SOAP12W, 'binding'), 'transport')} ${at(port, 'binding')}`,
    policy: text.includes('UsingAddressing'),
    operations,
    elements,
  }
}

/** The address a WSDL's port declares. */
export function wsdlAddress(text: string): string | undefined {
  const port = kid(kid(parseXml(text), WSDL, 'service'), WSDL, 'port')
  return at(kid(port, SOAP12W, 'address'), 'location')
}
