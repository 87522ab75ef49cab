import fc from 'fast-check'
import { corpusEntries, corpusJson, fuzzRuns } from '../../../../test/support/corpus.ts'
import {
  decodeXmlBody,
  encodeCpResponse,
  encodeCsRequest,
  encodeRequest,
  encodeResponse,
  OcppError,
} from '../../src/index.ts'
import { XML_NAMESPACE, XMLNS_NAMESPACE } from '../../src/xml/xml-tree.ts'
import { xmlText } from '../support/arbitraries.ts'
import { SOAP11, SOAP12, WSA } from '../support/envelopes.ts'
import { mutations } from '../support/mutations.ts'
import { callAndReply, type RoundTripExchange, stationRequest } from '../support/station-requests.ts'
import { expectSameAsSaxes, outcomeCounter } from '../support/xml-differential.ts'
import {
  DTD_DOCUMENTS,
  MALFORMED_DOCUMENTS,
  mutate,
  REFUSED_BEYOND_SAXES,
  random,
  VALID_DOCUMENTS,
} from '../support/xml-documents.ts'

/**
 * The scanner (`scanXml`, parseXml's fast path) against saxes, the reference: whatever the scanner accepts,
 * saxes reads to a deep-equal tree; whatever saxes refuses, the scanner hands over; and parseXml's answer
 * (tree, or error class and message) is saxes' own. `expectSameAsSaxes` checks all three on every document.
 */

const RUNS = fuzzRuns(300)

/** A valid envelope as our encoders write it: a station's request, our call to a station, or either reply. */
const encodedEnvelope: fc.Arbitrary<string> = fc.oneof(
  stationRequest.map((r) => r.body),
  fc
    .tuple(callAndReply(['1.1', '1.2']), fc.boolean())
    .map(([{ call, reply }, isCall]) => (isCall ? call.body : reply.body)),
)

// Generated SOAP/OCPP-like documents: the scanner's subset and its edges (prefixes, scoped and redeclared
// namespaces, reserved prefixes and URIs, references, line ends, quotes) mixed with what it hands over
// (comments, CDATA, PIs, non-ASCII or odd names, control characters, lone surrogates, XML 1.1).
// Mostly names, URIs and text of the subset, with a minority of everything else.
const mostly = <T>(usual: readonly T[], unusual: readonly T[]): fc.Arbitrary<T> =>
  fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...usual) }, fc.constantFrom(...unusual))
const prefix = mostly(
  ['', '', 's', 'cs', 'wsa', 'x'],
  ['xml', 'xmlns', 'ü', 'a.b', '_p', 'P-1', 'undeclared'],
)
const local = mostly(
  ['Envelope', 'Header', 'Body', 'chargeBoxIdentity', 'a', 'b-c', 'd.e', '_f', 'g1'],
  ['é', '1a', 'xmlns'],
)
const namespace = mostly(
  [SOAP12, SOAP11, WSA, 'urn://Ocpp/Cs/2015/10/', 'urn:x', 'urn:a&amp;b&#x41;'],
  [' urn:padded\u00a0', '', XML_NAMESPACE, XMLNS_NAMESPACE],
)
const TOKENS = [
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x41;',
  '&#x1F600;',
  '&#1114111;',
  '&#x10FFFF;',
  '&#x0000041;',
  '&#00000065;',
  '&#xFFFE;',
  '&#0;',
  '&#x;',
  '&#X41;',
  '&bogus;',
  '&amp',
  '&',
  '<',
  ']]>',
  ']]',
  ']>',
  '>',
  '\r\n',
  '\r',
  '\n',
  '\t',
  ' ',
  '<!-- c -->',
  '<![CDATA[ x ]]>',
  '<?pi x?>',
  '\u{1F600}',
  '\uD800',
  '\uDC00',
  '\u0001',
  '\u0085',
  '\u2028',
  '\uFFFE',
  '\uFEFF',
  '"',
  "'",
]
/** XML characters (any, CR and astral ones included) with `&`, `<` and `>` escaped: text of the subset. */
const escapedText = xmlText(8).map((t) =>
  t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
)
const chars = (usual: fc.Arbitrary<string>) =>
  fc
    .array(fc.oneof({ weight: 8, arbitrary: usual }, fc.constantFrom(...TOKENS)), { maxLength: 3 })
    .map((parts) => parts.join(''))
