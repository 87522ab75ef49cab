import { decodeXmlBody, OcppEncodingError } from '../../src/index.ts'

const latin1 = (text: string) => Buffer.from(text, 'latin1')
const declared = (encoding: string, body = '<a>Schüco</a>') =>
  `<?xml version="1.0" encoding="${encoding}"?>${body}`

describe('decodeXmlBody', () => {
  test('UTF-8 when nothing says otherwise', () => {
    expect(decodeXmlBody(Buffer.from('<a>Schüco €</a>'), 'application/soap+xml')).toBe('<a>Schüco €</a>')
    expect(decodeXmlBody(Buffer.from('<a>ü</a>'), undefined)).toBe('<a>ü</a>')
  })

  test.each([
    ['charset parameter', 'text/xml; charset=ISO-8859-1'],
    ['quoted, any case', 'application/soap+xml;CHARSET="iso-8859-1"; action="/BootNotification"'],
    ['after other parameters', 'application/soap+xml; action="/Boot"; charset=windows-1252'],
  ])('the %s names the encoding', (_name, contentType) => {
    expect(decodeXmlBody(latin1('<a>Sch\xfcco</a>'), contentType)).toBe('<a>Schüco</a>')
  })

  test('without a charset, the XML declaration names it (single or double quotes)', () => {
    expect(decodeXmlBody(latin1(declared('ISO-8859-1')), 'application/soap+xml')).toBe(declared('ISO-8859-1'))
    const single = "<?xml version='1.0' encoding='ISO-8859-15'?><a>\xa4</a>"
    expect(decodeXmlBody(latin1(single), 'text/xml')).toBe(
      "<?xml version='1.0' encoding='ISO-8859-15'?><a>€</a>",
    )
  })

  test('the charset parameter wins over the declaration', () => {
    const text = declared('ISO-8859-1')
    expect(decodeXmlBody(Buffer.from(text), 'application/soap+xml; charset=utf-8')).toBe(text)
  })

  test.each([
    ['UTF-8', Buffer.from([0xef, 0xbb, 0xbf]), (t: string) => Buffer.from(t)],
    ['UTF-16LE', Buffer.from([0xff, 0xfe]), (t: string) => Buffer.from(t, 'utf16le')],
    ['UTF-16BE', Buffer.from([0xfe, 0xff]), (t: string) => Buffer.from(t, 'utf16le').swap16()],
  ])('a %s byte order mark wins over everything and is dropped', (_name, bom, encode) => {
    const text = declared('UTF-16', '<a>Schüco €</a>')
    const bytes = Buffer.concat([bom, encode(text)])
    expect(decodeXmlBody(bytes, 'application/soap+xml; charset=ISO-8859-1')).toBe(text)
  })

  test('bytes that are not valid in the encoding are an error, not replacement characters', () => {
    const invalid = () => decodeXmlBody(latin1('<a>Sch\xfcco</a>'), 'text/xml')
    expect(invalid).toThrow(OcppEncodingError)
    expect(invalid).toThrow('OCPP_ERR_ENCODING: the body is not valid utf-8 (default)')
    expect(() => decodeXmlBody(latin1(declared('UTF-8')), 'text/xml')).toThrow(
      /OCPP_ERR_ENCODING: the body is not valid UTF-8 \(XML declaration\)/,
    )
  })

  test('an encoding TextDecoder does not know is an error naming it and where it came from', () => {
    expect(() => decodeXmlBody(Buffer.from('<a/>'), 'text/xml; charset=klingon-8')).toThrow(
      /OCPP_ERR_ENCODING: unsupported character encoding "klingon-8" \(Content-Type charset\)/,
    )
    expect(() => decodeXmlBody(Buffer.from(declared('EBCDIC-KLINGON')), 'text/xml')).toThrow(
      /"EBCDIC-KLINGON" \(XML declaration\)/,
    )
  })

  test('only the start of the body is searched for a declaration', () => {
    const late = `${' '.repeat(300)}<?xml version="1.0" encoding="ISO-8859-1"?><a/>`
    expect(decodeXmlBody(Buffer.from(late), 'text/xml')).toBe(late)
  })
})
