import { createHash } from 'node:crypto'
import type { StationMessage } from '@chargebus/events'
import type { DecodedCsRequest, Quirk } from '@chargebus/ocpp'
import type { StationAnswer, StationRequest16 } from './answer-station-message.ts'

/** Longest `messageId` the event catalog stores; longer MessageIDs are replaced by their hash. */
const MAX_MESSAGE_ID = 512
const PRINTABLE = /^[\x21-\x7e]+$/

/** How a station message is told apart from retries of it: `msgId` is its `Nats-Msg-Id`. */
export interface DedupeKey {
  msgId: string
  /** The message's `messageId`: its wsa:MessageID, else (`hashed`) a hash of station and body. */
  messageId: string
  hashed: boolean
}

/**
 * The journal entry of an answered request (`ocpp.message.received`): the payload as received, its 1.6 form
 * for 1.5 messages, our 1.6 answer, the station's callback address and the quirk flags: the codec's, the
 * answer's, `no-message-id`, `unknown-station` (no record and not Accepted) and `callback-refused`, in that
 * order.
 *
 * The callback address (`from`) is where commands for the station will go, so it is recorded only when the
 * station is trusted with it (`callbackTrusted`: it passed authentication and is Accepted) and it is an
 * http(s) URL without credentials; otherwise it is left out and flagged `callback-refused`, and the address
 * already known stays.
 *
 * ### Examples
 * ```ts
 * journalEntryOf(req, toRequest16(req), answered, dedupeKeyOf(id, req.addressing.messageId, xml), now, {
 *   unknownStation: false,
 *   callbackTrusted: true,
 * })
 * // { stationId: 'CP-1', ocppVersion: '1.6', action: 'Heartbeat', messageId: 'urn:uuid:…', response: { currentTime: now }, quirks: [], … }
 * ```
 */
export function journalEntryOf(
  req: DecodedCsRequest,
  request16: StationRequest16,
  answer: StationAnswer,
  key: DedupeKey,
  receivedAt: string,
  station: { unknownStation: boolean; callbackTrusted: boolean },
): StationMessage {
  const quirks = req.quirks.map(quirkFlag)
  for (const f of answer.flags) quirks.push(f)
  if (key.hashed) quirks.push('no-message-id')
  if (station.unknownStation) quirks.push('unknown-station')
  const claimed = claimedCallbackOf(req.addressing)
  const from = station.callbackTrusted && claimed !== undefined ? usableCallback(claimed) : undefined
  if (claimed !== undefined && from === undefined) quirks.push('callback-refused')
  const message: StationMessage = {
    stationId: req.chargeBoxIdentity,
    ocppVersion: req.ocppVersion,
    action: request16.operation,
    messageId: key.messageId,
    receivedAt,
    payload: req.payload as Record<string, unknown>,
    response: answer.response as Record<string, unknown>,
    quirks,
  }
  if (from !== undefined) message.from = from
  if (req.ocppVersion === '1.5') message.normalizedPayload = request16.payload as Record<string, unknown>
  return message
}

/**
 * The dedupe identity of a station message. With a wsa:MessageID: the MessageID scoped by station (two stations
 * may reuse ids), readable when both are printable ASCII and the station has no `/`, else hashed. Without one: a hash of station,
 * operation and the exact body, so a byte-identical retry is stored once.
 *
 * ### Examples
 * ```ts
 * dedupeKeyOf('CP-1', 'urn:uuid:1', xml)  // { msgId: 'CP-1/urn:uuid:1', messageId: 'urn:uuid:1' }
 * dedupeKeyOf('CP-1', undefined, xml)     // { msgId: 'sha256:…', messageId: 'sha256:…' }
 * ```
 */
export function dedupeKeyOf(stationId: string, messageId: string | undefined, body: string): DedupeKey {
  if (messageId !== undefined && messageId !== '') {
    const id = messageId.length <= MAX_MESSAGE_ID ? messageId : `sha256:${sha256(messageId)}`
    // Readable only when the first `/` splits it unambiguously: station `A/B` with id `C` and station `A`
    // with id `B/C` must not share a Nats-Msg-Id (one would be dropped as the other's retry).
    const msgId =
      PRINTABLE.test(stationId) &&
      PRINTABLE.test(id) &&
      !stationId.includes('/') &&
      stationId.length + id.length < 1000
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

/** wsa:From, else a ReplyTo that is a real address: where the station says its ChargePointService listens. */
export function claimedCallbackOf(addressing: { from?: string; replyTo?: string }): string | undefined {
  const candidate = addressing.from || addressing.replyTo
  if (candidate === undefined || candidate === '') return undefined
  if (candidate.endsWith('/addressing/anonymous') || candidate.endsWith('/addressing/none')) return undefined
  return candidate
}

/**
 * The address if the gateway may use it: http or https, a host, no user or password in it, at most 2048
 * characters. Which host it resolves to is checked when a command is sent (the address policy).
 *
 * ### Examples
 * ```ts
 * usableCallback('http://cp7.example.com:8080/ocpp') // 'http://cp7.example.com:8080/ocpp'
 * usableCallback('file:///etc/passwd')               // undefined
 * ```
 */
export function usableCallback(address: string): string | undefined {
  const known = checkedCallbacks.get(address)
  if (known !== undefined) return known === false ? undefined : address
  const usable = isUsableCallback(address)
  // A station sends the same address with every message: parse it once, not per request (bounded: a flood of
  // distinct addresses only empties the memo).
  if (checkedCallbacks.size >= MAX_CHECKED_CALLBACKS) checkedCallbacks.clear()
  checkedCallbacks.set(address, usable)
  return usable ? address : undefined
}

const MAX_CHECKED_CALLBACKS = 50_000
const checkedCallbacks = new Map<string, boolean>()

function isUsableCallback(address: string): boolean {
  if (address.length > 2048) return false
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  return url.hostname !== '' && url.username === '' && url.password === ''
}
