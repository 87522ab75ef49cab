import { v15Requests, v16Requests } from './cs-requests.ts'
import { SOAP11, SOAP12, stationEnvelope, WSA } from './envelopes.ts'

/**
 * XML documents with known verdicts, shared by the parser's unit tests and the scanner's differential test:
 * valid ones (station envelopes and the corner cases of namespaces, references, CDATA, comments, PIs, line ends,
 * BOM and quotes), DTDs, malformed ones, and a seeded mutator that damages them.
 */
/** Deterministic PRNG (mulberry32), so a failure names a reproducible input. */
export function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const VALID_DOCUMENTS: readonly string[] = [
  ...v16Requests.map((r) => stationEnvelope({ version: '1.6', body: r.body, action: `/${r.operation}` })),
  ...v15Requests.map((r) => stationEnvelope({ version: '1.5', body: r.body })),
  stationEnvelope({ version: '1.6', soap: '1.1', body: v16Requests[0]?.body ?? '' }),
  // Default namespaces, undeclaring, redeclaring, CDATA, references, comments, PIs, CRLF, BOM, quotes.
  `\uFEFF<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\r\n<!-- c --><?pi x?><Envelope xmlns="${SOAP12}"><Header/><Body><x:a xmlns:x="urn:x" x:b='1&amp;2' c="&#x41;&#66;&lt;&gt;&quot;&apos;"><b xmlns="">t&#10;<![CDATA[<raw> & ]]]]>x</b><x:c xmlns:x="urn:y">\r\nz\ry</x:c></x:a></Body></Envelope>\n<!-- after -->\n`,
  `<s:Envelope xmlns:s="${SOAP11}"><s:Body><m xmlns="urn:m" a="&#9;&#13;" b="l1\r\nl2\tl3"><?target body?>é𝄞<ü:ä xmlns:ü="urn:ü"/></m></s:Body></s:Envelope>`,
  `<a xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"><b xmlns:w="${WSA}" w:x="1" x="2"/></a>`,
  '<a></a >',
  '<a xmlns:p="urn:p"><p:b>1</p:b><c>2</c><d p:e="3"/></a>',
  '<a/>',
  '<a b = "1" ><!----><![CDATA[]]></a>',
]

