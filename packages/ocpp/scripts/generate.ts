/**
 * Generates the OCPP message modules (`src/messages/v1x/*.ts`) from the OCA's WSDLs in `../shared/spec/ocpp`.
 * The WSDLs are read at generation time only; the generated TypeBox schemas are the package's single source for
 * types, validation, XML element order and our own WSDL. Run: `pnpm --filter @chargebus/ocpp generate`.
 *
 * The script refuses WSDL constructs it does not understand and checks the naming conventions the codec relies
 * on (`/Op` actions, `opRequest`/`opResponse` elements, the chargeBoxIdentity header), so a surprise in a WSDL
 * fails here instead of on the wire.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseXml, type XmlElement } from '../src/xml/parse-xml.ts'
import { requestElementName, responseElementName } from '../src/xsd/xsd-types.ts'

const XS = 'http://www.w3.org/2001/XMLSchema'
const WSDL = 'http://schemas.xmlsoap.org/wsdl/'
const SOAP12_WSDL = 'http://schemas.xmlsoap.org/wsdl/soap12/'
const WSAW = 'http://www.w3.org/2006/05/addressing/wsdl'

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** Where the official WSDLs live: `OCPP_SPEC_DIR`, else `shared/spec/ocpp` beside the repository. */
export const DEFAULT_SPEC_DIR = process.env.OCPP_SPEC_DIR ?? resolve(PACKAGE_DIR, '../../../shared/spec/ocpp')

/** The four official WSDLs and the modules generated from them. */
export const SOURCES = [
  {
    wsdl: '1.6/OCPP_CentralSystemService_1.6.wsdl',
    module: 'src/messages/v16/central-system.ts',
    version: '1.6',
  },
  {
    wsdl: '1.6/OCPP_ChargePointService_1.6.wsdl',
    module: 'src/messages/v16/charge-point.ts',
    version: '1.6',
  },
  {
    wsdl: '1.5/ocpp_centralsystemservice_1.5_final.wsdl',
    module: 'src/messages/v15/central-system.ts',
    version: '1.5',
  },
  {
    wsdl: '1.5/ocpp_chargepointservice_1.5_final.wsdl',
    module: 'src/messages/v15/charge-point.ts',
    version: '1.5',
  },
] as const

const BUILTIN: Record<string, string> = {
  int: 'xs.int()',
  string: 'xs.string()',
  dateTime: 'xs.dateTime()',
  boolean: 'xs.boolean()',
  anyURI: 'xs.anyURI()',
  decimal: 'xs.decimal()',
}

function children(el: XmlElement, ns: string, local?: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && (local === undefined || c.local === local))
}

function child(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return children(el, ns, local)[0]
}

function attr(el: XmlElement, name: string, ns = ''): string | undefined {
  return el.attributes.find((a) => a.local === name && a.ns === ns)?.value
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`WSDL: missing ${what}`)
  return value
}

/** `tns:IdToken` -> `IdToken`, `s:int` -> `xs.int()`. Both WSDL families use the prefixes `s` and `tns`. */
function typeRef(qname: string): string {
  const [prefix, local] = qname.split(':')
  if (prefix === 'tns' && local) return local
  if (prefix === 's' && local && BUILTIN[local]) return BUILTIN[local]
  throw new Error(`WSDL: unsupported type reference ${qname}`)
}

function occurs(el: XmlElement, expr: string): string {
  const min = Number(attr(el, 'minOccurs') ?? '1')
  const maxText = attr(el, 'maxOccurs') ?? '1'
  const max = maxText === 'unbounded' ? Number.POSITIVE_INFINITY : Number(maxText)
  if (max === 1) return min === 0 ? `xs.optional(${expr})` : expr
  const opts = [min > 0 ? `min: ${min}` : '', Number.isFinite(max) ? `max: ${max}` : ''].filter(Boolean)
  const list = `xs.list(${expr}${opts.length ? `, { ${opts.join(', ')} }` : ''})`
  return min === 0 ? `xs.optional(${list})` : list
}

