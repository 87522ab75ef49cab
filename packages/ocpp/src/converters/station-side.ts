import type {
  CpOperation,
  CpRequest,
  CpResponse,
  CsOperation,
  CsRequest,
  CsResponse,
} from '../messages/catalog.ts'
import type * as cs15 from '../messages/v15/central-system.ts'
import type * as cs16 from '../messages/v16/central-system.ts'
import { convertOperation, requireOperationSchemas, withoutUndefined } from './convert.ts'
import { UNIT_V15_TO_V16 } from './meter-values.ts'

/*
 * The station side of the version converters: a station (simulator, test station) written once against 1.6 that
 * speaks 1.5 on the wire. The mirror of central-system.ts / charge-point.ts; lossy where 1.5 is poorer, as stated.
 */

/**
 * 1.6 connector status -> 1.5. Every 1.6 "in use" state (Preparing, Charging, SuspendedEV, SuspendedEVSE,
 * Finishing: a vehicle is connected or a session runs) is 1.5 `Occupied`.
 */
export const STATUS_V16_TO_V15: Readonly<Record<cs16.ChargePointStatus, cs15.ChargePointStatus>> = {
  Available: 'Available',
  Preparing: 'Occupied',
  Charging: 'Occupied',
  SuspendedEV: 'Occupied',
  SuspendedEVSE: 'Occupied',
  Finishing: 'Occupied',
  Reserved: 'Reserved',
  Unavailable: 'Unavailable',
  Faulted: 'Faulted',
}

/** 1.6 error code -> 1.5: `EVCommunicationError` is 1.5's `Mode3Error`; codes 1.5 lacks become `OtherError`. */
export const ERROR_CODE_V16_TO_V15: Readonly<Record<cs16.ChargePointErrorCode, cs15.ChargePointErrorCode>> = {
  ConnectorLockFailure: 'ConnectorLockFailure',
  EVCommunicationError: 'Mode3Error',
  GroundFailure: 'GroundFailure',
  HighTemperature: 'HighTemperature',
  InternalError: 'OtherError',
  LocalListConflict: 'OtherError',
  NoError: 'NoError',
  OtherError: 'OtherError',
  OverCurrentFailure: 'OverCurrentFailure',
  OverVoltage: 'OtherError',
  PowerMeterFailure: 'PowerMeterFailure',
  PowerSwitchFailure: 'PowerSwitchFailure',
  ReaderFailure: 'ReaderFailure',
  ResetFailure: 'ResetFailure',
  UnderVoltage: 'UnderVoltage',
  WeakSignal: 'WeakSignal',
}

const UNIT_V16_TO_V15 = new Map<string, cs15.UnitOfMeasure>(
  Object.entries(UNIT_V15_TO_V16).map(([v15, v16]) => [v16, v15 as cs15.UnitOfMeasure]),
)
const V15_MEASURANDS = new Set<string>([
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Energy.Reactive.Export.Interval',
  'Energy.Reactive.Import.Interval',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'Current.Export',
  'Current.Import',
  'Voltage',
  'Temperature',
])
const V15_CONTEXTS = new Set<string>([
  'Interruption.Begin',
  'Interruption.End',
  'Sample.Clock',
  'Sample.Periodic',
  'Transaction.Begin',
  'Transaction.End',
])
const V15_LOCATIONS = new Set<string>(['Inlet', 'Outlet', 'Body'])

type SampledValue15 = cs15.MeterValue['value'][number]

/**
 * A 1.6 sampled value as a 1.5 `value`, or undefined when 1.5 cannot say it: a measurand, context, location or
 * unit 1.5 lacks (SoC, Trigger, EV, Percent...), or a phase (1.5 has none; a phase value without its phase would
 * read as the total).
 */
function sampledValueToV15(sv: cs16.SampledValue): SampledValue15 | undefined {
  if (sv.phase !== undefined) return undefined
  if (sv.measurand !== undefined && !V15_MEASURANDS.has(sv.measurand)) return undefined
  if (sv.context !== undefined && !V15_CONTEXTS.has(sv.context)) return undefined
  if (sv.location !== undefined && !V15_LOCATIONS.has(sv.location)) return undefined
  const unit = sv.unit === undefined ? undefined : UNIT_V16_TO_V15.get(sv.unit)
  if (sv.unit !== undefined && unit === undefined) return undefined
  return withoutUndefined({
    value: sv.value,
    context: sv.context,
    format: sv.format,
    measurand: sv.measurand,
    location: sv.location,
    unit,
  }) as SampledValue15
}

