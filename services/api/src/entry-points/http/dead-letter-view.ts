import type { DeadLetter, DeadLetterRecord } from '@chargebus/bus'
import { maskCommandPayload, maskCommandResponse } from '@chargebus/ocpp'
import { maskSecretsInText, redactHeaders, redactJson } from '../../domain/redact.ts'

/** A dead letter as the API shows it: the bus's record, flattened, with credentials masked. */
export interface DeadLetterView {
  id: number
  stream: string
  consumer: string
  subject: string
  streamSequence: number
  event: { name: string; version: number } | null
  msgId: string | null
  headers: Record<string, string[]>
  payload: string
  payloadEncoding: DeadLetterRecord['payloadEncoding'] | 'withheld'
  reason: DeadLetterRecord['reason']
  error: { code: string | null; name: string; message: string }
  deliveryCount: number
  maxDeliver: number
  publishedAt: string
  deadLetteredAt: string
  redacted: boolean
}

/**
 * The view of a dead letter for any caller: credential headers, credential fields of a JSON payload (and the
 * secrets of a command: a station password, a file server's password) and credentials written in text are
 * masked, for every scope: retry and drop act on the stored original, so nobody needs them here. A payload
 * that is not UTF-8 cannot be inspected: only `admin` sees it (as base64), others get `withheld`.
 */
export function toDeadLetterView(letter: DeadLetter, opts: { showOpaque: boolean }): DeadLetterView {
  const r = letter.record
  const headers = redactHeaders(r.headers)
  const payload = viewPayload(r, opts.showOpaque)
  const message = maskSecretsInText(r.error.message)
  return {
    id: letter.id,
    stream: r.stream,
    consumer: r.consumer,
    subject: r.subject,
    streamSequence: r.streamSequence,
    event: r.event ?? null,
    msgId: r.msgId ?? null,
    headers,
    ...payload,
    reason: r.reason,
    error: { code: r.error.code ?? null, name: r.error.name, message },
    deliveryCount: r.deliveryCount,
    maxDeliver: r.maxDeliver,
    publishedAt: r.publishedAt,
    deadLetteredAt: r.deadLetteredAt,
    redacted:
      payload.payload !== r.payload ||
      message !== r.error.message ||
      JSON.stringify(headers) !== JSON.stringify(r.headers),
  }
}

function viewPayload(
  r: DeadLetterRecord,
  showOpaque: boolean,
): Pick<DeadLetterView, 'payload' | 'payloadEncoding'> {
  if (r.payloadEncoding === 'omitted') return { payload: '', payloadEncoding: 'omitted' }
  if (r.payloadEncoding === 'base64')
    return showOpaque
      ? { payload: r.payload, payloadEncoding: 'base64' }
      : { payload: '', payloadEncoding: 'withheld' }
  let parsed: unknown
  try {
    parsed = JSON.parse(r.payload)
  } catch {
    return { payload: maskSecretsInText(r.payload), payloadEncoding: 'utf8' }
  }
  const masked = redactJson(maskCommand(parsed))
  // Unchanged JSON keeps its bytes as stored (a re-serialised copy would differ in spacing).
  const same = JSON.stringify(masked) === JSON.stringify(parsed)
  return { payload: same ? r.payload : JSON.stringify(masked), payloadEncoding: 'utf8' }
}

/**
 * Commands carry secrets under names that are data (`{ key: 'AuthorizationKey', value }`): the OCPP rules mask
 * them. Matched by shape, not by the `Chargebus-Event` header: a dead letter of an unknown or invalid event has
 * none that can be trusted.
 */
function maskCommand(data: unknown): unknown {
  if (!isRecord(data) || typeof data.operation !== 'string') return data
  let out = data
  if (isRecord(out.payload)) out = { ...out, payload: maskCommandPayload(data.operation, out.payload) }
  if (isRecord(out.response)) out = { ...out, response: maskCommandResponse(data.operation, out.response) }
  return out
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