function simpleType(st: XmlElement, name: string): string {
  const restriction = need(child(st, XS, 'restriction'), `restriction of ${name}`)
  const base = attr(restriction, 'base')
  const enums = children(restriction, XS, 'enumeration').map((e) =>
    need(attr(e, 'value'), 'enumeration value'),
  )
  const maxLength = attr(child(restriction, XS, 'maxLength') ?? restriction, 'value')
  const fractionDigits = child(restriction, XS, 'fractionDigits')
  if (base === 's:string' && enums.length) {
    return `xs.enumeration('${name}', [${enums.map((v) => `'${v}'`).join(', ')}])`
  }
  if (base === 's:string' && maxLength && restriction.children.length === 1) {
    return `xs.string({ name: '${name}', maxLength: ${maxLength} })`
  }
  if (base === 's:decimal' && fractionDigits && restriction.children.length === 1) {
    return `xs.decimal({ name: '${name}', fractionDigits: ${need(attr(fractionDigits, 'value'), 'fractionDigits')} })`
  }
  throw new Error(`WSDL: unsupported simpleType ${name}`)
}

function inlineComplex(ct: XmlElement, where: string): string {
  const ext = need(
    child(need(child(ct, XS, 'simpleContent'), `simpleContent in ${where}`), XS, 'extension'),
    'extension',
  )
  const attributes = children(ext, XS, 'attribute').map((a) => {
    const expr = typeRef(need(attr(a, 'type'), 'attribute type'))
    return `${need(attr(a, 'name'), 'attribute name')}: ${attr(a, 'use') === 'required' ? expr : `xs.optional(${expr})`}`
  })
  if (ext.children.length !== attributes.length)
    throw new Error(`WSDL: unsupported extension content in ${where}`)
  return `xs.simpleContent(${typeRef(need(attr(ext, 'base'), 'extension base'))}, { ${attributes.join(', ')} })`
}

interface Complex {
  readonly name: string
  readonly deps: string[]
  readonly code: string
}

function complexType(ct: XmlElement, name: string): Complex {
  const deps: string[] = []
  const sequence = child(ct, XS, 'sequence')
  const unexpected = ct.children.filter(
    (c) => c.ns === XS && c.local !== 'sequence' && c.local !== 'annotation',
  )
  if (unexpected.length) throw new Error(`WSDL: unsupported content in complexType ${name}`)
  const fields = (sequence ? children(sequence, XS) : []).map((e) => {
    if (e.local !== 'element') throw new Error(`WSDL: unsupported ${e.local} in ${name}`)
    const fieldName = need(attr(e, 'name'), `element name in ${name}`)
    const type = attr(e, 'type')
    const inline = child(e, XS, 'complexType')
    let expr: string
    if (type) {
      expr = typeRef(type)
      if (type.startsWith('tns:')) deps.push(expr)
    } else if (inline) {
      expr = inlineComplex(inline, `${name}/${fieldName}`)
    } else {
      throw new Error(`WSDL: element ${name}/${fieldName} has no type`)
    }
    return `${fieldName}: ${occurs(e, expr)}`
  })
  return { name, deps, code: `xs.sequence('${name}', { ${fields.join(', ')} })` }
}

function header(version: string, service: string, wsdl: string, ns: string): string {
  return [
    `// DO NOT EDIT: generated by packages/ocpp/scripts/generate.ts from the OCA's OCPP ${version} ${service}`,
    `// WSDL (${wsdl.split('/').pop()}, targetNamespace ${ns}). Regenerate: pnpm --filter @chargebus/ocpp generate`,
  ].join('\n')
}

