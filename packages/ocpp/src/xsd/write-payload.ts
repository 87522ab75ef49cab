import { OcppEncodeError } from '../errors.ts'
import { escapeAttribute, escapeText, isXmlText } from '../xml/escape.ts'
import { parseXsDateTime } from './date-time.ts'
import type { LeafPlan, NodePlan, SequencePlan } from './schema-plan.ts'

/**
 * A finite number as xs:decimal text, which has no exponent: JavaScript's shortest round-trip digits with the point
 * moved. `toFixed` was used before and wrote `1e+21` for numbers from 1e21 up and `0` for 1e-25 (found by the
 * round-trip fuzz test).
 */
export function plainDecimal(n: number): string {
  const text = String(n)
  const e = text.indexOf('e')
  if (e < 0) return text
  const sign = n < 0 ? '-' : ''
  const [whole = '', fraction = ''] = text.slice(sign.length, e).split('.')
  const digits = whole + fraction
  const point = whole.length + Number(text.slice(e + 1))
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

function leafText(value: unknown, plan: LeafPlan, path: string): string {
  switch (plan.xsd) {
    case 'dateTime': {
      const parsed = parseXsDateTime(value as string)
      if (typeof parsed === 'string' || !parsed.hadOffset) {
        throw new OcppEncodeError(path, `expected an xs:dateTime with zone, got ${JSON.stringify(value)}`)
      }
      return parsed.iso
    }
    case 'decimal': {
      const n = value as number
      const digits = plan.fractionDigits
      if (digits !== undefined && Number(n.toFixed(digits)) !== n) {
        throw new OcppEncodeError(path, `at most ${digits} fraction digit(s) allowed, got ${n}`)
      }
      return plainDecimal(n)
    }
    case 'int':
    case 'boolean':
      return String(value)
    default: {
      const text = value as string
      if (!isXmlText(text)) throw new OcppEncodeError(path, 'contains characters XML cannot carry')
      return text
    }
  }
}

function writeNode(
  name: string,
  value: unknown,
  plan: NodePlan,
  path: string,
  rootAttributes: string,
): string {
  if (plan.kind === 'leaf')
    return `<${name}${rootAttributes}>${escapeText(leafText(value, plan, path))}</${name}>`
  const obj = value as Record<string, unknown>
  if (plan.kind === 'simpleContent') {
    let attrs = rootAttributes
    for (const f of plan.attributes) {
      const v = obj[f.key]
      if (v !== undefined)
        attrs += ` ${f.key}="${escapeAttribute(leafText(v, f.node as LeafPlan, `${path}/@${f.key}`))}"`
    }
    return `<${name}${attrs}>${escapeText(leafText(obj.value, plan.text, path))}</${name}>`
  }
  let inner = ''
  for (const f of plan.fields) {
    const v = obj[f.key]
    if (v === undefined) continue
    if (f.repeated) {
      const list = v as unknown[]
      for (let i = 0; i < list.length; i++)
        inner += writeNode(f.key, list[i], f.node, `${path}/${f.key}[${i}]`, '')
    } else {
      inner += writeNode(f.key, v, f.node, `${path}/${f.key}`, '')
    }
  }
  return inner === '' ? `<${name}${rootAttributes}/>` : `<${name}${rootAttributes}>${inner}</${name}>`
}

/**
 * Writes a payload (already checked against its schema) as an element in schema order: only schema fields, no
 * empty elements for absent values, xs:dateTime in UTC with `Z`, text escaped. Children are unprefixed, so
 * `rootAttributes` usually declares the default namespace (` xmlns="urn://Ocpp/Cs/2015/10/"`).
 *
 * ### Examples
 * ```ts
 * writePayload('heartbeatResponse', { currentTime: '2026-11-26T11:00:00+01:00' }, plan, ' xmlns="urn://Ocpp/Cs/2015/10/"')
 * // '<heartbeatResponse xmlns="urn://Ocpp/Cs/2015/10/"><currentTime>2026-11-26T10:00:00.000Z</currentTime></heartbeatResponse>'
 * ```
 */
export function writePayload(
  name: string,
  payload: unknown,
  plan: SequencePlan,
  rootAttributes: string,
): string {
  return writeNode(name, payload, plan, name, rootAttributes)
}