/** Documents with a DOCTYPE or ENTITY declaration: `OCPP_ERR_DTD_FORBIDDEN`. */
export const DTD_DOCUMENTS: readonly (readonly [string, string])[] = [
  ['DOCTYPE', '<!DOCTYPE a><a/>'],
  ['DOCTYPE with an internal subset', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
  ['ENTITY', '<a><!ENTITY x "y"></a>'],
]

/** Documents saxes refuses as not (namespace-)well-formed: `OCPP_ERR_MALFORMED_XML`. */
export const MALFORMED_DOCUMENTS: readonly (readonly [string, string])[] = [
  ['unclosed root', '<a><b/>'],
  ['two roots', '<a/><b/>'],
  ['text after root', '<a/>x'],
  ['text before root', 'x<a/>'],
  ['no root', '<!-- only -->'],
  ['empty', ''],
  ['swapped end tags', '<a><b></a></b>'],
  ['undeclared element prefix', '<x:a/>'],
  ['undeclared attribute prefix', '<a x:b="1"/>'],
  ['prefix used outside its scope', '<a><b xmlns:x="urn:x"/><x:c/></a>'],
  ['duplicate attribute', '<a b="1" b="2"/>'],
  ['duplicate expanded attribute name', '<a xmlns:x="urn:1" xmlns:y="urn:1" x:b="1" y:b="2"/>'],
  ['duplicate namespace declaration', '<a xmlns:x="urn:1" xmlns:x="urn:2"/>'],
  ['unquoted attribute', '<a b=1/>'],
  ['attribute without value', '<a b/>'],
  ['no space between attributes', '<a b="1"c="2"/>'],
  ['< in an attribute', '<a b="<"/>'],
  ['undefined entity', '<a>&bogus;</a>'],
  ['bare &', '<a>a & b</a>'],
  ['bare <', '<a>a < b</a>'],
  ['reference to a non-character', '<a>&#0;</a>'],
  ['reference beyond Unicode', '<a>&#x110000;</a>'],
  ['uppercase X reference', '<a>&#X41;</a>'],
  [']]> in text', '<a>]]></a>'],
  ['-- in a comment', '<a><!-- a -- b --></a>'],
  ['comment ending in -', '<a><!-- a ---></a>'],
  ['CDATA outside root', '<![CDATA[x]]><a/>'],
  ['XML declaration not first', ' <?xml version="1.0"?><a/>'],
  ['XML declaration without version', '<?xml encoding="UTF-8"?><a/>'],
  ['XML-like PI target', '<a><?XmL x?></a>'],
  ['PI target with a colon', '<a><?x:y z?></a>'],
  ['undeclaring a prefix', '<a xmlns:x="urn:x"><b xmlns:x=""/></a>'],
  ['binding xml to another URI', '<a xmlns:xml="urn:x"/>'],
  ['binding a prefix to the xml URI', '<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>'],
  ['declaring xmlns', '<a xmlns:xmlns="urn:x"/>'],
  ['element with xmlns prefix', '<xmlns:a/>'],
  ['two colons', '<a xmlns:x="urn:x"><x:b:c/></a>'],
  ['empty prefix', '<:a/>'],
  ['control character', '<a>\u0001</a>'],
  ['U+FFFE', '<a>\uFFFE</a>'],
  ['lone low surrogate', '<a>\uDC00</a>'],
  ['name starting with a digit', '<1a/>'],
  ['slash not closing the tag', '<a / >'],
  ['end tag with extra text', '<a></a b>'],
]

/** Documents saxes alone would accept and parseXml refuses (`OCPP_ERR_MALFORMED_XML`). */
export const REFUSED_BEYOND_SAXES: readonly (readonly [string, string])[] = [
  ['XML 1.1 (saxes alone would switch character rules)', '<?xml version="1.1"?><a/>'],
  ['a lone high surrogate (saxes alone pairs it with the next character)', '<a>\uD800a</a>'],
  ['a lone high surrogate before markup', '<a>\uD800</a>'],
  ['a lone surrogate in a comment', '<a><!-- \uD800 --></a>'],
  ['a lone surrogate in an attribute', '<a b="\uDC00"/>'],
]

const INSERTS = [
  '<',
  '>',
  '&',
  '"',
  "'",
  '/',
  ':',
  '=',
  ' ',
  ']]>',
  '&bogus;',
  '&#0;',
  '&#x41;',
  '&amp;',
  '<!--',
  '-->',
  '<![CDATA[',
  '<?pi ?>',
  'x:',
  ' a="1"',
  ' xmlns:q="urn:q"',
  '</x>',
  '<y/>',
  '\u0000',
  '\r\n',
]

/** One seeded damage: a cut, a deleted character, an inserted token, swapped names, a duplicate, a renamed prefix, a broken reference. */
export function mutate(xml: string, next: () => number): string {
  const at = Math.floor(next() * (xml.length + 1))
  switch (Math.floor(next() * 7)) {
    case 0: // truncate
      return xml.slice(0, at)
    case 1: // delete one character
      return xml.slice(0, at) + xml.slice(at + 1)
    case 2: // insert a token
      return xml.slice(0, at) + INSERTS[Math.floor(next() * INSERTS.length)] + xml.slice(at)
    case 3: {
      // swap two tag names
      const tags = [...xml.matchAll(/<\/?([\w:.-]+)/g)]
      const a = tags[Math.floor(next() * tags.length)]
      const b = tags[Math.floor(next() * tags.length)]
      if (!a || !b || a.index === undefined) return xml
      return (
        xml.slice(0, a.index) +
        a[0].replace(a[1] as string, b[1] as string) +
        xml.slice(a.index + a[0].length)
      )
    }
    case 4: {
      // duplicate an attribute
      const attrs = [...xml.matchAll(/ [\w:]+="[^"]*"/g)]
      const a = attrs[Math.floor(next() * attrs.length)]
      if (!a || a.index === undefined) return xml
      return xml.slice(0, a.index) + a[0] + a[0] + xml.slice(a.index + a[0].length)
    }
    case 5: {
      // rename a prefix at one place (often: now undeclared)
      const uses = [...xml.matchAll(/(<\/?|xmlns:| )([a-z]+):/g)]
      const u = uses[Math.floor(next() * uses.length)]
      if (!u || u.index === undefined) return xml
      return `${xml.slice(0, u.index)}${u[1]}z${u[2]}:${xml.slice(u.index + u[0].length)}`
    }
    default: {
      // replace a character reference or entity with a broken one
      const i = xml.indexOf('&', at)
      return i === -1 ? `${xml.slice(0, at)}&lt${xml.slice(at)}` : `${xml.slice(0, i)}&#;${xml.slice(i + 1)}`
    }
  }
}
