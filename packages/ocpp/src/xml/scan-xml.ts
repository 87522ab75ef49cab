import {
  createElement,
  NO_ATTRIBUTES,
  XML_NAMESPACE,
  XMLNS_NAMESPACE,
  type XmlAttribute,
  type XmlElement,
} from './xml-tree.ts'

const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const DQUOTE = 0x22
const HASH = 0x23
const AMP = 0x26
const SQUOTE = 0x27
const SLASH = 0x2f
const COLON = 0x3a
const SEMICOLON = 0x3b
const LT = 0x3c
const EQ = 0x3d
const GT = 0x3e
const RBRACKET = 0x5d
const LOWER_X = 0x78

// ASCII-only NCNames: a subset of XML 1.0's names (a non-ASCII name character ends the name, and whatever
// follows is then not what the scanner expects, so saxes reads the document).
const NAME_START = 1
const NAME_CHAR = 2
const ASCII_NAME = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  if (/[A-Za-z_]/.test(ch)) ASCII_NAME[c] = NAME_START | NAME_CHAR
  else if (/[0-9.-]/.test(ch)) ASCII_NAME[c] = NAME_CHAR
}

const isS = (c: number): boolean => c === SPACE || c === LF || c === CR || c === TAB
const isNameStart = (c: number): boolean => c < 128 && ((ASCII_NAME[c] as number) & NAME_START) !== 0

/** The XML 1.0 `Char` production, for the code point of a character reference. */
function isXmlChar(cp: number): boolean {
  return cp >= SPACE
    ? cp <= 0xd7ff || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
    : cp === TAB || cp === LF || cp === CR
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1
}

const ENCODING_NAME = /^[A-Za-z][A-Za-z0-9._-]*$/

// The duplicate-attribute check and prefix lookups are linear scans, fast for the handful an envelope has; past
// these counts the document goes to saxes (a Set and maps), so no input makes the scanner quadratic.
const MAX_ATTRIBUTES = 32
const MAX_BINDINGS = 32

/**
 * One scan of one document. Every method returns `undefined` (or `false`) for "not mine": the scanner stops at
 * the first thing outside its subset and never reports why; saxes does.
 */
class Scanner {
  i = 0
  // The start tag being read: its attributes as written, reused from tag to tag.
  private readonly attrPrefix: string[] = []
  private readonly attrLocal: string[] = []
  private readonly attrValue: string[] = []
  // The namespace of each attribute for the duplicate check: '' unprefixed, XMLNS_NAMESPACE for `xmlns:p`.
  private readonly attrNs: string[] = []
  // Namespace bindings in scope, innermost last; prefix '' is the default namespace.
  private readonly bindPrefix: string[] = []
  private readonly bindUri: string[] = []
  // Set by startTag for its caller.
  qname = ''
  selfClosing = false

  readonly s: string

  constructor(s: string) {
    this.s = s
  }

  document(): XmlElement | undefined {
    const s = this.s
    if (s.startsWith('<?') && !this.declaration()) return undefined
    this.skipS()
    if (s.charCodeAt(this.i) !== LT) return undefined
    const open: XmlElement[] = []
    const names: string[] = []
    const marks: number[] = []
    let root: XmlElement | undefined
    for (;;) {
      // At a '<' inside the root, or at the root's.
      if (s.charCodeAt(this.i + 1) === SLASH) {
        const name = names.pop()
        if (name === undefined || !this.endTag(name)) return undefined
        open.pop()
        this.unbind(marks.pop() as number)
      } else {
        const mark = this.bindPrefix.length
        const el = this.startTag()
        if (el === undefined) return undefined
        const parent = open[open.length - 1]
        if (parent !== undefined) parent.children.push(el)
        else root = el
        if (this.selfClosing) this.unbind(mark)
        else {
          open.push(el)
          names.push(this.qname)
          marks.push(mark)
        }
      }
      const current = open[open.length - 1]
      if (current === undefined) break
      const text = this.text()
      if (text === undefined) return undefined
      if (text !== '') current.text += text
    }
    this.skipS()
    return this.i === s.length ? root : undefined
  }

