import { isUtf8 } from 'node:buffer'
import { BadArchiveRecord } from './errors.ts'

/**
 * One archived message, one JSON line of an object. Enough to put the message back byte-identical:
 * every header value in order, the payload as UTF-8 text or, when it is not valid UTF-8, as base64.
 */
export interface ArchivedMessage {
  readonly seq: number
  /** Logical subject (without the bus namespace). */
  readonly subject: string
  /** Stream time (when JetStream stored it), ISO 8601. */
  readonly time: string
  readonly headers?: Readonly<Record<string, readonly string[]>>
  readonly data?: string
  readonly data64?: string
}

/** What the archiver read from JetStream, in plain terms. */
export interface StoredMessage {
  readonly seq: number
  readonly subject: string
  readonly time: Date
  readonly headers: ReadonlyArray<readonly [string, readonly string[]]>
  readonly payload: Uint8Array
}

/** The JSON line (with its newline) of a stored message. Pure. */
export function encodeRecord(m: StoredMessage): string {
  const payload = Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)
  const record: ArchivedMessage = {
    seq: m.seq,
    subject: m.subject,
    time: m.time.toISOString(),
    ...(m.headers.length > 0 ? { headers: Object.fromEntries(m.headers) } : {}),
    ...(isUtf8(payload) ? { data: payload.toString('utf8') } : { data64: payload.toString('base64') }),
  }
  return `${JSON.stringify(record)}\n`
}

/** Parses one line; `key` names the object in the error. Pure. */
export function decodeRecord(line: string, key: string): ArchivedMessage {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new BadArchiveRecord(key, 'a line is not JSON')
  }
  const r = value as Partial<ArchivedMessage>
  if (
    typeof r !== 'object' ||
    r === null ||
    !Number.isSafeInteger(r.seq) ||
    typeof r.subject !== 'string' ||
    typeof r.time !== 'string' ||
    (r.data === undefined) === (r.data64 === undefined)
  ) {
    throw new BadArchiveRecord(key, 'a line is not an archived message')
  }
  return r as ArchivedMessage
}

/** The original payload bytes of a record. Pure. */
export function payloadOf(r: ArchivedMessage): Buffer {
  return r.data !== undefined ? Buffer.from(r.data, 'utf8') : Buffer.from(r.data64 ?? '', 'base64')
}
