/*
 * The operations a command to a station can carry: every ChargePointService operation of OCPP 1.6, its
 * feature profile and whether OCPP 1.5 has it. The `command.*` events (`@chargebus/events`) carry the
 * operation's name; what it means lives here.
 */

/** OCPP 1.6 feature profiles (SupportedFeatureProfiles). */
export type FeatureProfile =
  | 'Core'
  | 'FirmwareManagement'
  | 'LocalAuthListManagement'
  | 'Reservation'
  | 'SmartCharging'
  | 'RemoteTrigger'

/**
 * Every ChargePointService operation a command can carry (the 19 of OCPP 1.6), with its 1.6 feature profile
 * and whether OCPP 1.5 has it (the other 4 are refused for 1.5 stations).
 */
export const COMMAND_OPERATIONS = {
  CancelReservation: { profile: 'Reservation', v15: true },
  ChangeAvailability: { profile: 'Core', v15: true },
  ChangeConfiguration: { profile: 'Core', v15: true },
  ClearCache: { profile: 'Core', v15: true },
  ClearChargingProfile: { profile: 'SmartCharging', v15: false },
  DataTransfer: { profile: 'Core', v15: true },
  GetCompositeSchedule: { profile: 'SmartCharging', v15: false },
  GetConfiguration: { profile: 'Core', v15: true },
  GetDiagnostics: { profile: 'FirmwareManagement', v15: true },
  GetLocalListVersion: { profile: 'LocalAuthListManagement', v15: true },
  RemoteStartTransaction: { profile: 'Core', v15: true },
  RemoteStopTransaction: { profile: 'Core', v15: true },
  ReserveNow: { profile: 'Reservation', v15: true },
  Reset: { profile: 'Core', v15: true },
  SendLocalList: { profile: 'LocalAuthListManagement', v15: true },
  SetChargingProfile: { profile: 'SmartCharging', v15: false },
  TriggerMessage: { profile: 'RemoteTrigger', v15: false },
  UnlockConnector: { profile: 'Core', v15: true },
  UpdateFirmware: { profile: 'FirmwareManagement', v15: true },
} as const satisfies Record<string, { profile: FeatureProfile; v15: boolean }>

export type CommandOperation = keyof typeof COMMAND_OPERATIONS