  /** `<?xml version="1.0" [encoding="…"] [standalone="yes|no"] ?>` at offset 0, nothing else. */
  private declaration(): boolean {
    const s = this.s
    if (!s.startsWith('<?xml', 0) || !isS(s.charCodeAt(5))) return false
    this.i = 5
    this.skipS()
    if (this.pseudoAttribute('version') !== '1.0') return false
    let spaced = this.skipS()
    if (spaced && s.startsWith('encoding', this.i)) {
      const encoding = this.pseudoAttribute('encoding')
      if (encoding === undefined || !ENCODING_NAME.test(encoding)) return false
      spaced = this.skipS()
    }
    if (spaced && s.startsWith('standalone', this.i)) {
      const standalone = this.pseudoAttribute('standalone')
      if (standalone !== 'yes' && standalone !== 'no') return false
      this.skipS()
    }
    if (!s.startsWith('?>', this.i)) return false
    this.i += 2
    return true
  }

  private pseudoAttribute(name: string): string | undefined {
    const s = this.s
    if (!s.startsWith(name, this.i)) return undefined
    this.i += name.length
    this.skipS()
    if (s.charCodeAt(this.i) !== EQ) return undefined
    this.i++
    this.skipS()
    const q = s.charCodeAt(this.i)
    if (q !== DQUOTE && q !== SQUOTE) return undefined
    const end = s.indexOf(q === DQUOTE ? '"' : "'", this.i + 1)
    if (end < 0) return undefined
    const value = s.slice(this.i + 1, end)
    this.i = end + 1
    return value
  }

  /** Skips white space; true if there was any. */
  private skipS(): boolean {
    const s = this.s
    const start = this.i
    while (isS(s.charCodeAt(this.i))) this.i++
    return this.i > start
  }

  /** The end of an ASCII NCName starting at `i` (whose first character is known to be a name start). */
  private nameEnd(i: number): number {
    const s = this.s
    let c = s.charCodeAt(++i)
    while (c < 128 && ((ASCII_NAME[c] as number) & NAME_CHAR) !== 0) c = s.charCodeAt(++i)
    return i
  }

  /** A start tag at `this.i` (`<`): the element with its namespace and attributes resolved, bindings pushed. */
  private startTag(): XmlElement | undefined {
    const s = this.s
    const qStart = this.i + 1
    if (!isNameStart(s.charCodeAt(qStart))) return undefined
    let i = this.nameEnd(qStart)
    let colon = -1
    if (s.charCodeAt(i) === COLON) {
      colon = i
      if (!isNameStart(s.charCodeAt(i + 1))) return undefined
      i = this.nameEnd(i + 1)
    }
    const qname = s.slice(qStart, i)
    let count = 0
    for (;;) {
      let c = s.charCodeAt(i)
      if (c === GT) {
        this.selfClosing = false
        i++
        break
      }
      if (c === SLASH) {
        if (s.charCodeAt(i + 1) !== GT) return undefined
        this.selfClosing = true
        i += 2
        break
      }
      if (!isS(c)) return undefined
      do c = s.charCodeAt(++i)
      while (isS(c))
      if (c === GT || c === SLASH) continue
      if (!isNameStart(c)) return undefined
      const aStart = i
      i = this.nameEnd(i)
      let aColon = -1
      if (s.charCodeAt(i) === COLON) {
        aColon = i
        if (!isNameStart(s.charCodeAt(i + 1))) return undefined
        i = this.nameEnd(i + 1)
      }
      const aEnd = i
      while (isS(s.charCodeAt(i))) i++
      if (s.charCodeAt(i) !== EQ) return undefined
      do c = s.charCodeAt(++i)
      while (isS(c))
      if (c !== DQUOTE && c !== SQUOTE) return undefined
      this.i = i + 1
      const value = this.attributeValue(c)
      if (value === undefined) return undefined
      i = this.i
      this.attrPrefix[count] = aColon < 0 ? '' : s.slice(aStart, aColon)
      this.attrLocal[count] = aColon < 0 ? s.slice(aStart, aEnd) : s.slice(aColon + 1, aEnd)
      this.attrValue[count] = value
      if (++count > MAX_ATTRIBUTES) return undefined
    }
    this.i = i
    this.qname = qname
    return this.resolveElement(qname, colon < 0 ? -1 : colon - qStart, count)
  }