/** 1.6 meter values -> 1.5; values left without any expressible sample are dropped (1.5 needs one). */
function meterValuesToV15(mvs: readonly cs16.MeterValue[] | undefined): cs15.MeterValue[] {
  const out: cs15.MeterValue[] = []
  for (const mv of mvs ?? []) {
    const value = mv.sampledValue.map(sampledValueToV15).filter((v) => v !== undefined)
    if (value.length > 0) out.push({ timestamp: mv.timestamp, value })
  }
  return out
}

type CsRequestsFromV16 = { [O in CsOperation<'1.5'>]: (p: CsRequest<'1.6', O>) => CsRequest<'1.5', O> }
type CsResponsesToV16 = { [O in CsOperation<'1.5'>]: (p: CsResponse<'1.5', O>) => CsResponse<'1.6', O> }
type CpRequestsToV16 = { [O in CpOperation<'1.5'>]: (p: CpRequest<'1.5', O>) => CpRequest<'1.6', O> }
type CpResponsesFromV16 = { [O in CpOperation<'1.5'>]: (p: CpResponse<'1.6', O>) => CpResponse<'1.5', O> }

const csRequestsFromV16: CsRequestsFromV16 = {
  Authorize: (p) => p,
  BootNotification: (p) => p,
  DataTransfer: (p) => p,
  // 1.5 has no Idle/Uploading/Downloading/Installing: convertChecked refuses them (OcppConversionError).
  DiagnosticsStatusNotification: (p) => p as CsRequest<'1.5', 'DiagnosticsStatusNotification'>,
  FirmwareStatusNotification: (p) => p as CsRequest<'1.5', 'FirmwareStatusNotification'>,
  Heartbeat: (p) => p,
  MeterValues: (p) => {
    const values = meterValuesToV15(p.meterValue)
    return withoutUndefined({
      connectorId: p.connectorId,
      transactionId: p.transactionId,
      values: values.length ? values : undefined,
    })
  },
  StartTransaction: (p) => p,
  StatusNotification: (p) => {
    const errorCode = ERROR_CODE_V16_TO_V15[p.errorCode]
    return withoutUndefined({
      connectorId: p.connectorId,
      status: STATUS_V16_TO_V15[p.status],
      errorCode,
      // keep the 1.6 code readable when 1.5 can only say OtherError
      info: p.info ?? (errorCode === 'OtherError' && p.errorCode !== 'OtherError' ? p.errorCode : undefined),
      timestamp: p.timestamp,
      vendorId: p.vendorId,
      vendorErrorCode: p.vendorErrorCode,
    })
  },
  // 1.5 has no stop reason; its transactionData groups meter values in `values`.
  StopTransaction: (p) => {
    const values = meterValuesToV15(p.transactionData)
    return withoutUndefined({
      transactionId: p.transactionId,
      idTag: p.idTag,
      timestamp: p.timestamp,
      meterStop: p.meterStop,
      transactionData: values.length ? [{ values }] : undefined,
    })
  },
}

const csResponsesToV16: CsResponsesToV16 = {
  Authorize: (p) => p,
  BootNotification: (p) => ({ status: p.status, currentTime: p.currentTime, interval: p.heartbeatInterval }),
  DataTransfer: (p) => p,
  DiagnosticsStatusNotification: (p) => p,
  FirmwareStatusNotification: (p) => p,
  Heartbeat: (p) => p,
  MeterValues: (p) => p,
  StartTransaction: (p) => p,
  StatusNotification: (p) => p,
  StopTransaction: (p) => p,
}

const cpRequestsToV16: CpRequestsToV16 = {
  CancelReservation: (p) => p,
  ChangeAvailability: (p) => p,
  ChangeConfiguration: (p) => p,
  ClearCache: (p) => p,
  DataTransfer: (p) => p,
  GetConfiguration: (p) => p,
  GetDiagnostics: (p) => p,
  GetLocalListVersion: (p) => p,
  RemoteStartTransaction: (p) => withoutUndefined({ connectorId: p.connectorId, idTag: p.idTag }),
  RemoteStopTransaction: (p) => p,
  ReserveNow: (p) => p,
  Reset: (p) => p,
  // 1.6 has no list hash; the spelling of the list changed.
  SendLocalList: (p) =>
    withoutUndefined({
      listVersion: p.listVersion,
      localAuthorizationList: p.localAuthorisationList,
      updateType: p.updateType,
    }),
  UnlockConnector: (p) => p,
  UpdateFirmware: (p) => p,
}

