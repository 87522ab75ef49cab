import type { CommandRecord } from '@chargebus/command-store'
import type { CommandRequested, EventData } from '@chargebus/events'
import { iso } from '../../data-access/rows.ts'

/** A command as the API shows it. */
export interface CommandView {
  id: string
  stationId: string
  operation: string
  status: CommandRecord['status']
  payload: Record<string, unknown>
  idempotencyKey: string | null
  origin: string
  requestedBy: string | null
  requestedAt: string
  expiresAt: string | null
  attempts: number
  ocppVersion: string | null
  messageId: string | null
  sentAt: string | null
  completedAt: string | null
  nextAttemptAt: string | null
  response: Record<string, unknown> | null
  error: { code: string; message: string } | null
  uploads?: Array<{ fileId: string; name: string; size: number; sha256: string; receivedAt: string }>
}

export function toCommandView(r: CommandRecord): CommandView {
  return {
    id: r.id,
    stationId: r.stationId,
    operation: r.operation,
    status: r.status,
    payload: r.payload,
    idempotencyKey: r.idempotencyKey,
    origin: r.origin,
    requestedBy: r.requestedBy,
    requestedAt: iso(r.requestedAt),
    expiresAt: iso(r.expiresAt),
    attempts: r.attempts,
    ocppVersion: r.ocppVersion,
    messageId: r.messageId,
    sentAt: iso(r.sentAt),
    completedAt: iso(r.completedAt),
    nextAttemptAt: iso(r.nextAttemptAt),
    response: r.response,
    error: r.errorCode === null ? null : { code: r.errorCode, message: r.errorMessage ?? '' },
  }
}

/** What a stored request says before the dispatcher recorded it. */
export function viewOfRequest(r: EventData<typeof CommandRequested>): CommandView {
  return {
    id: r.commandId,
    stationId: r.stationId,
    operation: r.operation,
    status: 'queued',
    payload: r.payload,
    idempotencyKey: r.idempotencyKey ?? null,
    origin: r.origin,
    requestedBy: r.requestedBy ?? null,
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt ?? null,
    attempts: 0,
    ocppVersion: null,
    messageId: null,
    sentAt: null,
    completedAt: null,
    nextAttemptAt: null,
    response: null,
    error: null,
  }
}
