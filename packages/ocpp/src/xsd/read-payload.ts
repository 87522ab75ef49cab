import { OcppSchemaError } from '../errors.ts'
import { addQuirk, type Quirk } from '../quirks.ts'
import type { XmlElement } from '../xml/parse-xml.ts'
import { parseXsDateTime } from './date-time.ts'
import type { FieldPlan, LeafPlan, NodePlan, SequencePlan, SimpleContentPlan } from './schema-plan.ts'

const INT = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'
const INT_MIN = -2147483648
const INT_MAX = 2147483647

/** Where read-side quirks are collected; a quirk code is recorded once, with the first path seen. */
export interface ReadContext {
  /** The namespace every child element must be in (elementFormDefault="qualified"). */
  readonly ns: string
  readonly quirks: Quirk[]
}

function show(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)
}

function codePoints(value: string): number {
  let n = 0
  for (const _ of value) n++
  return n
}

function readLeaf(raw: string, plan: LeafPlan, path: string, ctx: ReadContext): unknown {
  const text = raw.trim()
  if (plan.trimIsQuirk && text.length !== raw.length) addQuirk(ctx.quirks, 'WHITESPACE_TRIMMED', path)
  switch (plan.xsd) {
    case 'int': {
      if (!INT.test(text)) throw new OcppSchemaError(path, `expected integer, got ${show(raw)}`)
      const n = Number(text)
      if (n < INT_MIN || n > INT_MAX)
        throw new OcppSchemaError(path, `integer out of xs:int range, got ${show(raw)}`)
      return n
    }
    case 'decimal': {
      if (!DECIMAL.test(text)) throw new OcppSchemaError(path, `expected decimal, got ${show(raw)}`)
      const digits = text.includes('.') ? (text.split('.')[1] ?? '').replace(/0+$/, '').length : 0
      if (plan.fractionDigits !== undefined && digits > plan.fractionDigits) {
        throw new OcppSchemaError(
          path,
          `at most ${plan.fractionDigits} fraction digit(s) allowed, got ${show(raw)}`,
        )
      }
      return Number(text)
    }
    case 'boolean':
      if (text === 'true' || text === '1') return true
      if (text === 'false' || text === '0') return false
      throw new OcppSchemaError(path, `expected boolean, got ${show(raw)}`)
    case 'dateTime': {
      const parsed = parseXsDateTime(text)
      if (typeof parsed === 'string') throw new OcppSchemaError(path, `${parsed}, got ${show(raw)}`)
      if (!parsed.hadOffset) addQuirk(ctx.quirks, 'TIMESTAMP_WITHOUT_OFFSET', path)
      return parsed.iso
    }
    case 'enum':
      if (!plan.enumValues?.has(text)) {
        throw new OcppSchemaError(
          path,
          `expected one of ${[...(plan.enumValues ?? [])].join('|')}, got ${show(raw)}`,
        )
      }
      return text
    default:
      if (plan.maxLength !== undefined && text.length > plan.maxLength && codePoints(text) > plan.maxLength) {
        throw new OcppSchemaError(path, `longer than ${plan.maxLength} characters, got ${show(raw)}`)
      }
      return text
  }
}

function checkAttributes(el: XmlElement, path: string, allowed?: ReadonlyMap<string, FieldPlan>): void {
  for (const a of el.attributes) {
    // Attributes of other namespaces (xsi:type, soap:mustUnderstand...) carry no payload.
    if (a.ns === '' && !allowed?.has(a.local))
      throw new OcppSchemaError(path, `unexpected attribute ${a.local}`)
  }
}

function checkOccurrences(fields: readonly FieldPlan[], out: Record<string, unknown>, path: string): void {
  for (const f of fields) {
    const v = out[f.key]
    if (v === undefined) {
      if (f.required) throw new OcppSchemaError(`${path}/${f.key}`, 'required element is missing')
    } else if (f.repeated) {
      const n = (v as unknown[]).length
      if (n < f.minItems)
        throw new OcppSchemaError(`${path}/${f.key}`, `at least ${f.minItems} required, got ${n}`)
      if (n > f.maxItems)
        throw new OcppSchemaError(`${path}/${f.key}`, `at most ${f.maxItems} allowed, got ${n}`)
    }
  }
}

/** Whether the element carries `xsi:nil="true"` (or `"1"`): it stands for no value. */
function isNil(el: XmlElement): boolean {
  for (const a of el.attributes) {
    if (a.local === 'nil' && a.ns === XSI_NS) {
      const v = a.value.trim()
      return v === 'true' || v === '1'
    }
  }
  return false
}

