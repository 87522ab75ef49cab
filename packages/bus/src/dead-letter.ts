import type { DeadLetterRecorded, EventData } from '@chargebus/events'
import type { JsMsg } from '@nats-io/jetstream'
import { readHeaders } from './header-block.ts'
import { BusHeaders, ReplayHeaders } from './headers.ts'
import type { DeadLetterReason } from './settle.ts'

export type DeadLetterRecord = EventData<typeof DeadLetterRecorded>

export interface DeadLetterContext {
  stream: string
  consumer: string
  subject: string
  reason: DeadLetterReason
  error: unknown
  maxDeliver: number
  now: Date
  /** Payloads above this many bytes are not copied (the record points at stream + sequence). */
  maxPayloadBytes: number
  /** Sequence of the original in its stream; default the message's own (a replayed copy's differs). */
  streamSequence?: number
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The dead-letter record for a message. Pure given `ctx.now`. */
export function toDeadLetterRecord(msg: JsMsg, ctx: DeadLetterContext): DeadLetterRecord {
  const { headers } = readHeaders(msg) // none when unreadable: the error says why, the payload is kept
  const name = headers[BusHeaders.event]?.[0]
  const version = Number(headers[BusHeaders.eventVersion]?.[0])
  const msgId = headers[ReplayHeaders.originalMsgId]?.[0] ?? headers[BusHeaders.msgId]?.[0]
  const err = ctx.error
  const code = (err as { code?: unknown } | undefined)?.code
  return {
    stream: ctx.stream,
    consumer: ctx.consumer,
    subject: ctx.subject,
    streamSequence: ctx.streamSequence ?? msg.seq,
    ...(name && Number.isInteger(version) && version > 0 ? { event: { name, version } } : {}),
    ...(msgId ? { msgId } : {}),
    headers,
    ...encodePayload(msg.data, ctx.maxPayloadBytes),
    publishedAt: msg.time.toISOString(),
    reason: ctx.reason,
    error: {
      ...(typeof code === 'string' ? { code } : {}),
      name: err instanceof Error ? err.name : typeof err,
      message: err instanceof Error ? err.message : String(err),
    },
    deliveryCount: Math.max(msg.info.deliveryCount, 1),
    maxDeliver: ctx.maxDeliver,
    deadLetteredAt: ctx.now.toISOString(),
  }
}

function encodePayload(
  data: Uint8Array,
  maxBytes: number,
): Pick<DeadLetterRecord, 'payload' | 'payloadEncoding'> {
  if (data.byteLength > maxBytes) return { payload: '', payloadEncoding: 'omitted' }
  try {
    return { payload: strictUtf8.decode(data), payloadEncoding: 'utf8' }
  } catch {
    return { payload: Buffer.from(data).toString('base64'), payloadEncoding: 'base64' }
  }
}
