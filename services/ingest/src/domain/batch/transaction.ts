import { type EventData, MeterRegisterDecreased, SessionCompleted, SessionStarted } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import { InvalidStationMessage } from '../errors.ts'
import type { TypedStationMessageOf } from '../typed-station-message.ts'
import type { TransactionState } from './batch-state.ts'

/*
 * Sessions: StartTransaction fills the start, StopTransaction the stop, each once and in either order; the
 * session is completed when both are known. A stop without a real transaction id is kept aside.
 */

type Start = TypedStationMessageOf<'StartTransaction'>
type Stop = TypedStationMessageOf<'StopTransaction'>

/** A StopTransaction whose transactionId is no real id (<= 0, e.g. -1 after an offline start), kept for reconciliation. */
export interface UnmatchedStop {
  readonly stationId: string
  readonly sourceMessageId: string
  readonly transactionId: number
  readonly idTag: string | null
  readonly meterStop: number
  /** The station's timestamp as sent. */
  readonly stoppedAt: string
  readonly stopReason: string | null
  readonly receivedAt: string
}

/** The transaction id the gateway answered to a StartTransaction; without one the message cannot be mapped. */
export function startedTransactionId(m: Start): number {
  const id = m.response?.transactionId
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
    throw new InvalidStationMessage(
      m.stationId,
      m.messageId,
      'StartTransaction without the transactionId answered',
    )
  }
  return id
}

/** Fills the start of a session once: session.started, and session.completed when its stop came first. */
export function applyStart(t: TransactionState, m: Start, events: DomainEvent[]): boolean {
  if (t.startedAt !== null) return false
  const r = m.request
  t.connectorId = r.connectorId
  t.idTag = r.idTag
  t.idTagStatus = m.response?.idTagInfo?.status ?? null
  t.reservationId = r.reservationId ?? null
  t.meterStart = r.meterStart
  t.startedAt = new Date(Date.parse(r.timestamp))
  t.startMessageId = m.messageId
  t.startReceivedAt = new Date(m.receivedMs)
  const data: EventData<typeof SessionStarted> = {
    stationId: t.stationId,
    transactionId: t.id,
    connectorId: r.connectorId,
    idTag: r.idTag,
    meterStartWh: r.meterStart,
    startedAt: t.startedAt.toISOString(),
    sourceMessageId: m.messageId,
  }
  if (t.idTagStatus !== null) data.idTagStatus = t.idTagStatus
  events.push(domainEvent(SessionStarted, data, `${t.stationId}/${m.messageId}`))
  if (t.stoppedAt !== null) complete(t, m.messageId, events)
  return true
}

/** Fills the stop of a session once; session.completed when its start is known. */
export function applyStop(t: TransactionState, m: Stop, events: DomainEvent[]): boolean {
  if (t.stoppedAt !== null) return false
  const r = m.request
  t.stopIdTag = r.idTag ?? null
  t.stopIdTagStatus = m.response?.idTagInfo?.status ?? null
  t.meterStop = r.meterStop
  t.stoppedAt = new Date(Date.parse(r.timestamp))
  t.stopReason = r.reason ?? null
  t.stopMessageId = m.messageId
  t.stopReceivedAt = new Date(m.receivedMs)
  if (t.startedAt !== null) complete(t, m.messageId, events)
  return true
}

/** Both ends known: session.completed (and a register check of meterStop against meterStart). */
function complete(t: TransactionState, messageId: string, events: DomainEvent[]): void {
  const startedAt = t.startedAt as Date
  const stoppedAt = t.stoppedAt as Date
  const meterStart = t.meterStart as number
  const meterStop = t.meterStop as number
  const data: EventData<typeof SessionCompleted> = {
    stationId: t.stationId,
    transactionId: t.id,
    connectorId: t.connectorId ?? 0,
    startedAt: startedAt.toISOString(),
    stoppedAt: stoppedAt.toISOString(),
    meterStartWh: meterStart,
    meterStopWh: meterStop,
    energyWh: meterStop - meterStart,
    durationS: Math.floor((stoppedAt.getTime() - startedAt.getTime()) / 1000),
    sourceMessageId: messageId,
  }
  if (t.idTag !== null) data.idTag = t.idTag
  if (t.stopReason !== null) data.stopReason = t.stopReason
  events.push(domainEvent(SessionCompleted, data, `${t.stationId}/${messageId}`))
  if (meterStop < meterStart) {
    events.push(
      domainEvent(
        MeterRegisterDecreased,
        {
          stationId: t.stationId,
          connectorId: t.connectorId ?? 0,
          transactionId: t.id,
          previousWh: meterStart,
          previousAt: startedAt.toISOString(),
          currentWh: meterStop,
          currentAt: stoppedAt.toISOString(),
          source: 'transaction',
          sourceMessageId: messageId,
        },
        `${t.stationId}/${messageId}/transaction`,
      ),
    )
  }
}

/** A StopTransaction with no real transaction id, as it came. */
export function unmatchedStopOf(m: Stop): UnmatchedStop {
  const r = m.request
  return {
    stationId: m.stationId,
    sourceMessageId: m.messageId,
    transactionId: r.transactionId,
    idTag: r.idTag ?? null,
    meterStop: r.meterStop,
    stoppedAt: r.timestamp,
    stopReason: r.reason ?? null,
    receivedAt: m.receivedAt,
  }
}
