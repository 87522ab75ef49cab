import { parseWithSaxes } from './parse-with-saxes.ts'
import { scanXml } from './scan-xml.ts'
import type { XmlElement } from './xml-tree.ts'

export type { XmlAttribute, XmlElement } from './xml-tree.ts'

/**
 * Parses an XML document into a namespace-resolved element tree. The envelopes stations send are read by our
 * strict scanner (`scan-xml.ts`, about 2-3x faster); anything outside its subset (comments, CDATA, PIs, a DTD,
 * unusual characters or names) or malformed is handed to saxes (`parse-with-saxes.ts`), which gives the tree or
 * the error. Trees and errors are those of saxes for every input, checked by a differential fuzz test
 * (`test/fuzz/scan-xml.test.ts`). DOCTYPE/ENTITY declarations are refused before saxes parses (the scanner
 * never accepts `<!`), as are XML versions other than 1.0 and unpaired UTF-16 surrogates.
 *
 * ### Examples
 * ```ts
 * const root = parseXml('<a xmlns="urn:x"><b>1</b></a>')
 * root.children[0]?.text // '1'
 * ```
 */
export function parseXml(xml: string): XmlElement {
  return scanXml(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml) ?? parseWithSaxes(xml)
}