  /**
   * Binds the tag's namespace declarations, then resolves its name (`colon`: the colon's offset in `qname`, or
   * -1) and attributes; refuses duplicate attributes.
   */
  private resolveElement(qname: string, colon: number, count: number): XmlElement | undefined {
    const { attrPrefix, attrLocal, attrValue, attrNs } = this
    for (let k = 0; k < count; k++) {
      const p = attrPrefix[k] as string
      const l = attrLocal[k] as string
      if (p === '' ? l !== 'xmlns' : p !== 'xmlns') continue
      const prefix = p === '' ? '' : l
      // Binding `xml` or `xmlns`, undeclaring a prefix, or binding the reserved URIs: saxes' rules.
      if (prefix === 'xml' || prefix === 'xmlns') return undefined
      const uri = (attrValue[k] as string).trim()
      if ((uri === '' && prefix !== '') || uri === XML_NAMESPACE || uri === XMLNS_NAMESPACE) return undefined
      if (this.bindPrefix.push(prefix) > MAX_BINDINGS) return undefined
      this.bindUri.push(uri)
    }
    const prefix = colon < 0 ? '' : qname.slice(0, colon)
    const ns = this.resolve(prefix) ?? (prefix === '' ? '' : undefined)
    if (ns === undefined) return undefined
    let attributes = NO_ATTRIBUTES
    for (let k = 0; k < count; k++) {
      const p = attrPrefix[k] as string
      const l = attrLocal[k] as string
      let uri = ''
      if (p === 'xmlns') uri = XMLNS_NAMESPACE
      else if (p !== '') {
        const bound = this.resolve(p)
        if (bound === undefined) return undefined
        uri = bound
      }
      // Unique by expanded name; an unprefixed name never equals a prefixed one (that one's URI is never '').
      for (let j = 0; j < k; j++) if (attrNs[j] === uri && attrLocal[j] === l) return undefined
      attrNs[k] = uri
      if (p === 'xmlns' || (p === '' && l === 'xmlns')) continue
      if (attributes === NO_ATTRIBUTES) attributes = []
      ;(attributes as XmlAttribute[]).push({ ns: uri, local: l, value: attrValue[k] as string })
    }
    return createElement(ns, colon < 0 ? qname : qname.slice(colon + 1), attributes)
  }

  private resolve(prefix: string): string | undefined {
    const { bindPrefix } = this
    for (let k = bindPrefix.length - 1; k >= 0; k--) if (bindPrefix[k] === prefix) return this.bindUri[k]
    return undefined
  }

  private unbind(mark: number): void {
    // pop(), not `length = mark`: setting the length takes V8's slow path, even when nothing changes.
    const { bindPrefix, bindUri } = this
    while (bindPrefix.length > mark) {
      bindPrefix.pop()
      bindUri.pop()
    }
  }

  /** `</name S? >` at `this.i`, naming the open element exactly. */
  private endTag(name: string): boolean {
    const s = this.s
    let i = this.i + 2
    if (!s.startsWith(name, i)) return false
    i += name.length
    while (isS(s.charCodeAt(i))) i++
    if (s.charCodeAt(i) !== GT) return false
    this.i = i + 1
    return true
  }

