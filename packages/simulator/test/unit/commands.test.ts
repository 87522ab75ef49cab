import { type Command, obey, react, type Station } from '../../src/index.ts'
import { answer, aStation, BOOT_ACCEPTED, NOW, ops, run, sends } from '../support/builders.ts'

/** A steady station that booted and is idle (Available). */
function idle(): Station {
  return run(aStation({ profile: 'steady', sessionChance: 0 }), [{ type: 'power-on' }, BOOT_ACCEPTED]).station
}

/** The same station charging with transaction 42 (started remotely). */
function charging(): Station {
  const s = obey(idle(), { operation: 'RemoteStartTransaction', payload: { idTag: 'REMOTE-1' } }, NOW).station
  return react(s, answer('StartTransaction', { transactionId: 42, idTagInfo: { status: 'Accepted' } }), NOW)
    .station
}

type Case = [name: string, station: () => Station, command: Command, reply: unknown, sent: string[]]

const cases: Case[] = [
  [
    'RemoteStartTransaction on a free connector: Accepted, Preparing, StartTransaction without Authorize',
    idle,
    { operation: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: 'REMOTE-1' } },
    { status: 'Accepted' },
    ['Status:Preparing', 'StartTransaction'],
  ],
  [
    'RemoteStartTransaction while charging: Rejected',
    charging,
    { operation: 'RemoteStartTransaction', payload: { idTag: 'REMOTE-2' } },
    { status: 'Rejected' },
    [],
  ],
  [
    'RemoteStartTransaction on an unknown connector: Rejected',
    idle,
    { operation: 'RemoteStartTransaction', payload: { connectorId: 2, idTag: 'REMOTE-1' } },
    { status: 'Rejected' },
    [],
  ],
  [
    'RemoteStopTransaction of the running transaction: Accepted, StopTransaction Remote',
    charging,
    { operation: 'RemoteStopTransaction', payload: { transactionId: 42 } },
    { status: 'Accepted' },
    ['StopTransaction'],
  ],
  [
    'RemoteStopTransaction of another transaction: Rejected',
    charging,
    { operation: 'RemoteStopTransaction', payload: { transactionId: 41 } },
    { status: 'Rejected' },
    [],
  ],
  [
    'Reset while idle: Accepted, boots again',
    idle,
    { operation: 'Reset', payload: { type: 'Soft' } },
    { status: 'Accepted' },
    ['BootNotification'],
  ],
  [
    'Reset while charging: Accepted, stops the session first',
    charging,
    { operation: 'Reset', payload: { type: 'Hard' } },
    { status: 'Accepted' },
    ['StopTransaction'],
  ],
  ...(
    [
      ['BootNotification', 'BootNotification'],
      ['Heartbeat', 'Heartbeat'],
      ['StatusNotification', 'Status:Available'],
      ['MeterValues', 'MeterValues'],
      ['DiagnosticsStatusNotification', 'DiagnosticsStatusNotification'],
      ['FirmwareStatusNotification', 'FirmwareStatusNotification'],
    ] as const
  ).map(
    ([requestedMessage, sent]): Case => [
      `TriggerMessage ${requestedMessage}: Accepted and sent`,
      idle,
      { operation: 'TriggerMessage', payload: { requestedMessage } },
      { status: 'Accepted' },
      [sent],
    ],
  ),
  [
    'TriggerMessage for an unknown connector: Rejected',
    idle,
    { operation: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification', connectorId: 3 } },
    { status: 'Rejected' },
    [],
  ],
  [
    'UnlockConnector while charging: Unlocked, session stopped',
    charging,
    { operation: 'UnlockConnector', payload: { connectorId: 1 } },
    { status: 'Unlocked' },
    ['StopTransaction'],
  ],
  [
    'UnlockConnector of an unknown connector: NotSupported',
    idle,
    { operation: 'UnlockConnector', payload: { connectorId: 2 } },
    { status: 'NotSupported' },
    [],
  ],
  [
    'ChangeAvailability Inoperative while idle: Accepted, Unavailable',
    idle,
    { operation: 'ChangeAvailability', payload: { connectorId: 0, type: 'Inoperative' } },
    { status: 'Accepted' },
    ['Status:Unavailable'],
  ],
  [
    'ChangeAvailability Inoperative while charging: Scheduled',
    charging,
    { operation: 'ChangeAvailability', payload: { connectorId: 1, type: 'Inoperative' } },
    { status: 'Scheduled' },
    [],
  ],
  [
    'ChangeAvailability of an unknown connector: Rejected',
    idle,
    { operation: 'ChangeAvailability', payload: { connectorId: 5, type: 'Inoperative' } },
    { status: 'Rejected' },
    [],
  ],
  [
    'GetConfiguration of known and unknown keys',
    idle,
    { operation: 'GetConfiguration', payload: { key: ['HeartbeatInterval', 'NoSuchKey'] } },
    {
      configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
      unknownKey: ['NoSuchKey'],
    },
    [],
  ],
  [
    'ChangeConfiguration of a read-only key: Rejected',
    idle,
    { operation: 'ChangeConfiguration', payload: { key: 'NumberOfConnectors', value: '2' } },
    { status: 'Rejected' },
    [],
  ],
  [
    'ChangeConfiguration with a bad value: Rejected',
    idle,
    { operation: 'ChangeConfiguration', payload: { key: 'MeterValueSampleInterval', value: 'soon' } },
    { status: 'Rejected' },
    [],
  ],
  [
    'ChangeConfiguration of an unknown key: NotSupported',
    idle,
    { operation: 'ChangeConfiguration', payload: { key: 'Colour', value: 'red' } },
    { status: 'NotSupported' },
    [],
  ],
  ['ClearCache: Accepted', idle, { operation: 'ClearCache', payload: {} }, { status: 'Accepted' }, []],
  [
    'DataTransfer to our vendor id: Accepted, data echoed',
    idle,
    { operation: 'DataTransfer', payload: { vendorId: 'Chargebus', messageId: 'ping', data: 'x' } },
    { status: 'Accepted', data: 'x' },
    [],
  ],
  [
    'DataTransfer to another vendor: UnknownVendorId',
    idle,
    { operation: 'DataTransfer', payload: { vendorId: 'com.acme' } },
    { status: 'UnknownVendorId' },
    [],
  ],
  [
    'ReserveNow (no Reservation profile): Rejected',
    idle,
    { operation: 'ReserveNow', payload: { connectorId: 1, expiryDate: NOW, idTag: 'A', reservationId: 1 } },
    { status: 'Rejected' },
    [],
  ],
  [
    'SendLocalList (no local list): NotSupported',
    idle,
    { operation: 'SendLocalList', payload: { listVersion: 1, updateType: 'Full' } },
    { status: 'NotSupported' },
    [],
  ],
  [
    'GetLocalListVersion (no local list): -1',
    idle,
    { operation: 'GetLocalListVersion', payload: {} },
    { listVersion: -1 },
    [],
  ],
  [
    'SetChargingProfile (no SmartCharging): NotSupported',
    idle,
    {
      operation: 'SetChargingProfile',
      payload: {
        connectorId: 1,
        csChargingProfiles: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: {
            chargingRateUnit: 'A',
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
          },
        },
      },
    },
    { status: 'NotSupported' },
    [],
  ],
]