const space = fc.constantFrom('', ' ', '\n  ', '\r\n\t')
const qname = fc.tuple(prefix, local).map(([p, l]) => (p === '' ? l : `${p}:${l}`))
const quote = fc.constantFrom('"', "'")
const declaration = fc
  .tuple(prefix, namespace, quote)
  .map(([p, uri, q]) => ({ p, text: ` ${p === '' ? 'xmlns' : `xmlns:${p}`}=${q}${uri}${q}` }))
// Attribute values mostly without tab, CR and LF (which XML normalises, so the scanner hands them over).
const attribute = fc
  .tuple(qname, chars(escapedText.map((t) => t.replace(/[\t\r\n]/g, ' '))), quote, space, space)
  .map(([name, value, q, s1, s2]) => ({
    name,
    text: ` ${name}${s1}=${s2}${q}${value.replaceAll(q, q === '"' ? '&quot;' : '&apos;')}${q}`,
  }))
const { element } = fc.letrec<{ element: string }>((tie) => ({
  element: fc
    .record({
      name: qname,
      // Mostly distinct names (a duplicate is refused, and tested often enough by the mutations).
      declarations: fc.uniqueArray(declaration, { maxLength: 2, selector: (d) => d.p }),
      attributes: fc.uniqueArray(attribute, { maxLength: 3, selector: (a) => a.name }),
      space,
      content: fc.option(
        fc.array(fc.oneof({ depthSize: 'small' }, chars(escapedText), tie('element')), { maxLength: 4 }),
        { freq: 4 },
      ),
      endSpace: fc.constantFrom('', '', ' ', '\r\n'),
    })
    .map(
      (e) =>
        `<${e.name}${e.declarations.map((d) => d.text).join('')}${e.attributes.map((a) => a.text).join('')}${e.space}` +
        (e.content === null ? '/>' : `>${e.content.join('')}</${e.name}${e.endSpace}>`),
    ),
}))
const xmlDeclaration = mostly(
  [
    '',
    '<?xml version="1.0"?>',
    "<?xml version='1.0' encoding='UTF-8'?>\n",
    '<?xml version="1.0" encoding="ISO-8859-1" standalone="no" ?>\r\n',
    '<?xml  version = "1.0"  standalone="yes"?>',
    '\uFEFF<?xml version="1.0"?>',
  ],
  [
    '<?xml version="1.1"?>',
    '<?xml version="1.0" encoding="8bit"?>',
    '<?xml version="1.0"standalone="yes"?>',
    '<?xml encoding="UTF-8"?>',
    '<?xml-stylesheet href="a"?>',
    '\uFEFF',
    ' <?xml version="1.0"?>',
  ],
)
/** A document: an optional declaration, white space, mostly a SOAP envelope declaring the usual prefixes around a generated element. */
const ENVELOPE = `<s:Envelope xmlns:s="${SOAP12}" xmlns:cs="urn://Ocpp/Cs/2015/10/" xmlns:wsa="${WSA}" xmlns:x="urn:x">`
const document: fc.Arbitrary<string> = fc
  .tuple(
    xmlDeclaration,
    space,
    element.chain((e) => mostly([`${ENVELOPE}<s:Body>${e}</s:Body></s:Envelope>`], [e])),
    mostly(['', '\n', ' \r\n'], ['<!-- after -->', 'x', '<a/>']),
  )
  .map((parts) => parts.join(''))

