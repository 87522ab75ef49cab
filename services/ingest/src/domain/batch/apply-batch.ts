import type { DomainEvent } from '../domain-event.ts'
import type { TypedStationMessage } from '../typed-station-message.ts'
import {
  type BatchState,
  type ConnectorState,
  connectorKey,
  type StationState,
  type TransactionState,
} from './batch-state.ts'
import { applySkew } from './clock-skew.ts'
import { applyStatus, type StatusReport, statusRecordedEvent, statusReportOf } from './connector-status.ts'
import { applyRegister } from './meter-register.ts'
import { type MeterSample, samplesOfMeterValues, samplesOfStop } from './meter-sample.ts'
import { meterSampledEvents } from './meter-sampled.ts'
import { applyBoot, applyDeviceStatus, touchStation } from './station.ts'
import { type StationMessageRecord, stationMessageRecord } from './station-message-record.ts'
import {
  applyStart,
  applyStop,
  startedTransactionId,
  type UnmatchedStop,
  unmatchedStopOf,
} from './transaction.ts'
import { workingCopies } from './working-copies.ts'

/*
 * The pure heart of ingest: a batch of station messages plus the current state they touch (loaded and locked
 * in the batch's transaction) -> the state to write back, the history to append and the domain events to
 * publish. No I/O, no clock.
 *
 * Convergence rules (delivery twice, replay from the start, any order give the same rows):
 * - append-only records (status reports, meter samples, station message records, unmatched stops) are keyed
 *   by the source message and inserted with ON CONFLICT DO NOTHING;
 * - current state only moves forward in time: last seen is a max, first seen a min, a boot, a connector
 *   status, a clock-skew or firmware measurement replaces the stored one only when newer;
 * - a transaction's start and stop fill their own fields, whichever arrives first; a second start or stop
 *   for the same id changes nothing.
 * Events are emitted only for a change that happened here, so a replay emits none; the exception is
 * `meter.sampled`, the readings of a message, which the aggregator merges idempotently (see meter-sampled.ts).
 */

export interface IngestRules {
  /** Beyond this |station timestamp - receivedAt| (StatusNotification), the station's clock is skewed. */
  readonly clockSkewThresholdMs: number
}

export interface BatchChanges {
  /** Changed stations, whole. */
  stations: StationState[]
  /** Changed connectors, whole. */
  connectors: ConnectorState[]
  /** Changed transactions, whole. */
  transactions: TransactionState[]
  statusReports: StatusReport[]
  meterSamples: MeterSample[]
  stationMessages: StationMessageRecord[]
  unmatchedStops: UnmatchedStop[]
  events: DomainEvent[]
}

/**
 * Maps a batch (deduplicated, in stream order) onto the current state. See the module comment for the rules.
 *
 * ### Examples
 * ```ts
 * const changes = applyBatch(state, [aBoot({ stationId: 'CP-1' })], { clockSkewThresholdMs: 300_000 })
 * changes.stations[0].vendor // 'ACME'
 * changes.events[0].event === StationRegistered // true
 * ```
 */
export function applyBatch(
  state: BatchState,
  messages: readonly TypedStationMessage[],
  rules: IngestRules,
): BatchChanges {
  const stations = workingCopies(state.stations, 'station')
  const connectors = workingCopies(state.connectors, 'connector')
  const transactions = workingCopies(state.transactions, 'transaction')
  const statusReports: StatusReport[] = []
  const samples: MeterSample[] = []
  const stationMessages: StationMessageRecord[] = []
  const unmatchedStops: UnmatchedStop[] = []
  const events: DomainEvent[] = []

  for (const m of messages) {
    const s = stations.get(m.stationId)
    if (touchStation(s, m, events)) stations.markChanged(s.id)

    switch (m.action) {
      case 'BootNotification':
        if (applyBoot(s, m, events)) stations.markChanged(s.id)
        break
      case 'StatusNotification': {
        const report = statusReportOf(m)
        statusReports.push(report)
        events.push(statusRecordedEvent(report))
        const key = connectorKey(m.stationId, m.request.connectorId)
        const c = connectors.find(key)
        if (c !== undefined && applyStatus(c, report, events)) connectors.markChanged(key)
        const timestamp = m.request.timestamp
        if (timestamp !== undefined && applySkew(s, m, timestamp, rules.clockSkewThresholdMs, events)) {
          stations.markChanged(s.id)
        }
        break
      }
      case 'MeterValues': {
        const sampled = samplesOfMeterValues(m)
        for (const sample of sampled) samples.push(sample)
        const key = connectorKey(m.stationId, m.request.connectorId)
        const c = connectors.find(key)
        if (c !== undefined && applyRegister(c, sampled, events)) connectors.markChanged(key)
        events.push(...meterSampledEvents(sampled))
        break
      }
      case 'StartTransaction': {
        const t = transactions.get(startedTransactionId(m))
        if (applyStart(t, m, events)) transactions.markChanged(t.id)
        break
      }
      case 'StopTransaction': {
        const id = m.request.transactionId
        const t = id > 0 ? transactions.get(id) : undefined
        const sampled = samplesOfStop(m, t)
        for (const sample of sampled) samples.push(sample)
        // stations that buffer their samples send them all here (transactionData): the spread needs them too
        events.push(...meterSampledEvents(sampled))
        if (t === undefined) unmatchedStops.push(unmatchedStopOf(m))
        else if (applyStop(t, m, events)) transactions.markChanged(t.id)
        break
      }
      case 'DataTransfer':
        stationMessages.push(stationMessageRecord(m))
        break
      case 'DiagnosticsStatusNotification':
      case 'FirmwareStatusNotification':
        stationMessages.push(stationMessageRecord(m))
        if (applyDeviceStatus(s, m)) stations.markChanged(s.id)
        break
      case 'Heartbeat':
      case 'Authorize':
        break
    }
  }

  return {
    stations: stations.changed(),
    connectors: connectors.changed(),
    transactions: transactions.changed(),
    statusReports,
    meterSamples: samples,
    stationMessages,
    unmatchedStops,
    events,
  }
}
