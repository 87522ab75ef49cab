import fc from 'fast-check'

/**
 * Ways to damage a well-formed SOAP message, each a function of the original text. Used by the mutation fuzz
 * test: whatever comes out, the codec must answer with a fault that has a reason, or decode a schema-valid message.
 */
export type Mutation = (xml: string) => string

const OTHER_NAMESPACES = [
  'urn://Ocpp/Cs/2012/06/',
  'urn://Ocpp/Cs/2015/10/',
  'urn://Ocpp/Cp/2012/06/',
  'urn://Ocpp/Cp/2015/10/',
  'http://www.w3.org/2003/05/soap-envelope',
  'http://schemas.xmlsoap.org/soap/envelope/',
  'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  '',
  'urn:evil',
]

const ENTITY_TRICKS = [
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!ENTITY e "x">',
  '<!doctype x>',
  '&e;',
  '&amp',
  '&#0;',
  '&#xD800;',
  '&#x110000;',
  '&#1;',
  '&#xFFFE;',
  '&#99999999999999999999;',
  '<![CDATA[<a>]]>',
  ']]>',
  '<?xml version="1.1"?>',
  '<?xml-stylesheet href="x"?>',
  '<!-- -- -->',
  '<!---->',
  '\uD800',
  '\uDC00x',
  '\u0000',
  '\uFFFE',
  '<a xmlns:p="">',
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"',
  '<x:y/>',
  '</',
]

const HUGE_VALUES = [
  '9'.repeat(400),
  '-2147483649',
  '2147483648',
  '1e400',
  '-0',
  '+1',
  '0x10',
  'NaN',
  'Infinity',
  ' 1 ',
  '1.',
  '.5',
  '99999-12-31T23:59:59Z',
  '2026-02-29T10:00:00Z',
  '2026-12-31T24:00:00Z',
  '2026-01-01T00:00:00+14:01',
  'x'.repeat(70_000),
  '\u{1F600}'.repeat(21),
  'true ',
  '1',
]

/** Offsets of every element start tag `<name` (not `</`, `<?` or `<!`). */
function startTags(xml: string): number[] {
  const out: number[] = []
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i + 1)) {
    const c = xml.charAt(i + 1)
    if (c !== '/' && c !== '?' && c !== '!') out.push(i)
  }
  return out
}

/** The extent `[start, end)` of the element starting at `start` (leaf or nested, same name), or undefined. */
function elementAt(xml: string, start: number): [number, number] | undefined {
  const m = /^<([^\s/>]+)/.exec(xml.slice(start))
  if (!m?.[1]) return undefined
  const name = m[1]
  const open = xml.indexOf('>', start)
  if (open < 0) return undefined
  if (xml.charAt(open - 1) === '/') return [start, open + 1]
  let depth = 1
  const re = new RegExp(`<(/?)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s/>])`, 'g')
  re.lastIndex = open + 1
  for (let hit = re.exec(xml); hit; hit = re.exec(xml)) {
    if (hit[1] === '/') depth--
    else if (xml.charAt(xml.indexOf('>', hit.index) - 1) !== '/') depth++
    if (depth === 0) {
      const close = xml.indexOf('>', hit.index)
      return close < 0 ? undefined : [start, close + 1]
    }
  }
  return undefined
}

function pick<T>(list: readonly T[], seed: number): T {
  return list[Math.abs(seed) % list.length] as T
}

function withElement(
  xml: string,
  seed: number,
  f: (el: string, start: number, end: number) => string,
): string {
  const tags = startTags(xml)
  if (tags.length === 0) return xml
  const at = elementAt(xml, pick(tags, seed))
  if (!at) return xml
  return f(xml.slice(at[0], at[1]), at[0], at[1])
}

/** One mutation with its parameters; `fc.Arbitrary<Mutation>` shrinks towards simpler damage. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // A character replaced by another, anywhere (structure, names, values).
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0x10ffff })).map(
    ([at, cp]): Mutation =>
      (xml) => {
        const i = at % Math.max(1, xml.length)
        const c = cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp)
        return xml.slice(0, i) + c + xml.slice(i + 1)
      },
  ),
  // Cut short.
  fc.nat().map(
    (at): Mutation =>
      (xml) =>
        xml.slice(0, at % Math.max(1, xml.length)),
  ),
  // An element repeated, or removed.
  fc.nat().map(
    (seed): Mutation =>
      (xml) =>
        withElement(xml, seed, (el, _s, e) => xml.slice(0, e) + el + xml.slice(e)),
  ),
  fc.nat().map(
    (seed): Mutation =>
      (xml) =>
        withElement(xml, seed, (_el, s, e) => xml.slice(0, s) + xml.slice(e)),
  ),
  // An element's content swapped for a hostile value.
  fc.tuple(fc.nat(), fc.constantFrom(...HUGE_VALUES)).map(
    ([seed, value]): Mutation =>
      (xml) =>
        withElement(xml, seed, (el, s, e) => {
          const open = el.indexOf('>')
          const close = el.lastIndexOf('</')
          if (el.endsWith('/>') || close < open) return xml
          return xml.slice(0, s) + el.slice(0, open + 1) + value + el.slice(close) + xml.slice(e)
        }),
  ),
  // A namespace swapped for another (an OCPP one of the other version or role, SOAP 1.1 vs 1.2, none).
  fc.tuple(fc.nat(), fc.constantFrom(...OTHER_NAMESPACES)).map(
    ([seed, ns]): Mutation =>
      (xml) => {
        const decls = [...xml.matchAll(/xmlns(?::[\w.-]+)?="([^"]*)"/g)]
        if (decls.length === 0) return xml
        const d = pick(decls, seed)
        const quote = d[0].indexOf('"')
        const at = (d.index ?? 0) + quote + 1
        return xml.slice(0, at) + ns + xml.slice(at + (d[1] ?? '').length)
      },
  ),
  // A DTD, entity, reference, CDATA, processing instruction, surrogate or control character inserted.
  fc.tuple(fc.nat(), fc.constantFrom(...ENTITY_TRICKS)).map(
    ([at, trick]): Mutation =>
      (xml) => {
        const i = at % (xml.length + 1)
        return xml.slice(0, i) + trick + xml.slice(i)
      },
  ),
  // Random text inserted.
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 12 })).map(
    ([at, text]): Mutation =>
      (xml) => {
        const i = at % (xml.length + 1)
        return xml.slice(0, i) + text + xml.slice(i)
      },
  ),
)

/** One to three mutations applied in turn. */
export const mutations: fc.Arbitrary<Mutation> = fc.array(mutation, { minLength: 1, maxLength: 3 }).map(
  (list): Mutation =>
    (xml) =>
      list.reduce((acc, m) => m(acc), xml),
)

/** Random bit flips in the UTF-8 bytes (what a bad link or a broken station sends), before any text decoding. */
export const byteFlips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
  minLength: 1,
  maxLength: 4,
})

export function flipBytes(bytes: Uint8Array, flips: readonly (readonly [number, number])[]): Uint8Array {
  const out = Uint8Array.from(bytes)
  for (const [at, mask] of flips) {
    const i = at % Math.max(1, out.length)
    out[i] = (out[i] ?? 0) ^ mask
  }
  return out
}
