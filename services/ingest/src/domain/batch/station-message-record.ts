import type { TypedStationMessageOf } from '../typed-station-message.ts'

/** The messages kept whole, one record each, besides what they change. */
export type RecordedAction = 'DataTransfer' | 'DiagnosticsStatusNotification' | 'FirmwareStatusNotification'

/** A DataTransfer, DiagnosticsStatusNotification or FirmwareStatusNotification as it came, with its answer. */
export interface StationMessageRecord {
  readonly stationId: string
  readonly sourceMessageId: string
  readonly action: RecordedAction
  readonly receivedAt: string
  /** DataTransfer only: vendorId, its own messageId, data. */
  readonly vendorId: string | null
  readonly dataMessageId: string | null
  readonly data: string | null
  /** The diagnostics or firmware status, or the DataTransfer answer's status. */
  readonly status: string | null
  /** The request (1.6 form) and the gateway's answer, undefined when the message carries none. */
  readonly payload: unknown
  readonly response: unknown
}

/**
 * The record of a kept message.
 *
 * ### Examples
 * ```ts
 * const record = stationMessageRecord(m) // m: a FirmwareStatusNotification
 * record.status // m.request.status, e.g. 'Installed'
 * ```
 */
export function stationMessageRecord(m: TypedStationMessageOf<RecordedAction>): StationMessageRecord {
  const kept = {
    stationId: m.stationId,
    sourceMessageId: m.messageId,
    action: m.action,
    receivedAt: m.receivedAt,
    payload: m.request,
    response: m.response,
  }
  if (m.action === 'DataTransfer') {
    const r = m.request
    const status = m.response?.status ?? null
    return { ...kept, vendorId: r.vendorId, dataMessageId: r.messageId ?? null, data: r.data ?? null, status }
  }
  return { ...kept, vendorId: null, dataMessageId: null, data: null, status: m.request.status }
}
