import { Compile } from 'typebox/compile'
import {
  COMMAND_OPERATIONS,
  type CommandOperation,
  commandPayloadSchemas,
  commandRefusal,
  isPrivilegedCommand,
  MASK,
  maskCommandPayload,
  maskCommandResponse,
  ocppServices,
} from '../../src/index.ts'

describe('commandRefusal', () => {
  test.each<[CommandOperation, '1.5' | '1.6' | null, string[] | null, string | undefined]>([
    ['Reset', '1.6', ['Core'], undefined],
    [
      'ReserveNow',
      '1.6',
      ['Core', 'RemoteTrigger'],
      'ReserveNow needs the Reservation feature profile; the station supports Core, RemoteTrigger',
    ],
    ['ReserveNow', '1.6', null, undefined],
    ['ReserveNow', null, [], undefined],
    ['TriggerMessage', '1.6', ['core', 'remotetrigger'], undefined],
    ['TriggerMessage', '1.5', null, 'TriggerMessage does not exist in OCPP 1.5'],
    ['SetChargingProfile', '1.5', ['SmartCharging'], 'SetChargingProfile does not exist in OCPP 1.5'],
    ['GetDiagnostics', '1.5', null, undefined],
  ])('%s on %s with %j', (op, ocppVersion, profiles, expected) => {
    expect(commandRefusal(op, { ocppVersion, profiles })).toBe(expected)
  })

  test('covers the 19 ChargePointService operations of 1.6, 15 of them in 1.5', () => {
    const ops = Object.entries(COMMAND_OPERATIONS)
    expect(ops).toHaveLength(19)
    expect(ops.filter(([, o]) => o.v15)).toHaveLength(15)
    expect(ops.map(([op]) => op).sort()).toEqual(
      Object.keys(ocppServices['1.6'].chargePoint.operations).sort(),
    )
    expect(
      ops
        .filter(([, o]) => o.v15)
        .map(([op]) => op)
        .sort(),
    ).toEqual(Object.keys(ocppServices['1.5'].chargePoint.operations).sort())
  })
})

describe('commandPayloadSchemas', () => {
  test.each([
    ['Reset', { type: 'Soft' }, true],
    ['Reset', { type: 'Sideways' }, false],
    ['SendLocalList', { updateType: 'Full' }, true],
    ['GetDiagnostics', {}, true],
    ['RemoteStartTransaction', {}, false],
  ] as const)('%s %j: %s', (operation, payload, valid) => {
    expect(Compile(commandPayloadSchemas[operation as CommandOperation]).Check(payload)).toBe(valid)
  })
})

describe('secrets in commands', () => {
  test.each([
    [
      'ChangeConfiguration',
      { key: 'AuthorizationKey', value: '0123456789abcdef' },
      { key: 'AuthorizationKey', value: MASK },
    ],
    [
      'ChangeConfiguration',
      { key: 'authorizationkey', value: 'x' },
      { key: 'authorizationkey', value: MASK },
    ],
    [
      'ChangeConfiguration',
      { key: 'HeartbeatInterval', value: '300' },
      { key: 'HeartbeatInterval', value: '300' },
    ],
    [
      'GetDiagnostics',
      { location: 'ftp://diag:s3cr%40t@files.example.com:2121/up/' },
      { location: 'ftp://diag:***@files.example.com:2121/up/' },
    ],
    [
      'UpdateFirmware',
      { location: 'https://fw.example.com/v2.bin', retrieveDate: 'x' },
      { location: 'https://fw.example.com/v2.bin', retrieveDate: 'x' },
    ],
    ['GetDiagnostics', { location: 'not a url' }, { location: 'not a url' }],
  ])('%s %j is stored as %j', (operation, payload, masked) => {
    expect(maskCommandPayload(operation, payload)).toEqual(masked)
  })

  test('a GetConfiguration answer that reports the AuthorizationKey is stored without it', () => {
    expect(
      maskCommandResponse('GetConfiguration', {
        configurationKey: [
          { key: 'AuthorizationKey', readonly: false, value: 'secret' },
          { key: 'HeartbeatInterval', readonly: false, value: '300' },
        ],
      }),
    ).toEqual({
      configurationKey: [
        { key: 'AuthorizationKey', readonly: false, value: MASK },
        { key: 'HeartbeatInterval', readonly: false, value: '300' },
      ],
    })
  })

  test.each([
    ['UpdateFirmware', {}, true],
    ['GetDiagnostics', {}, true],
    ['ChangeConfiguration', { key: 'AuthorizationKey', value: 'x' }, true],
    ['ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '60' }, false],
    ['Reset', { type: 'Hard' }, false],
  ])('%s %j needs more than write: %s', (operation, payload, privileged) => {
    expect(isPrivilegedCommand(operation, payload)).toBe(privileged)
  })
})
