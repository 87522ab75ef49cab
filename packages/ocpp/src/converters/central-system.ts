import type { CsOperation, CsRequest, CsResponse } from '../messages/catalog.ts'
import type * as cs15 from '../messages/v15/central-system.ts'
import type * as cs16 from '../messages/v16/central-system.ts'
import { convertOperation, requireOperationSchemas, truncate, withoutUndefined } from './convert.ts'
import { meterValueToV16 } from './meter-values.ts'

/**
 * 1.5 connector status -> 1.6. 1.5 `Occupied` (vehicle connected or transaction running) has no exact 1.6
 * counterpart; it becomes `Charging`, the state 1.6 business rules treat as "in use by a session". The raw 1.5
 * message stays on the bus for anyone who needs the difference.
 */
export const STATUS_V15_TO_V16: Readonly<Record<cs15.ChargePointStatus, cs16.ChargePointStatus>> = {
  Available: 'Available',
  Occupied: 'Charging',
  Faulted: 'Faulted',
  Unavailable: 'Unavailable',
  Reserved: 'Reserved',
}

/** 1.5 error code -> 1.6: `Mode3Error` (IEC 61851 pilot/EV communication) is 1.6's `EVCommunicationError`. */
export const ERROR_CODE_V15_TO_V16: Readonly<Record<cs15.ChargePointErrorCode, cs16.ChargePointErrorCode>> = {
  ConnectorLockFailure: 'ConnectorLockFailure',
  HighTemperature: 'HighTemperature',
  Mode3Error: 'EVCommunicationError',
  NoError: 'NoError',
  PowerMeterFailure: 'PowerMeterFailure',
  PowerSwitchFailure: 'PowerSwitchFailure',
  ReaderFailure: 'ReaderFailure',
  ResetFailure: 'ResetFailure',
  GroundFailure: 'GroundFailure',
  OverCurrentFailure: 'OverCurrentFailure',
  UnderVoltage: 'UnderVoltage',
  WeakSignal: 'WeakSignal',
  OtherError: 'OtherError',
}

type RequestsToV16 = { [O in CsOperation<'1.5'>]: (p: CsRequest<'1.5', O>) => CsRequest<'1.6', O> }
type ResponsesFromV16 = { [O in CsOperation<'1.5'>]: (p: CsResponse<'1.6', O>) => CsResponse<'1.5', O> }

const requestsToV16: RequestsToV16 = {
  Authorize: (p) => p,
  BootNotification: (p) => p,
  DataTransfer: (p) => p,
  DiagnosticsStatusNotification: (p) => p,
  FirmwareStatusNotification: (p) => p,
  Heartbeat: (p) => p,
  MeterValues: (p) =>
    withoutUndefined({
      connectorId: p.connectorId,
      transactionId: p.transactionId,
      meterValue: p.values?.map(meterValueToV16),
    }),
  StartTransaction: (p) => p,
  StatusNotification: (p) =>
    withoutUndefined({
      ...p,
      status: STATUS_V15_TO_V16[p.status],
      errorCode: ERROR_CODE_V15_TO_V16[p.errorCode],
      // free text, unbounded in 1.5: cut rather than refuse a station's status report
      info: truncate(p.info, 50),
      vendorErrorCode: truncate(p.vendorErrorCode, 50),
    }),
  StopTransaction: (p) => {
    const meterValues = p.transactionData?.flatMap((d) => d.values ?? []).map(meterValueToV16) ?? []
    return withoutUndefined({
      transactionId: p.transactionId,
      idTag: p.idTag,
      timestamp: p.timestamp,
      meterStop: p.meterStop,
      transactionData: meterValues.length ? meterValues : undefined,
    })
  },
}

const responsesFromV16: ResponsesFromV16 = {
  Authorize: (p) => p,
  // 1.5 knows no Pending: Rejected makes the station retry BootNotification after the interval, as Pending does.
  BootNotification: (p) => ({
    status: p.status === 'Pending' ? 'Rejected' : p.status,
    currentTime: p.currentTime,
    heartbeatInterval: p.interval,
  }),
  DataTransfer: (p) => p,
  DiagnosticsStatusNotification: (p) => p,
  FirmwareStatusNotification: (p) => p,
  Heartbeat: (p) => p,
  MeterValues: (p) => p,
  StartTransaction: (p) => p,
  StatusNotification: (p) => p,
  StopTransaction: (p) => p,
}

/**
 * Converts a 1.5 station's request into its 1.6 form, so business logic is written once against 1.6.
 *
 * ### Examples
 * ```ts
 * toV16Request('StatusNotification', { connectorId: 1, status: 'Occupied', errorCode: 'Mode3Error' })
 * // { connectorId: 1, status: 'Charging', errorCode: 'EVCommunicationError' }
 * ```
 */
export function toV16Request<O extends CsOperation<'1.5'>>(
  operation: O,
  payload: CsRequest<'1.5', O>,
): CsRequest<'1.6', O> {
  return convertOperation(
    requestsToV16[operation],
    payload,
    operation,
    'request',
    requireOperationSchemas('centralSystem', '1.6', operation),
  ) as CsRequest<'1.6', O>
}

/**
 * Converts the 1.6 answer business logic produced into the 1.5 response a 1.5 station expects.
 *
 * ### Examples
 * ```ts
 * fromV16Response('BootNotification', { status: 'Accepted', currentTime, interval: 300 })
 * // { status: 'Accepted', currentTime, heartbeatInterval: 300 }
 * ```
 */
export function fromV16Response<O extends CsOperation<'1.5'>>(
  operation: O,
  payload: CsResponse<'1.6', O>,
): CsResponse<'1.5', O> {
  return convertOperation(
    responsesFromV16[operation],
    payload,
    operation,
    'response',
    requireOperationSchemas('centralSystem', '1.5', operation),
  ) as CsResponse<'1.5', O>
}
