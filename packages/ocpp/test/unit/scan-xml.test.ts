import { OcppDtdForbiddenError, OcppMalformedXmlError } from '../../src/errors.ts'
import { parseWithSaxes } from '../../src/xml/parse-with-saxes.ts'
import { parseXml } from '../../src/xml/parse-xml.ts'
import { scanXml } from '../../src/xml/scan-xml.ts'
import { XML_NAMESPACE } from '../../src/xml/xml-tree.ts'
import { v15Requests, v16Requests } from '../support/cs-requests.ts'
import { stationEnvelope } from '../support/envelopes.ts'
import { DTD_DOCUMENTS, MALFORMED_DOCUMENTS, REFUSED_BEYOND_SAXES } from '../support/xml-documents.ts'

const el = (ns: string, local: string, text = '', children: unknown[] = [], attributes: unknown[] = []) => ({
  ns,
  local,
  attributes,
  children,
  text,
})

describe('scanXml: the fast path', () => {
  test('reads declarations, scoped prefixes and default namespaces, references and line ends', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
      '<s:E xmlns:s="urn:s" xmlns="urn:d"><s:H a="1" s:b=\'2&amp;&#x41;&#66; "&lt;"\'>t&lt;\r\nx&#13;y\rz</s:H>' +
      '<b xmlns=""><c/></b><s:H xmlns:s=" urn:t "/>\n</s:E>\n'
    expect(scanXml(xml)).toStrictEqual(
      el('urn:s', 'E', '\n', [
        el(
          'urn:s',
          'H',
          't<\nx\ry\nz',
          [],
          [
            { ns: '', local: 'a', value: '1' },
            { ns: 'urn:s', local: 'b', value: '2&AB "<"' },
          ],
        ),
        el('', 'b', '', [el('', 'c')]),
        el('urn:t', 'H'),
      ]),
    )
  })

  test.each([
    ...v16Requests.map((r) => [`1.6 ${r.operation}`, stationEnvelope({ version: '1.6', body: r.body })]),
    ...v15Requests.map((r) => [`1.5 ${r.operation}`, stationEnvelope({ version: '1.5', body: r.body })]),
    ['SOAP 1.1', stationEnvelope({ version: '1.6', soap: '1.1', body: v16Requests[0]?.body ?? '' })],
  ])('reads the station envelope %s as saxes does', (_name, xml) => {
    expect(scanXml(xml)).toStrictEqual(parseWithSaxes(xml))
  })
})

/** ` name0="urn:0" name1="urn:1" …` */
const attributes = (n: number, name: string): string =>
  Array.from({ length: n }, (_, i) => ` ${name}${i}="urn:${i}"`).join('')

describe('scanXml hands over to saxes, and parseXml answers as saxes does', () => {
  // Valid XML outside the scanner's subset: parseXml's tree is saxes' tree.
  test.each([
    ['a comment', '<a><!-- c -->x</a>'],
    ['CDATA', '<a><![CDATA[<x>]]></a>'],
    ['a processing instruction', '<a><?pi x?></a>'],
    ['a PI before the root', '<?xml-stylesheet href="a"?><a/>'],
    ['an xml: attribute', '<a xml:lang="en"/>'],
    ['xmlns:xml declared', `<a xmlns:xml="${XML_NAMESPACE}"/>`],
    ['a tab in an attribute value', '<a b="x\ty"/>'],
    ['CRLF in an attribute value', '<a b="x\r\ny"/>'],
    ['a non-ASCII element name', '<ä/>'],
    ['a non-ASCII prefix', '<a xmlns:ü="urn:u"><ü:b/></a>'],
    ['a zero-padded reference longer than 6 hex digits', '<a>&#x0000041;</a>'],
    ['a zero-padded reference longer than 7 digits', '<a>&#00000065;</a>'],
    ['more attributes than the scanner checks for duplicates', `<a${attributes(33, 'b')}/>`],
    [
      'more namespace bindings in scope than the scanner looks up',
      `<a${attributes(17, 'xmlns:p')}><b${attributes(16, 'xmlns:q')}><p0:c/></b></a>`,
    ],
  ])('%s', (_name, xml) => {
    expect(scanXml(xml)).toBeUndefined()
    expect(parseXml(xml)).toStrictEqual(parseWithSaxes(xml))
  })

  // Malformed documents: parseXml throws saxes' error (or our refusal around saxes), class and message.
  test.each([...MALFORMED_DOCUMENTS, ...REFUSED_BEYOND_SAXES, ...DTD_DOCUMENTS])('%s', (_name, xml) => {
    expect(scanXml(xml)).toBeUndefined()
    let expected: unknown
    try {
      parseWithSaxes(xml)
    } catch (err) {
      expected = err
    }
    expect(expected).toBeInstanceOf(
      xml.includes('<!DOCTYPE') || xml.includes('<!ENTITY') ? OcppDtdForbiddenError : OcppMalformedXmlError,
    )
    expect(() => parseXml(xml)).toThrow(expected as Error)
    expect(() => parseXml(xml)).toThrow((expected as Error).constructor as new () => Error)
  })
})
