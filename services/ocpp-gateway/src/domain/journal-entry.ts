import { createHash } from 'node:crypto'
import type { Quirk } from '@chargebus/ocpp'

/** Longest `messageId` the event catalog stores; longer MessageIDs are replaced by their hash. */
const MAX_MESSAGE_ID = 512
const PRINTABLE = /^[\x21-\x7e]+$/

/**
 * The dedupe identity of a station message. With a wsa:MessageID: the MessageID scoped by station (two stations
 * may reuse ids), readable when both are printable ASCII, else hashed. Without one: a hash of station,
 * operation and the exact body, so a byte-identical retry is stored once.
 *
 * ### Examples
 * ```ts
 * dedupeKeyOf('CP-1', 'urn:uuid:1', xml)  // { msgId: 'CP-1/urn:uuid:1', messageId: 'urn:uuid:1' }
 * dedupeKeyOf('CP-1', undefined, xml)     // { msgId: 'sha256:…', messageId: 'sha256:…' }
 * ```
 */
export function dedupeKeyOf(
  stationId: string,
  messageId: string | undefined,
  body: string,
): { msgId: string; messageId: string; hashed: boolean } {
  if (messageId !== undefined && messageId !== '') {
    const id = messageId.length <= MAX_MESSAGE_ID ? messageId : `sha256:${sha256(messageId)}`
    const msgId =
      PRINTABLE.test(stationId) && PRINTABLE.test(id) && stationId.length + id.length < 1000
        ? `${stationId}/${id}`
        : `sha256:${sha256(`${stationId}\n${id}`)}`
    return { msgId, messageId: id, hashed: false }
  }
  const hash = `sha256:${sha256(`${stationId}\n${body}`)}`
  return { msgId: hash, messageId: hash, hashed: true }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

const quirkFlags = new Map<string, string>()

/** A codec quirk as a catalog flag: `TIMESTAMP_WITHOUT_OFFSET` -> `timestamp-without-offset`. */
export function quirkFlag(quirk: Quirk): string {
  let flag = quirkFlags.get(quirk.code)
  if (flag === undefined) {
    flag = quirk.code.toLowerCase().replaceAll('_', '-')
    quirkFlags.set(quirk.code, flag)
  }
  return flag
}

/** wsa:From, else a ReplyTo that is a real address: where the station's ChargePointService listens. */
export function callbackAddressOf(addressing: { from?: string; replyTo?: string }): string | undefined {
  const candidate = addressing.from || addressing.replyTo
  if (candidate === undefined || candidate === '' || candidate.length > 2048) return undefined
  if (candidate.endsWith('/addressing/anonymous') || candidate.endsWith('/addressing/none')) return undefined
  return candidate
}
