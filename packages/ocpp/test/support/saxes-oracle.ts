import { SaxesParser, type SaxesTagNS } from 'saxes'
import { OcppDtdForbiddenError, OcppMalformedXmlError } from '../../src/errors.ts'
import type { XmlAttribute, XmlElement } from '../../src/xml/parse-xml.ts'

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/'

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
 * The reference for `parseXml`: the saxes-based parser the codec used before its own scanner (strict
 * saxes, same tree shape, same DOCTYPE/ENTITY refusal). Test-only.
 */
export function parseXmlWithSaxes(xml: string): XmlElement {
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
