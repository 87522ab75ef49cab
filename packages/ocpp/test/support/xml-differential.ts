import { parseWithSaxes } from '../../src/xml/parse-with-saxes.ts'
import { parseXml } from '../../src/xml/parse-xml.ts'
import { scanXml } from '../../src/xml/scan-xml.ts'
import type { XmlElement } from '../../src/xml/xml-tree.ts'

type Verdict = { readonly tree: XmlElement } | { readonly error: Error }

function verdictOf(parse: () => XmlElement): Verdict {
  try {
    return { tree: parse() }
  } catch (err) {
    return { error: err as Error }
  }
}

const withoutBom = (xml: string): string => (xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml)

/**
 * The scanner against saxes on one document: if the scanner accepts it, saxes accepts it with a deep-equal
 * tree (so whatever saxes refuses, the scanner refuses); and `parseXml` (scanner, else saxes) gives saxes' own
 * tree or error, same class and message. Returns which path `parseXml` took.
 */
export function expectSameAsSaxes(xml: string): 'scanned' | 'handed over' {
  const reference = verdictOf(() => parseWithSaxes(xml))
  const scanned = scanXml(withoutBom(xml))
  if (scanned !== undefined) {
    if ('error' in reference)
      throw new Error(
        `the scanner accepted what saxes refuses (${reference.error.message}): ${JSON.stringify(xml)}`,
      )
    expect(scanned).toStrictEqual(reference.tree)
  }
  const viaParseXml = verdictOf(() => parseXml(xml))
  if ('tree' in reference) expect(viaParseXml).toStrictEqual(reference)
  else {
    expect('error' in viaParseXml && viaParseXml.error.constructor).toBe(reference.error.constructor)
    expect('error' in viaParseXml && viaParseXml.error.message).toBe(reference.error.message)
  }
  return scanned === undefined ? 'handed over' : 'scanned'
}

/** Counts of both outcomes over a run, so a test can show that it exercised both paths. */
export function outcomeCounter(): {
  readonly counts: Record<'scanned' | 'handed over', number>
  check(xml: string): void
} {
  const counts = { scanned: 0, 'handed over': 0 }
  return { counts, check: (xml) => void counts[expectSameAsSaxes(xml)]++ }
}
