import { type Bus, type StoredEvent, traceOf } from '@chargebus/bus'
import {
  type AnyEventDefinition,
  OcppMessageReceived,
  OcppRequestFaulted,
  Streams,
  stationJournalFilter,
} from '@chargebus/events'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { ValidationFailed } from '../domain/errors.ts'

/*
 * The per-station message view reads the raw journal (JetStream OCPP_IN) by subject, never a copy in Postgres:
 * `ocpp.*.*.<station>.*` (or `.<action>`): what the gateway stored (`ocpp.in`) and the faults it answered the
 * authenticated station (`ocpp.fault`), with the station encoded as the gateway encodes it, so an id that
 * differs only by escaping is another subject. Oldest first: a stream is read forwards, and the cursor is the
 * next stream sequence to look at.
 */

export interface StationMessageView {
  seq: number
  receivedAt: string
  ocppVersion: '1.5' | '1.6'
  action: string
  messageId: string | null
  request: Record<string, unknown> | null
  response: Record<string, unknown> | null
  fault: { code: string; subcode: string | null; reason: string; errorCode: string | null } | null
  requestExcerpt: string | null
  quirks: string[]
  traceId: string | null
}

export interface StationMessageQuery {
  action?: string
  from?: string
  to?: string
  limit: number
  cursor?: string
}

const CURSOR = 'station-messages'
/** Time one page may spend scanning (a station with little traffic in a long stream returns a cursor early). */
export const SCAN_BUDGET_MS = 250

export async function listStationMessages(
  bus: Pick<Bus, 'scan'>,
  stationId: string,
  q: StationMessageQuery,
  budgetMs = SCAN_BUDGET_MS,
): Promise<{ items: StationMessageView[]; nextCursor: string | null }> {
  const fromSeq = q.cursor === undefined ? 1 : Number(decodeCursor(CURSOR, q.cursor, ['integer'])[0])
  if (fromSeq < 1) throw new ValidationFailed([{ name: 'cursor', reason: 'is not a cursor of this listing' }])
  const filter = stationJournalFilter({ station: stationId, action: q.action })
  const from = q.from === undefined ? undefined : Date.parse(q.from)
  const to = q.to === undefined ? undefined : Date.parse(q.to)
  const scan = await bus.scan(Streams.OCPP_IN, { filter, fromSeq, max: q.limit, budgetMs })
  const items: StationMessageView[] = []
  for (const event of scan.events) {
    const view = stationMessageViewOf(event)
    if (view === undefined || view.stationId !== stationId) continue
    const at = Date.parse(view.receivedAt)
    if (from !== undefined && at < from) continue
    // The journal is in arrival order: past `to`, nothing later can match.
    if (to !== undefined && at >= to) return { items, nextCursor: null }
    const { stationId: _, ...entry } = view
    items.push(entry)
  }
  return { items, nextCursor: scan.done ? null : encodeCursor(CURSOR, [scan.nextSeq]) }
}

/**
 * One OCPP_IN journal entry as the per-station view shows it (the API's listing and `chargebus trace`), with the
 * station it belongs to; undefined for an event that is neither a stored message nor a journaled fault.
 *
 * ### Examples
 * ```ts
 * stationMessageViewOf(await bus.getMessage(Streams.OCPP_IN, 7)) // { stationId: 'CP-1', action: 'Heartbeat', traceId: '4bf9…', … }
 * ```
 */
export function stationMessageViewOf(
  event: StoredEvent<AnyEventDefinition>,
): (StationMessageView & { stationId: string }) | undefined {
  const traceId = traceOf(event.headers)?.traceId ?? null
  if (event.name === OcppRequestFaulted.name) {
    const f = OcppRequestFaulted.parse(event.data)
    return {
      stationId: f.stationId,
      seq: event.seq,
      receivedAt: f.receivedAt,
      ocppVersion: f.ocppVersion,
      action: f.action,
      messageId: f.messageId ?? null,
      request: null,
      response: null,
      fault: {
        code: f.fault.code,
        subcode: f.fault.subcode ?? null,
        reason: f.fault.reason,
        errorCode: f.fault.errorCode ?? null,
      },
      requestExcerpt: f.requestExcerpt,
      quirks: [],
      traceId,
    }
  }
  if (event.name !== OcppMessageReceived.name) return undefined
  const m = OcppMessageReceived.parse(event.data)
  return {
    stationId: m.stationId,
    seq: event.seq,
    receivedAt: m.receivedAt,
    ocppVersion: m.ocppVersion,
    action: m.action,
    messageId: m.messageId,
    request: m.payload,
    response: m.response ?? null,
    fault: null,
    requestExcerpt: null,
    quirks: m.quirks,
    traceId,
  }
}