  /**
   * A quoted attribute value after its opening quote `q`, references expanded. Tab, CR and LF are left to saxes
   * (XML normalises them to spaces), as are `<`, control characters, lone surrogates and U+FFFE/U+FFFF.
   */
  private attributeValue(q: number): string | undefined {
    const s = this.s
    let i = this.i
    let start = i
    let out = ''
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === q) {
        this.i = i + 1
        return out + s.slice(start, i)
      }
      if (c >= SPACE && c < 0xd800) {
        if (c === AMP) {
          this.i = i
          const ref = this.reference()
          if (ref === undefined) return undefined
          out += s.slice(start, i) + ref
          i = start = this.i
        } else if (c === LT) return undefined
        else i++
      } else if (c >= 0xe000 && c <= 0xfffd) i++
      else if (c <= 0xdbff && c >= 0xd800 && isLowSurrogate(s.charCodeAt(i + 1))) i += 2
      else return undefined
    }
  }

  /**
   * Character data up to the next `<`, references expanded and line ends normalised (CRLF and CR to LF) as XML
   * requires. Refuses `]]>`, control characters, lone surrogates, U+FFFE/U+FFFF and the end of the input.
   */
  private text(): string | undefined {
    const s = this.s
    let i = this.i
    let start = i
    let out = ''
    for (;;) {
      const c = s.charCodeAt(i)
      if (c >= SPACE && c < 0xd800) {
        if (c === LT) break
        if (c === AMP) {
          this.i = i
          const ref = this.reference()
          if (ref === undefined) return undefined
          out += s.slice(start, i) + ref
          i = start = this.i
        } else if (c === GT && s.charCodeAt(i - 1) === RBRACKET && s.charCodeAt(i - 2) === RBRACKET)
          return undefined
        else i++
      } else if (c === LF || c === TAB) i++
      else if (c === CR) {
        out += `${s.slice(start, i)}\n`
        i += s.charCodeAt(i + 1) === LF ? 2 : 1
        start = i
      } else if (c >= 0xe000 && c <= 0xfffd) i++
      else if (c <= 0xdbff && c >= 0xd800 && isLowSurrogate(s.charCodeAt(i + 1))) i += 2
      else return undefined
    }
    this.i = i
    return start === i ? out : out + s.slice(start, i)
  }

  /** `&lt; &gt; &amp; &quot; &apos; &#N; &#xH;` at `this.i` (`&`), naming an XML character. */
  private reference(): string | undefined {
    const s = this.s
    let i = this.i + 1
    if (s.charCodeAt(i) !== HASH) {
      for (const [name, char] of PREDEFINED) {
        if (s.startsWith(name, i)) {
          this.i = i + name.length
          return char
        }
      }
      return undefined
    }
    let cp = 0
    const first = ++i
    if (s.charCodeAt(i) === LOWER_X) {
      // At most six hex digits (U+10FFFF): longer ones, even zero-padded, are saxes' to judge.
      const hexStart = ++i
      for (let d = hexDigit(s.charCodeAt(i)); d >= 0 && i - hexStart < 6; d = hexDigit(s.charCodeAt(++i)))
        cp = cp * 16 + d
      if (i === hexStart) return undefined
    } else {
      for (let c = s.charCodeAt(i); c >= 0x30 && c <= 0x39 && i - first < 7; c = s.charCodeAt(++i))
        cp = cp * 10 + (c - 0x30)
      if (i === first) return undefined
    }
    if (s.charCodeAt(i) !== SEMICOLON || !isXmlChar(cp)) return undefined
    this.i = i + 1
    return String.fromCodePoint(cp)
  }
}

const PREDEFINED: readonly (readonly [string, string])[] = [
  ['amp;', '&'],
  ['lt;', '<'],
  ['gt;', '>'],
  ['quot;', '"'],
  ['apos;', "'"],
]

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}

/**
 * Reads the XML that stations send, fast, or says "not mine" (`undefined`) and leaves the document to saxes.
 * Its subset: an XML 1.0 declaration at offset 0; elements and attributes with ASCII names, prefixed or not;
 * default and prefixed namespace declarations, scoped; attribute values in `'` or `"` without tab, CR or LF;
 * character data with the five predefined entities and character references; CRLF/CR line ends (read as LF);
 * white space around the root. Anything else (comments, CDATA, PIs, DOCTYPE, `xml:` names, non-ASCII names,
 * control characters, lone surrogates) and anything malformed is "not mine". What it accepts, saxes accepts
 * with the same tree (`test/fuzz/scan-xml.test.ts` checks that on generated, mutated and corpus documents).
 * The input is the text after its byte order mark.
 *
 * ### Examples
 * ```ts
 * scanXml('<a xmlns="urn:x"><b>1&amp;2</b></a>')?.children[0]?.text // '1&2'
 * scanXml('<a><!-- c --></a>') // undefined: parseXml asks saxes
 * ```
 */
export function scanXml(text: string): XmlElement | undefined {
  return new Scanner(text).document()
}
