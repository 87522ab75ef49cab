import { OcppUnsupportedOperationError } from '../errors.ts'
import type { CpOperation, CpRequest, CpResponse } from '../messages/catalog.ts'
import { convertOperation, type OperationSchemas, operationSchemas, withoutUndefined } from './convert.ts'

type RequestsFromV16 = { [O in CpOperation<'1.5'>]: (p: CpRequest<'1.6', O>) => CpRequest<'1.5', O> }
type ResponsesToV16 = { [O in CpOperation<'1.5'>]: (p: CpResponse<'1.5', O>) => CpResponse<'1.6', O> }

const requestsFromV16: RequestsFromV16 = {
  CancelReservation: (p) => p,
  ChangeAvailability: (p) => p,
  ChangeConfiguration: (p) => p,
  ClearCache: (p) => p,
  DataTransfer: (p) => p,
  GetConfiguration: (p) => p,
  GetDiagnostics: (p) => p,
  GetLocalListVersion: (p) => p,
  RemoteStartTransaction: (p) => {
    // Dropping a charging profile would start an unlimited session the caller did not ask for.
    if (p.chargingProfile !== undefined) {
      throw new OcppUnsupportedOperationError(
        'RemoteStartTransaction',
        '1.5',
        'chargingProfile has no 1.5 equivalent',
      )
    }
    return withoutUndefined({ idTag: p.idTag, connectorId: p.connectorId })
  },
  RemoteStopTransaction: (p) => p,
  ReserveNow: (p) => p,
  Reset: (p) => p,
  // 1.5 spells it localAuthorisationList and has an optional hash we do not compute.
  SendLocalList: (p) =>
    withoutUndefined({
      updateType: p.updateType,
      listVersion: p.listVersion,
      localAuthorisationList: p.localAuthorizationList,
    }),
  UnlockConnector: (p) => p,
  UpdateFirmware: (p) => p,
}

const responsesToV16: ResponsesToV16 = {
  CancelReservation: (p) => p,
  ChangeAvailability: (p) => p,
  ChangeConfiguration: (p) => p,
  ClearCache: (p) => p,
  DataTransfer: (p) => p,
  GetConfiguration: (p) => p,
  GetDiagnostics: (p) => p,
  GetLocalListVersion: (p) => p,
  RemoteStartTransaction: (p) => p,
  RemoteStopTransaction: (p) => p,
  ReserveNow: (p) => p,
  Reset: (p) => p,
  // HashError (the station's list hash differs) means the update did not apply: 1.6 Failed.
  SendLocalList: (p) => ({ status: p.status === 'HashError' ? 'Failed' : p.status }),
  UnlockConnector: (p) => ({ status: p.status === 'Accepted' ? 'Unlocked' : 'UnlockFailed' }),
  UpdateFirmware: (p) => p,
}

function schemas(version: '1.5' | '1.6', operation: string): OperationSchemas | undefined {
  return operationSchemas('chargePoint', version, operation)
}

function isV15Operation(operation: CpOperation<'1.6'>): operation is CpOperation<'1.5'> {
  return schemas('1.5', operation) !== undefined
}

/** The 1.5 request type of a 1.6 ChargePointService operation; `never` for operations 1.5 lacks. */
export type V15RequestOf<O extends CpOperation<'1.6'>> =
  O extends CpOperation<'1.5'> ? CpRequest<'1.5', O> : never

/**
 * Converts a command written against 1.6 into the request a 1.5 station understands. Operations 1.5 lacks
 * (ClearChargingProfile, GetCompositeSchedule, SetChargingProfile, TriggerMessage) and 1.6-only fields that change
 * meaning when dropped throw `OcppUnsupportedOperationError`.
 *
 * ### Examples
 * ```ts
 * fromV16Request('SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A' }] })
 * // { updateType: 'Full', listVersion: 3, localAuthorisationList: [{ idTag: 'A' }] }
 * ```
 */
export function fromV16Request<O extends CpOperation<'1.6'>>(
  operation: O,
  payload: CpRequest<'1.6', O>,
): V15RequestOf<O> {
  const target = schemas('1.5', operation)
  if (!target || !isV15Operation(operation)) throw new OcppUnsupportedOperationError(operation, '1.5')
  return convertOperation(
    requestsFromV16[operation],
    payload,
    operation,
    'request',
    target,
  ) as V15RequestOf<O>
}

/**
 * Converts a 1.5 station's reply into its 1.6 form (e.g. UnlockConnector Accepted -> Unlocked).
 *
 * ### Examples
 * ```ts
 * toV16Response('UnlockConnector', { status: 'Accepted' }) // { status: 'Unlocked' }
 * ```
 */
export function toV16Response<O extends CpOperation<'1.5'>>(
  operation: O,
  payload: CpResponse<'1.5', O>,
): CpResponse<'1.6', O> {
  const target = schemas('1.6', operation)
  if (!target) throw new OcppUnsupportedOperationError(operation, '1.6')
  return convertOperation(responsesToV16[operation], payload, operation, 'response', target) as CpResponse<
    '1.6',
    O
  >
}
