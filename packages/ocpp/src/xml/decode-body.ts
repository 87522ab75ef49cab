import { Buffer } from 'node:buffer'
import { TextDecoder } from 'node:util'
import { OcppEncodingError } from '../errors.ts'

const CHARSET_PARAM = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i
// The XML declaration of an ASCII-compatible document: `<?xml version="1.0" encoding="ISO-8859-1"?>`.
const ENCODING_DECL = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/
const DECLARATION_SNIFF_BYTES = 256

const decoders = new Map<string, TextDecoder>()

function decoderFor(label: string, source: string): TextDecoder {
  const key = label.trim().toLowerCase()
  let decoder = decoders.get(key)
  if (decoder === undefined) {
    try {
      // fatal: a byte sequence that is not text in this encoding is an error, not a silent U+FFFD.
      decoder = new TextDecoder(key, { fatal: true })
    } catch {
      throw new OcppEncodingError(`unsupported character encoding ${JSON.stringify(label)} (${source})`)
    }
    decoders.set(key, decoder)
  }
  return decoder
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  return undefined
}

/**
 * The text of an XML message body, decoded from the encoding it is in: the byte order mark, else the HTTP
 * `charset` parameter, else the XML declaration's `encoding`, else UTF-8 (RFC 7303, XML 1.0 appendix F).
 * Stations built on 8-bit stacks send ISO-8859-1 or windows-1252; reading those as UTF-8 would store vendor
 * names and id tags wrongly. Bytes that are not valid in that encoding, or an encoding TextDecoder does not
 * know, throw {@link OcppEncodingError} (a Sender fault) instead of becoming replacement characters.
 *
 * ### Examples
 * ```ts
 * decodeXmlBody(Buffer.from('<a>Sch\xfcco</a>', 'latin1'), 'text/xml; charset=ISO-8859-1') // '<a>Schüco</a>'
 * decodeXmlBody(bytes, 'application/soap+xml')  // BOM, then <?xml encoding="..."?>, then UTF-8
 * ```
 */
export function decodeXmlBody(bytes: Uint8Array, contentType: string | undefined): string {
  let label = bomEncoding(bytes)
  let source = 'byte order mark'
  if (label === undefined) {
    const param = contentType === undefined ? undefined : CHARSET_PARAM.exec(contentType)
    const charset = param?.[1] ?? param?.[2]
    if (charset !== undefined && charset !== '') {
      label = charset
      source = 'Content-Type charset'
    } else {
      const head = Buffer.from(
        bytes.buffer,
        bytes.byteOffset,
        Math.min(bytes.length, DECLARATION_SNIFF_BYTES),
      )
      const declared = ENCODING_DECL.exec(head.toString('latin1'))?.[1]
      label = declared ?? 'utf-8'
      source = declared === undefined ? 'default' : 'XML declaration'
    }
  }
  const decoder = decoderFor(label, source)
  try {
    return decoder.decode(bytes)
  } catch (err) {
    throw new OcppEncodingError(`the body is not valid ${label} (${source})`, err)
  }
}
