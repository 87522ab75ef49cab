import type { CommandOperation } from '@chargebus/ocpp'

/**
 * A valid OCPP 1.6 request for every ChargePointService operation (the command payloads of the API), and the
 * status cp_server.py answers each with. SendLocalList is left to the dispatcher to fill from `id_tags`.
 */
export const commandPayloads: Record<CommandOperation, Record<string, unknown>> = {
  CancelReservation: { reservationId: 7 },
  ChangeAvailability: { connectorId: 1, type: 'Inoperative' },
  ChangeConfiguration: { key: 'HeartbeatInterval', value: '120' },
  ClearCache: {},
  ClearChargingProfile: { id: 1, connectorId: 1 },
  DataTransfer: { vendorId: 'com.example', messageId: 'ping', data: 'hello' },
  GetCompositeSchedule: { connectorId: 1, duration: 3600, chargingRateUnit: 'A' },
  GetConfiguration: { key: ['HeartbeatInterval', 'NoSuchKey'] },
  GetDiagnostics: { location: 'ftp://diag.example.com/upload/' },
  GetLocalListVersion: {},
  RemoteStartTransaction: { connectorId: 1, idTag: 'TAG-0001' },
  RemoteStopTransaction: { transactionId: 42 },
  ReserveNow: { connectorId: 1, expiryDate: '2030-01-01T00:00:00.000Z', idTag: 'TAG-0001', reservationId: 7 },
  Reset: { type: 'Soft' },
  SendLocalList: { updateType: 'Full' },
  SetChargingProfile: {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    },
  },
  TriggerMessage: { requestedMessage: 'Heartbeat' },
  UnlockConnector: { connectorId: 1 },
  UpdateFirmware: { retrieveDate: '2030-01-01T00:00:00.000Z', location: 'http://fw.example.com/fw.bin' },
}

/** Operations of OCPP 1.5's ChargePointService (the 1.6 ones minus the four it lacks). */
export const v15Operations: CommandOperation[] = (Object.keys(commandPayloads) as CommandOperation[]).filter(
  (op) =>
    !['ClearChargingProfile', 'GetCompositeSchedule', 'SetChargingProfile', 'TriggerMessage'].includes(op),
)

/** What the dispatcher should record for cp_server's default answers. */
export function expectedStatus(op: CommandOperation): 'accepted' | 'rejected' {
  return op === 'GetCompositeSchedule' ? 'rejected' : 'accepted'
}