/**
 * An `xsi:nil` child: absent when optional (flagged), an error when the schema requires a value. The OCPP
 * schemas declare nothing nillable, but SOAP stacks write a null field that way instead of leaving it out.
 */
function checkNil(child: XmlElement, field: FieldPlan, path: string, ctx: ReadContext): void {
  if (child.children.length > 0 || child.text.trim() !== '')
    throw new OcppSchemaError(path, 'an element marked xsi:nil must be empty')
  if (field.required && !field.repeated) throw new OcppSchemaError(path, 'required element is nil')
  addQuirk(ctx.quirks, 'NIL_ELEMENT', path)
}

function readSequence(
  el: XmlElement,
  plan: SequencePlan,
  path: string,
  ctx: ReadContext,
): Record<string, unknown> {
  checkAttributes(el, path)
  if (el.text.trim() !== '') throw new OcppSchemaError(path, `unexpected text ${show(el.text.trim())}`)
  const out: Record<string, unknown> = {}
  let lastIndex = -1
  for (const child of el.children) {
    const field = plan.byName.get(child.local)
    if (child.ns !== ctx.ns) {
      if (child.ns !== '' || !field) {
        throw new OcppSchemaError(`${path}/${child.local}`, `unknown element {${child.ns}}${child.local}`)
      }
      addQuirk(ctx.quirks, 'UNQUALIFIED_ELEMENT', `${path}/${child.local}`)
    }
    if (!field) throw new OcppSchemaError(`${path}/${child.local}`, 'unknown element')
    if (field.index < lastIndex) addQuirk(ctx.quirks, 'ELEMENT_ORDER', `${path}/${child.local}`)
    lastIndex = field.index
    if (child.attributes.length > 0 && isNil(child)) {
      checkNil(child, field, `${path}/${child.local}`, ctx)
      continue
    }
    if (field.repeated) {
      let list = out[field.key] as unknown[] | undefined
      if (!list) {
        list = []
        out[field.key] = list
      }
      list.push(readNode(child, field.node, `${path}/${child.local}[${list.length}]`, ctx))
    } else {
      if (out[field.key] !== undefined)
        throw new OcppSchemaError(`${path}/${child.local}`, 'element occurs more than once')
      out[field.key] = readNode(child, field.node, `${path}/${child.local}`, ctx)
    }
  }
  checkOccurrences(plan.fields, out, path)
  return out
}

function readSimpleContent(
  el: XmlElement,
  plan: SimpleContentPlan,
  path: string,
  ctx: ReadContext,
): Record<string, unknown> {
  checkAttributes(el, path, plan.byName)
  const first = el.children[0]
  if (first) throw new OcppSchemaError(`${path}/${first.local}`, 'unexpected child element')
  const out: Record<string, unknown> = { value: readLeaf(el.text, plan.text, path, ctx) }
  for (const a of el.attributes) {
    const field = a.ns === '' ? plan.byName.get(a.local) : undefined
    if (field) out[field.key] = readLeaf(a.value, field.node as LeafPlan, `${path}/@${a.local}`, ctx)
  }
  checkOccurrences(plan.attributes, out, path)
  return out
}

function readNode(el: XmlElement, plan: NodePlan, path: string, ctx: ReadContext): unknown {
  if (plan.kind === 'sequence') return readSequence(el, plan, path, ctx)
  if (plan.kind === 'simpleContent') return readSimpleContent(el, plan, path, ctx)
  checkAttributes(el, path)
  const first = el.children[0]
  if (first) throw new OcppSchemaError(`${path}/${first.local}`, 'unexpected child element')
  return readLeaf(el.text, plan, path, ctx)
}

/**
 * Converts a body element into the typed payload its schema describes: ints, decimals and booleans as numbers and
 * booleans, xs:dateTime as UTC ISO strings, enums and lengths checked, required elements present, unknown
 * elements refused, repeated elements as arrays. Throws {@link OcppSchemaError} naming the element path.
 *
 * ### Examples
 * ```ts
 * readPayload(bodyElement, planOf(v16.cs.StartTransactionRequest) as SequencePlan, { ns, quirks: [] })
 * // { connectorId: 1, idTag: 'TAG-1', timestamp: '2026-11-26T10:00:00.000Z', meterStart: 0 }
 * ```
 */
export function readPayload(el: XmlElement, plan: SequencePlan, ctx: ReadContext): Record<string, unknown> {
  return readSequence(el, plan, el.local, ctx)
}
