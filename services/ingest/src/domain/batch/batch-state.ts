import type { OcppVersion, v16 } from '@chargebus/ocpp'

/*
 * The current state a batch touches, as the domain sees it: plain records that data-access loads (and locks)
 * in the batch's transaction and writes back whole when they changed. Times are Dates; a time that is null
 * was never reported.
 */

/** A charge point. Everything the station reports about itself stays null until it reported it. */
export interface StationState {
  readonly id: string
  /** Identity, from the newest BootNotification; `serial` is chargePointSerialNumber, else chargeBoxSerialNumber. */
  vendor: string | null
  model: string | null
  serial: string | null
  chargeBoxSerial: string | null
  firmwareVersion: string | null
  /** Modem and meter, from the same boot. */
  iccid: string | null
  imsi: string | null
  meterType: string | null
  meterSerial: string | null
  /** How the newest message reached us: protocol version and the station's ChargePointService address. */
  ocppVersion: OcppVersion | null
  endpointUrl: string | null
  /** The newest decision (a boot's answer or an operator's) and when it was made. */
  registrationStatus: v16.cs.RegistrationStatus
  registrationStatusAt: Date | null
  /** Received times: the earliest and the latest message, the newest boot. */
  firstSeenAt: Date | null
  lastSeenAt: Date | null
  lastBootAt: Date | null
  /** Given to the station at its newest boot (seconds). */
  heartbeatIntervalS: number | null
  /** Set by the offline sweep; a newer message clears it. */
  offlineSince: Date | null
  /** Station clock minus gateway clock at the newest StatusNotification with a timestamp (+ = station ahead). */
  clockSkewMs: number | null
  clockSkewAt: Date | null
  /** The newest FirmwareStatusNotification and DiagnosticsStatusNotification, by received time. */
  firmwareStatus: string | null
  firmwareStatusAt: Date | null
  diagnosticsStatus: string | null
  diagnosticsStatusAt: Date | null
}

/** One connector of a station (0 = the station as a whole): its newest status and energy register reading. */
export interface ConnectorState {
  readonly stationId: string
  readonly connectorId: number
  status: v16.cs.ChargePointStatus
  errorCode: string
  info: string | null
  vendorId: string | null
  vendorErrorCode: string | null
  /** When the status began: the station's timestamp, else when we received it. */
  statusAt: Date
  /** Newest Energy.Active.Import.Register reading (Wh, decimal text as normalised) and its sample time. */
  meterRegisterWh: string | null
  meterRegisterAt: Date | null
}

/** A charging session, keyed by the transaction id the gateway answered. Start and stop fill in either order. */
export interface TransactionState {
  readonly id: number
  readonly stationId: string
  connectorId: number | null
  /** From StartTransaction; `startedAt` is the station's timestamp, `startReceivedAt` ours. */
  idTag: string | null
  idTagStatus: string | null
  reservationId: number | null
  meterStart: number | null
  startedAt: Date | null
  startMessageId: string | null
  startReceivedAt: Date | null
  /** From StopTransaction, the same way. */
  stopIdTag: string | null
  stopIdTagStatus: string | null
  meterStop: number | null
  stoppedAt: Date | null
  stopReason: string | null
  stopMessageId: string | null
  stopReceivedAt: Date | null
}

/** The stored state a batch touches. Its stations and transactions always exist (data-access ensures them first). */
export interface BatchState {
  readonly stations: ReadonlyMap<string, StationState>
  /** Key: `connectorKey(station, connector)`. Connectors with a StatusNotification in the batch always exist. */
  readonly connectors: ReadonlyMap<string, ConnectorState>
  readonly transactions: ReadonlyMap<number, TransactionState>
}

/** Placeholder status time of a connector created just to lock it; any real status is newer. */
export const PLACEHOLDER_STATUS_AT = new Date('0001-01-01T00:00:00.000Z')

export function connectorKey(stationId: string, connectorId: number): string {
  return `${stationId}\u0000${connectorId}`
}