describe('obey: ChargePointService commands', () => {
  test.each(cases)('%s', (_name, station, command, reply, sent) => {
    const out = obey(station(), command, NOW)
    expect(out.reply).toEqual(reply)
    expect(ops(out.effects)).toEqual(sent)
  })

  test('RemoteStopTransaction stops with reason Remote', () => {
    const out = obey(charging(), { operation: 'RemoteStopTransaction', payload: { transactionId: 42 } }, NOW)
    expect(sends(out.effects)[0]?.payload).toMatchObject({
      transactionId: 42,
      reason: 'Remote',
      idTag: 'REMOTE-1',
    })
  })

  test('Reset while charging reboots once the StopTransaction is answered', () => {
    const reset = obey(charging(), { operation: 'Reset', payload: { type: 'Soft' } }, NOW).station
    const { station, effects } = run(reset, [answer('StopTransaction', {}), BOOT_ACCEPTED])
    expect(ops(effects)).toEqual(['BootNotification', 'Status:Available'])
    expect(station.registration).toBe('accepted')
  })

  test('a scheduled Inoperative applies when the car leaves', () => {
    const scheduled = obey(
      charging(),
      { operation: 'ChangeAvailability', payload: { connectorId: 1, type: 'Inoperative' } },
      NOW,
    ).station
    const stopped = obey(
      scheduled,
      { operation: 'RemoteStopTransaction', payload: { transactionId: 42 } },
      NOW,
    ).station
    const { effects } = run(stopped, [answer('StopTransaction', {}), { type: 'timer', timer: 'unplug' }])
    expect(ops(effects)).toEqual(['Status:Finishing', 'Status:Unavailable'])
  })

  test('ChangeConfiguration HeartbeatInterval re-arms the heartbeat', () => {
    const out = obey(
      idle(),
      { operation: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '60' } },
      NOW,
    )
    expect(out.reply).toEqual({ status: 'Accepted' })
    expect(out.station.config.HeartbeatInterval?.value).toBe('60')
    expect(out.effects).toContainEqual({ kind: 'set-timer', timer: 'heartbeat', afterS: 60 })
  })
})
