import { ConnectorStatusChanged, ConnectorStatusRecorded, type EventData } from '@chargebus/events'
import type { v16 } from '@chargebus/ocpp'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import type { TypedStationMessageOf } from '../typed-station-message.ts'
import { type ConnectorState, PLACEHOLDER_STATUS_AT } from './batch-state.ts'

/** A status a connector reported (a StatusNotification): every one goes to the status history. */
export interface StatusReport {
  readonly stationId: string
  readonly connectorId: number
  readonly status: v16.cs.ChargePointStatus
  readonly errorCode: string
  readonly info: string | null
  readonly vendorId: string | null
  readonly vendorErrorCode: string | null
  /** The station's timestamp as sent, else receivedAt. */
  readonly statusAt: string
  /** Whether `statusAt` is the station's timestamp. */
  readonly stationTimestamp: boolean
  readonly receivedAt: string
  readonly sourceMessageId: string
}

export function statusReportOf(m: TypedStationMessageOf<'StatusNotification'>): StatusReport {
  const r = m.request
  return {
    stationId: m.stationId,
    connectorId: r.connectorId,
    status: r.status,
    errorCode: r.errorCode,
    info: r.info ?? null,
    vendorId: r.vendorId ?? null,
    vendorErrorCode: r.vendorErrorCode ?? null,
    statusAt: r.timestamp ?? m.receivedAt,
    stationTimestamp: r.timestamp !== undefined,
    receivedAt: m.receivedAt,
    sourceMessageId: m.messageId,
  }
}

/**
 * connector.status_recorded for every report that goes to the history, late ones included: connector time is
 * computed from the whole history (the aggregator places a late status in its bucket), not from the current
 * status. The msgId is the report's, so a redelivered message publishes nothing twice.
 */
export function statusRecordedEvent(report: StatusReport): DomainEvent {
  const data: EventData<typeof ConnectorStatusRecorded> = {
    stationId: report.stationId,
    connectorId: report.connectorId,
    status: report.status,
    errorCode: report.errorCode,
    statusAt: new Date(report.statusAt).toISOString(),
    stationTimestamp: report.stationTimestamp,
    receivedAt: report.receivedAt,
    sourceMessageId: report.sourceMessageId,
  }
  if (report.info !== null) data.info = report.info
  if (report.vendorId !== null) data.vendorId = report.vendorId
  if (report.vendorErrorCode !== null) data.vendorErrorCode = report.vendorErrorCode
  return domainEvent(ConnectorStatusRecorded, data, `${report.stationId}/${report.sourceMessageId}`)
}

/**
 * A newer status replaces the connector's current one; an older one only goes to the history.
 * connector.status_changed when the status or error code changed (or the connector is new).
 */
export function applyStatus(c: ConnectorState, report: StatusReport, events: DomainEvent[]): boolean {
  const at = Date.parse(report.statusAt)
  const current = c.statusAt.getTime()
  if (at <= current) return false
  const isNew = current <= PLACEHOLDER_STATUS_AT.getTime()
  const previousStatus = c.status
  const previousErrorCode = c.errorCode
  c.status = report.status
  c.errorCode = report.errorCode
  c.info = report.info
  c.vendorId = report.vendorId
  c.vendorErrorCode = report.vendorErrorCode
  c.statusAt = new Date(at)
  if (isNew || previousStatus !== c.status || previousErrorCode !== c.errorCode) {
    const data: EventData<typeof ConnectorStatusChanged> = {
      stationId: c.stationId,
      connectorId: c.connectorId,
      status: c.status,
      errorCode: c.errorCode,
      statusAt: c.statusAt.toISOString(),
      receivedAt: report.receivedAt,
      sourceMessageId: report.sourceMessageId,
    }
    if (!isNew) {
      data.previousStatus = previousStatus
      data.previousErrorCode = previousErrorCode
    }
    if (report.info !== null) data.info = report.info
    if (report.vendorErrorCode !== null) data.vendorErrorCode = report.vendorErrorCode
    events.push(domainEvent(ConnectorStatusChanged, data, `${c.stationId}/${report.sourceMessageId}`))
  }
  return true
}