describe('scanner against saxes: what the scanner accepts, saxes reads to the same tree', () => {
  test('envelopes our encoders write take the fast path and read as saxes reads them', () => {
    fc.assert(
      fc.property(encodedEnvelope, (xml) => expect(expectSameAsSaxes(xml)).toBe('scanned')),
      RUNS,
    )
  })

  test('the same envelopes damaged (character flips, cuts, elements, namespaces, entity tricks, random text)', () => {
    const outcomes = outcomeCounter()
    fc.assert(
      fc.property(encodedEnvelope, mutations, (xml, damage) => outcomes.check(damage(xml))),
      RUNS,
    )
    // Both paths well represented, or the comparison tests little.
    expect(outcomes.counts.scanned).toBeGreaterThan(RUNS.numRuns / 20)
    expect(outcomes.counts['handed over']).toBeGreaterThan(RUNS.numRuns / 4)
  })

  test('generated SOAP-like documents, as generated and damaged', () => {
    const outcomes = outcomeCounter()
    fc.assert(
      fc.property(document, fc.option(mutations, { freq: 2 }), (xml, damage) =>
        outcomes.check(damage === null ? xml : damage(xml)),
      ),
      fuzzRuns(1000),
    )
    expect(outcomes.counts.scanned).toBeGreaterThan(100)
    expect(outcomes.counts['handed over']).toBeGreaterThan(200)
  })
})

describe('scanner against saxes: replayed documents', () => {
  test.each(corpusEntries('ocpp-soap', '.xml'))('hostile SOAP corpus: %s', (_name, bytes) => {
    let text: string
    try {
      text = decodeXmlBody(bytes, 'application/soap+xml')
    } catch (err) {
      expect(err).toBeInstanceOf(OcppError)
      return
    }
    expectSameAsSaxes(text)
  })

  test.each(corpusJson<RoundTripExchange>('ocpp-round-trip'))(
    'round-trip corpus: %s, call and reply',
    (_name, x) => {
      if (x.encoder === 'refuses') return
      const common = { ocppVersion: x.version, operation: x.operation, messageId: x.messageId }
      const peers = {
        chargeBoxIdentity: x.chargeBoxIdentity,
        to: 'http://10.0.0.5:8080/cp',
        from: 'http://cs/ocpp',
      }
      // Loosely typed: the operation is chosen at run time.
      type Encode = (input: Record<string, unknown>) => { body: string }
      const central = x.role === 'centralSystem'
      const encodeCall = (central ? encodeCsRequest : encodeRequest) as unknown as Encode
      const encodeReply = (central ? encodeResponse : encodeCpResponse) as unknown as Encode
      const call = encodeCall({ ...common, ...peers, payload: x.request }).body
      const reply = encodeReply({
        ...common,
        soapVersion: x.soapVersion,
        payload: x.response,
        relatesTo: x.messageId,
      }).body
      expect(expectSameAsSaxes(call)).toBe('scanned')
      expect(expectSameAsSaxes(reply)).toBe('scanned')
    },
  )

  test('the parser corpus (valid, DTD, malformed) and 2,500 seeded mutations of it', () => {
    for (const xml of VALID_DOCUMENTS) expectSameAsSaxes(xml)
    for (const [, xml] of [...DTD_DOCUMENTS, ...MALFORMED_DOCUMENTS, ...REFUSED_BEYOND_SAXES])
      expect(expectSameAsSaxes(xml)).toBe('handed over')
    const outcomes = outcomeCounter()
    const next = random(20261206)
    for (let i = 0; i < 2500; i++) {
      let xml = VALID_DOCUMENTS[Math.floor(next() * VALID_DOCUMENTS.length)] as string
      for (let r = 1 + Math.floor(next() * 3); r > 0; r--) xml = mutate(xml, next)
      outcomes.check(xml)
    }
    expect(outcomes.counts.scanned).toBeGreaterThan(120)
    expect(outcomes.counts['handed over']).toBeGreaterThan(900)
  })
})