/** Generates one message module's source text (unformatted) from one WSDL's text. */
export function generateModule(wsdlText: string, source: (typeof SOURCES)[number]): string {
  const root = parseXml(wsdlText)
  const ns = need(attr(root, 'targetNamespace'), 'targetNamespace')
  const schema = need(child(need(child(root, WSDL, 'types'), 'types'), XS, 'schema'), 'schema')
  const out: string[] = []
  const simple: string[] = []
  const complex = new Map<string, Complex>()
  const elementTypes = new Map<string, string>()
  for (const item of schema.children) {
    if (item.ns !== XS) continue
    const name = attr(item, 'name')
    if (item.local === 'simpleType')
      simple.push(`export const ${name} = ${simpleType(item, need(name, 'name'))}`)
    else if (item.local === 'complexType')
      complex.set(need(name, 'name'), complexType(item, need(name, 'name')))
    else if (item.local === 'element')
      elementTypes.set(need(name, 'name'), need(attr(item, 'type'), `type of ${name}`))
    else throw new Error(`WSDL: unsupported schema item ${item.local}`)
  }
  const emitted = new Set<string>()
  const emit = (c: Complex): void => {
    if (emitted.has(c.name)) return
    emitted.add(c.name)
    for (const d of c.deps) {
      const dep = complex.get(d)
      if (dep) emit(dep)
    }
    out.push(`export const ${c.name} = ${c.code}`)
  }
  for (const c of complex.values()) emit(c)

  const portType = need(child(root, WSDL, 'portType'), 'portType')
  const binding = need(child(root, WSDL, 'binding'), 'binding')
  const service = need(child(root, WSDL, 'service'), 'service')
  const serviceName = need(attr(service, 'name'), 'service name')
  if (serviceName !== 'CentralSystemService' && serviceName !== 'ChargePointService') {
    throw new Error(`WSDL: unexpected service ${serviceName}`)
  }
  const port = need(child(service, WSDL, 'port'), 'port')
  if (attr(binding, 'name') !== `${serviceName}Soap` || attr(port, 'name') !== `${serviceName}Soap12`) {
    throw new Error('WSDL: binding/port names break the <Service>Soap / <Service>Soap12 convention')
  }
  const soapActions = new Map(
    children(binding, WSDL, 'operation').map((op) => {
      const input = need(child(op, WSDL, 'input'), 'binding input')
      const hdr = child(input, SOAP12_WSDL, 'header')
      if (!hdr || attr(hdr, 'part') !== 'ChargeBoxIdentity')
        throw new Error(`WSDL: ${attr(op, 'name')} lacks the identity header`)
      return [
        attr(op, 'name'),
        attr(need(child(op, SOAP12_WSDL, 'operation'), 'soap12:operation'), 'soapAction'),
      ]
    }),
  )
  const messages = new Map(
    children(root, WSDL, 'message').map((m) => [
      attr(m, 'name'),
      attr(need(child(m, WSDL, 'part'), 'part'), 'element'),
    ]),
  )
  const ops = children(portType, WSDL, 'operation').map((op) => {
    const name = need(attr(op, 'name'), 'operation name')
    const input = need(child(op, WSDL, 'input'), `${name} input`)
    const output = need(child(op, WSDL, 'output'), `${name} output`)
    const reqEl = messages.get(need(attr(input, 'message'), 'input message').replace('tns:', ''))
    const resEl = messages.get(need(attr(output, 'message'), 'output message').replace('tns:', ''))
    if (
      attr(input, 'Action', WSAW) !== `/${name}` ||
      attr(output, 'Action', WSAW) !== `/${name}Response` ||
      soapActions.get(name) !== `/${name}` ||
      reqEl !== `tns:${requestElementName(name)}` ||
      resEl !== `tns:${responseElementName(name)}`
    ) {
      throw new Error(`WSDL: operation ${name} breaks the /Op, /OpResponse, opRequest, opResponse convention`)
    }
    const req = typeRef(need(elementTypes.get(requestElementName(name)), `${name} request element`))
    const res = typeRef(need(elementTypes.get(responseElementName(name)), `${name} response element`))
    return { name, req, res }
  })
  ops.sort((a, b) => a.name.localeCompare(b.name))

  const constName = serviceName === 'CentralSystemService' ? 'centralSystemService' : 'chargePointService'
  const names = [...simple.map((s) => s.split(' ')[2] as string), ...emitted]
  return [
    header(source.version, serviceName, source.wsdl, ns),
    `import { defineService, type Static, xs } from '../../xsd/xsd-types.ts'`,
    '',
    ...simple,
    ...out,
    '',
    ...names.map((n) => `export type ${n} = Static<typeof ${n}>`),
    '',
    `/** OCPP ${source.version} ${serviceName}: the request and response schema of every operation. */`,
    `export const ${constName} = defineService({`,
    `name: '${serviceName}',`,
    `namespace: '${ns}',`,
    `operations: { ${ops.map((o) => `${o.name}: { request: ${o.req}, response: ${o.res} }`).join(', ')} },`,
    '})',
    '',
  ].join('\n')
}

/** Formats TypeScript with the repository's Biome settings, so generated files pass `pnpm lint` unchanged. */
function format(source: string, path: string): string {
  const biome = resolve(PACKAGE_DIR, '../../node_modules/.bin/biome')
  return execFileSync(biome, ['format', `--stdin-file-path=${path}`], {
    input: source,
    encoding: 'utf8',
    cwd: PACKAGE_DIR,
  })
}

/** Generates every message module: path (relative to the package) -> formatted source. */
export function generateAll(specDir = DEFAULT_SPEC_DIR): Map<string, string> {
  return new Map(
    SOURCES.map((s) => [
      s.module,
      format(generateModule(readFileSync(join(specDir, s.wsdl), 'utf8'), s), s.module),
    ]),
  )
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [path, text] of generateAll(process.argv[2] ?? DEFAULT_SPEC_DIR)) {
    writeFileSync(join(PACKAGE_DIR, path), text)
    console.log(`wrote ${path}`)
  }
}
