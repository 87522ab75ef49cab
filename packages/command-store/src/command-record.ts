import type { CommandRow, CommandRowStatus } from '@chargebus/db'
import { TERMINAL_COMMAND_STATUSES } from '@chargebus/events'

/** A command to a station and what became of it: one `commands` row as plain data. */
export interface CommandRecord {
  id: string
  stationId: string
  /** OCPP 1.6 ChargePointService operation (also for 1.5 stations). */
  operation: string
  /** The request as asked for, OCPP 1.6 form. */
  payload: Record<string, unknown>
  status: CommandRowStatus
  origin: 'api' | 'system'
  requestedBy: string | null
  idempotencyKey: string | null
  requestedAt: Date
  expiresAt: Date | null
  /** COMMANDS stream sequence of the request: orders a station's commands. Null until a dispatcher took it. */
  streamSeq: number | null
  attempts: number
  ocppVersion: '1.5' | '1.6' | null
  /** WS-Addressing MessageID of the (last) SOAP call, recorded before it is sent. */
  messageId: string | null
  /** The station's answer, OCPP 1.6 form. */
  response: Record<string, unknown> | null
  errorCode: string | null
  errorMessage: string | null
  nextAttemptAt: Date | null
  sentAt: Date | null
  completedAt: Date | null
  updatedAt: Date
}

/** Whether the command changes no more (accepted, rejected, failed, expired). */
export function isTerminal(status: CommandRowStatus): boolean {
  return TERMINAL_COMMAND_STATUSES.includes(status)
}

export function toCommandRecord(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    stationId: row.station_id,
    operation: row.operation,
    payload: row.payload,
    status: row.status,
    origin: row.origin,
    requestedBy: row.requested_by,
    idempotencyKey: row.idempotency_key,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    streamSeq: row.stream_seq === null ? null : Number(row.stream_seq),
    attempts: row.attempts,
    ocppVersion: row.ocpp_version,
    messageId: row.message_id,
    response: row.response,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    nextAttemptAt: row.next_attempt_at,
    sentAt: row.sent_at,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
  }
}
