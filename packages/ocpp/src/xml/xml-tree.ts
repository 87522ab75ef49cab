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

// Shared by every element without (non-xmlns) attributes, most of a SOAP envelope: no array per element.
export const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([])

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace'
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/'

/** A new element without children or text; both readers build every element here, so their trees have one shape. */
export function createElement(ns: string, local: string, attributes: readonly XmlAttribute[]): XmlElement {
  return { ns, local, attributes, children: [], text: '' }
}
