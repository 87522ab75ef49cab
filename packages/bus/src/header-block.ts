import type { MsgHdrs } from '@nats-io/transport-node'
import { UnreadableHeadersError } from './errors.ts'
import { headersToRecord } from './headers.ts'

/** nats-core's own decoder settings (UTF-8, BOM stripped, invalid bytes replaced): the same text as nats.js reads. */
const decoder = new TextDecoder()

/**
 * The header block of a message nats.js delivered, as text, without parsing it (nats.js parses it on the first
 * read of `headers`); undefined when it has none or is not such a message (a stored message read by sequence,
 * a test's stand-in). Reads nats.js 3's message internals (`JsMsgImpl.msg`, `MsgImpl._rdata` and `_msg.hdr`);
 * a test checks that a consumed message still has them.
 */
export function headerBlockOf(msg: unknown): string | undefined {
  const inner = (msg as { msg?: { _msg?: { hdr?: unknown }; _rdata?: unknown } }).msg
  const length = inner?._msg?.hdr
  const bytes = inner?._rdata
  if (typeof length !== 'number' || length < 0 || !(bytes instanceof Uint8Array)) return undefined
  return decoder.decode(bytes.subarray(0, length))
}

/**
 * A header block (`NATS/1.0\r\nKey: value\r\n...`) as the record `headersToRecord` makes of nats.js' parse of
 * it: every key as written, its values trimmed, in order. nats.js builds a `MsgHdrs` first (a key check, a
 * search of the keys and a regex per line) and costs more than decoding the rest of a stored event. Undefined
 * where nats.js would refuse the block (a key with a character outside `!`..`~`, a CR or LF inside a value)
 * or a key that is `__proto__`: the caller then lets nats.js parse it, so such blocks behave exactly as
 * before. A property test cross-checks it against nats.js.
 */
export function parseHeaderBlock(block: string): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {}
  const statusEnd = block.indexOf('\r\n') // the first line is the status line
  if (statusEnd === -1) return out
  for (let start = statusEnd + 2; start < block.length; ) {
    const found = block.indexOf('\r\n', start)
    const end = found === -1 ? block.length : found
    const colon = block.indexOf(':', start)
    if (colon !== -1 && colon < end) {
      if (!isPlainKey(block, start, colon)) return undefined
      const key = block.slice(start, colon)
      const value = block.slice(colon + 1, end).trim()
      if (key === '__proto__' || value.includes('\r') || value.includes('\n')) return undefined
      // Own keys only: a header may be called `constructor` or `toString`.
      if (Object.hasOwn(out, key)) out[key]?.push(value)
      else out[key] = [value]
    }
    start = end + 2
  }
  return out
}

/** What nats.js accepts in a header name (`canonicalMIMEHeaderKey`): printable ASCII but space. */
function isPlainKey(block: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = block.charCodeAt(i)
    if (c < 33 || c > 126) return false
  }
  return true
}

/**
 * A message's headers as a record (`headersToRecord`): parsed here from the header block nats.js delivered, else
 * (a stored message read by sequence, a block nats.js alone must judge) nats.js' parse, copied.
 */
export function headerRecordOf(msg: { readonly headers?: MsgHdrs | undefined }): Record<string, string[]> {
  const block = headerBlockOf(msg)
  const parsed = block === undefined ? undefined : parseHeaderBlock(block)
  if (parsed !== undefined) return parsed
  try {
    return headersToRecord(msg.headers)
  } catch (err) {
    throw new UnreadableHeadersError(err)
  }
}

/**
 * {@link headerRecordOf} that does not throw: a block nats.js refuses gives no headers and the error, which a
 * consumer raises inside its handling of that message, so the message is dead-lettered instead of failing its
 * whole batch before the handling starts (and coming back forever).
 */
export function readHeaders(msg: { readonly headers?: MsgHdrs | undefined }): {
  headers: Record<string, string[]>
  unreadable?: UnreadableHeadersError
} {
  try {
    return { headers: headerRecordOf(msg) }
  } catch (err) {
    if (err instanceof UnreadableHeadersError) return { headers: {}, unreadable: err }
    throw err
  }
}