const cpResponsesFromV16: CpResponsesFromV16 = {
  CancelReservation: (p) => p,
  ChangeAvailability: (p) => p,
  // The value is stored; 1.5 cannot say that it takes effect after a reboot.
  ChangeConfiguration: (p) => ({ status: p.status === 'RebootRequired' ? 'Accepted' : p.status }),
  ClearCache: (p) => p,
  DataTransfer: (p) => p,
  GetConfiguration: (p) => p,
  GetDiagnostics: (p) => p,
  GetLocalListVersion: (p) => p,
  RemoteStartTransaction: (p) => p,
  RemoteStopTransaction: (p) => p,
  ReserveNow: (p) => p,
  Reset: (p) => p,
  SendLocalList: (p) => p,
  UnlockConnector: (p) => ({ status: p.status === 'Unlocked' ? 'Accepted' : 'Rejected' }),
  UpdateFirmware: (p) => p,
}

/**
 * Converts a request a station wrote against 1.6 into the CentralSystemService request of a 1.5 station
 * (`Charging` -> `Occupied`, meter values as 1.5 `values`, no stop reason, samples 1.5 cannot express dropped).
 *
 * ### Examples
 * ```ts
 * fromV16CsRequest('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' })
 * // { connectorId: 1, status: 'Occupied', errorCode: 'NoError' }
 * ```
 */
export function fromV16CsRequest<O extends CsOperation<'1.5'>>(
  operation: O,
  payload: CsRequest<'1.6', O>,
): CsRequest<'1.5', O> {
  return convertOperation(
    csRequestsFromV16[operation],
    payload,
    operation,
    'request',
    requireOperationSchemas('centralSystem', '1.5', operation),
  ) as CsRequest<'1.5', O>
}

/**
 * Converts a central system's 1.5 answer into its 1.6 form for a station written against 1.6.
 *
 * ### Examples
 * ```ts
 * toV16CsResponse('BootNotification', { status: 'Accepted', currentTime, heartbeatInterval: 300 })
 * // { status: 'Accepted', currentTime, interval: 300 }
 * ```
 */
export function toV16CsResponse<O extends CsOperation<'1.5'>>(
  operation: O,
  payload: CsResponse<'1.5', O>,
): CsResponse<'1.6', O> {
  return convertOperation(
    csResponsesToV16[operation],
    payload,
    operation,
    'response',
    requireOperationSchemas('centralSystem', '1.6', operation),
  ) as CsResponse<'1.6', O>
}

/**
 * Converts a 1.5 ChargePointService call into its 1.6 form, so a station handles commands once against 1.6.
 *
 * ### Examples
 * ```ts
 * toV16CpRequest('SendLocalList', { updateType: 'Full', listVersion: 3, localAuthorisationList: [{ idTag: 'A' }] })
 * // { listVersion: 3, localAuthorizationList: [{ idTag: 'A' }], updateType: 'Full' }
 * ```
 */
export function toV16CpRequest<O extends CpOperation<'1.5'>>(
  operation: O,
  payload: CpRequest<'1.5', O>,
): CpRequest<'1.6', O> {
  return convertOperation(
    cpRequestsToV16[operation],
    payload,
    operation,
    'request',
    requireOperationSchemas('chargePoint', '1.6', operation),
  ) as CpRequest<'1.6', O>
}

/**
 * Converts a station's 1.6 reply to a ChargePointService call into the 1.5 reply (UnlockConnector `Unlocked` ->
 * `Accepted`, anything else -> `Rejected`).
 *
 * ### Examples
 * ```ts
 * fromV16CpResponse('UnlockConnector', { status: 'Unlocked' }) // { status: 'Accepted' }
 * ```
 */
export function fromV16CpResponse<O extends CpOperation<'1.5'>>(
  operation: O,
  payload: CpResponse<'1.6', O>,
): CpResponse<'1.5', O> {
  return convertOperation(
    cpResponsesFromV16[operation],
    payload,
    operation,
    'response',
    requireOperationSchemas('chargePoint', '1.5', operation),
  ) as CpResponse<'1.5', O>
}
