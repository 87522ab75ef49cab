import { SaxesParser, type SaxesTagNS } from 'saxes'
import { OcppDtdForbiddenError, OcppMalformedXmlError } from '../errors.ts'

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/'

/** A namespace-qualified attribute (namespace declarations are not kept). */
export interface XmlAttribute {
  readonly ns: string
  readonly local: string
  readonly value: string
}

/** A namespace-resolved element: just enough of a DOM for schema-driven reading. */
export interface XmlElement {
  readonly ns: string
  readonly local: string
  readonly attributes: readonly XmlAttribute[]
  readonly children: XmlElement[]
  /** The element's own character data (text and CDATA, concatenated; children's text excluded). */
  text: string
}

interface MutableElement extends XmlElement {
  attributes: XmlAttribute[]
}

function toElement(tag: SaxesTagNS): MutableElement {
  const attributes: XmlAttribute[] = []
  for (const name in tag.attributes) {
    const a = tag.attributes[name] as SaxesTagNS['attributes'][string]
    if (a.uri !== XMLNS_NS) attributes.push({ ns: a.uri, local: a.local, value: a.value })
  }
  return { ns: tag.uri, local: tag.local, attributes, children: [], text: '' }
}

/**
 * Parses an XML document into a namespace-resolved element tree with saxes (strict: well-formedness and
 * namespace well-formedness are checked). Any DOCTYPE or ENTITY declaration is refused before parsing starts,
 * so entity expansion attacks (XXE, billion laughs) never run.
 *
 * ### Examples
 * ```ts
 * const root = parseXml('<a xmlns="urn:x"><b>1</b></a>')
 * root.children[0]?.text // '1'
 * ```
 */
export function parseXml(xml: string): XmlElement {
  if (xml.includes('<!DOCTYPE') || xml.includes('<!ENTITY')) throw new OcppDtdForbiddenError()
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml
  const parser = new SaxesParser({ xmlns: true, position: false })
  const stack: MutableElement[] = []
  let root: MutableElement | undefined
  parser.on('doctype', () => {
    throw new OcppDtdForbiddenError()
  })
  parser.on('opentag', (tag) => {
    const el = toElement(tag)
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(el)
    else root = el
    stack.push(el)
  })
  parser.on('closetag', () => {
    stack.pop()
  })
  const onText = (t: string) => {
    const current = stack[stack.length - 1]
    if (current) current.text += t
  }
  parser.on('text', onText)
  parser.on('cdata', onText)
  try {
    parser.write(text).close()
  } catch (err) {
    if (err instanceof OcppDtdForbiddenError) throw err
    throw new OcppMalformedXmlError(err instanceof Error ? err.message : String(err), err)
  }
  if (!root) throw new OcppMalformedXmlError('no root element')
  return root
}
