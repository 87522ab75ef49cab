import type {
  BatchState,
  ConnectorState,
  StationState,
  TransactionState,
} from '../../src/domain/batch/batch-state.ts'
import { connectorKey, PLACEHOLDER_STATUS_AT } from '../../src/domain/batch/batch-state.ts'

/*
 * Builders of the state `applyBatch` reads, as data-access would load it: a record nothing has been reported
 * about yet, plus what the test cares about.
 */

/** Station CP-1 as its placeholder row: known by id only, Pending, never seen. */
export function aStation(update: Partial<StationState> = {}): StationState {
  const identity = { vendor: null, model: null, serial: null, chargeBoxSerial: null, firmwareVersion: null }
  const modemAndMeter = { iccid: null, imsi: null, meterType: null, meterSerial: null }
  const seen = { firstSeenAt: null, lastSeenAt: null, lastBootAt: null, offlineSince: null }
  const reported = { clockSkewMs: null, clockSkewAt: null, firmwareStatus: null, firmwareStatusAt: null }
  return {
    id: 'CP-1',
    ...identity,
    ...modemAndMeter,
    ocppVersion: null,
    endpointUrl: null,
    registrationStatus: 'Pending',
    registrationStatusAt: null,
    ...seen,
    heartbeatIntervalS: null,
    ...reported,
    diagnosticsStatus: null,
    diagnosticsStatusAt: null,
    ...update,
  }
}

/** Connector 1 of CP-1 as its placeholder row: Unavailable since the placeholder time, no register reading. */
export function aConnector(update: Partial<ConnectorState> = {}): ConnectorState {
  const status = { status: 'Unavailable' as const, errorCode: 'NoError', statusAt: PLACEHOLDER_STATUS_AT }
  const details = { info: null, vendorId: null, vendorErrorCode: null }
  return {
    stationId: 'CP-1',
    connectorId: 1,
    ...status,
    ...details,
    meterRegisterWh: null,
    meterRegisterAt: null,
    ...update,
  }
}

/** Transaction 1 of CP-1 as its placeholder row: neither started nor stopped. */
export function aTransaction(update: Partial<TransactionState> = {}): TransactionState {
  const start = { idTag: null, idTagStatus: null, reservationId: null, meterStart: null, startedAt: null }
  const stop = { stopIdTag: null, stopIdTagStatus: null, meterStop: null, stoppedAt: null, stopReason: null }
  return {
    id: 1,
    stationId: 'CP-1',
    connectorId: null,
    ...start,
    startMessageId: null,
    startReceivedAt: null,
    ...stop,
    stopMessageId: null,
    stopReceivedAt: null,
    ...update,
  }
}

/** The loaded state of a batch; by default just `aStation()`. */
export function aBatchState(
  opts: { stations?: StationState[]; connectors?: ConnectorState[]; transactions?: TransactionState[] } = {},
): BatchState {
  return {
    stations: new Map((opts.stations ?? [aStation()]).map((s) => [s.id, s])),
    connectors: new Map((opts.connectors ?? []).map((c) => [connectorKey(c.stationId, c.connectorId), c])),
    transactions: new Map((opts.transactions ?? []).map((t) => [t.id, t])),
  }
}
