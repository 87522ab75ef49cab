import { OcppDtdForbiddenError, OcppMalformedXmlError } from '../../src/errors.ts'
import { parseXml } from '../../src/xml/parse-xml.ts'
import { SOAP12 } from '../support/envelopes.ts'
import {
  DTD_DOCUMENTS,
  MALFORMED_DOCUMENTS,
  mutate,
  REFUSED_BEYOND_SAXES,
  random,
  VALID_DOCUMENTS,
} from '../support/xml-documents.ts'

type Outcome = { tree: string } | { error: 'malformed' | 'dtd' }

/** The verdict of `parseXml`: a tree, or one of our typed errors (anything else fails the test). */
function outcome(xml: string): Outcome {
  try {
    return { tree: JSON.stringify(parseXml(xml)) }
  } catch (err) {
    if (err instanceof OcppDtdForbiddenError) return { error: 'dtd' }
    if (err instanceof OcppMalformedXmlError) return { error: 'malformed' }
    throw err
  }
}

const valid = VALID_DOCUMENTS

/** The valid document that contains `marker`. */
function pick(marker: string): string {
  const xml = valid.find((x) => x.includes(marker))
  if (xml === undefined) throw new Error(`no valid document contains ${marker}`)
  return xml
}

describe('parseXml', () => {
  test.each(valid.map((xml, i) => [i, xml]))('valid document %i is accepted', (_i, xml) => {
    expect(outcome(xml)).toHaveProperty('tree')
  })

  test('resolves namespaces, references, CDATA, line ends and attribute white space', () => {
    const root = parseXml(pick('<![CDATA[<raw>'))
    const a = root.children[1]?.children[0]
    expect(root).toMatchObject({ ns: SOAP12, local: 'Envelope', attributes: [] })
    expect(a).toMatchObject({
      ns: 'urn:x',
      local: 'a',
      attributes: [
        { ns: 'urn:x', local: 'b', value: '1&2' },
        { ns: '', local: 'c', value: `AB<>"'` },
      ],
    })
    expect(a?.children.map((c) => [c.ns, c.local, c.text])).toEqual([
      ['', 'b', 't\n<raw> & ]]x'],
      ['urn:y', 'c', '\nz\ny'],
    ])
    const m = parseXml(pick('l1\r\nl2')).children[0]?.children[0]
    expect(m?.attributes).toEqual([
      { ns: '', local: 'a', value: '\t\r' },
      { ns: '', local: 'b', value: 'l1 l2 l3' },
    ])
    expect(m?.children[0]).toMatchObject({ ns: 'urn:ü', local: 'ä' })
    expect(parseXml(pick('xml:lang')).attributes).toEqual([
      { ns: 'http://www.w3.org/XML/1998/namespace', local: 'lang', value: 'en' },
    ])
  })

  test.each(DTD_DOCUMENTS)('%s: refused as a DTD', (_name, xml) => {
    expect(outcome(xml)).toEqual({ error: 'dtd' })
  })

  test.each(MALFORMED_DOCUMENTS)('%s: refused as malformed', (_name, xml) => {
    expect(outcome(xml)).toEqual({ error: 'malformed' })
  })

  test.each(REFUSED_BEYOND_SAXES)('%s: refused as malformed', (_name, xml) => {
    expect(outcome(xml)).toEqual({ error: 'malformed' })
  })

  test('a parse after a refused document starts clean', () => {
    expect(outcome('<a><b>')).toEqual({ error: 'malformed' })
    expect(parseXml('<c>1</c>')).toEqual({ ns: '', local: 'c', attributes: [], children: [], text: '1' })
  })

  test('every truncation of a valid envelope is refused as malformed', () => {
    const xml = valid[0] as string
    for (let n = 0; n < xml.trimEnd().length; n++)
      expect(outcome(xml.slice(0, n))).toEqual({ error: 'malformed' })
  })

  // Mutations of the valid corpus: each one is accepted or refused with a typed error, never an untyped throw.
  test('4,000 mutated envelopes are accepted or refused with a typed error', () => {
    const next = random(20261127)
    let accepted = 0
    let refused = 0
    for (let i = 0; i < 4000; i++) {
      let xml = valid[Math.floor(next() * valid.length)] as string
      const rounds = 1 + Math.floor(next() * 3)
      for (let r = 0; r < rounds; r++) xml = mutate(xml, next)
      if ('tree' in outcome(xml)) accepted++
      else refused++
    }
    // Both outcomes must be well represented, or the corpus tests little.
    expect(accepted).toBeGreaterThan(200)
    expect(refused).toBeGreaterThan(1500)
  })
})
