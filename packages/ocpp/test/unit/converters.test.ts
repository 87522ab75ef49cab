import {
  ERROR_CODE_V15_TO_V16,
  fromV16Request,
  fromV16Response,
  OcppConversionError,
  OcppUnsupportedOperationError,
  ocppServices,
  STATUS_V15_TO_V16,
  toV16Request,
  toV16Response,
  UNIT_V15_TO_V16,
  v15,
  v16,
} from '../../src/index.ts'
import { v15Requests } from '../support/cs-requests.ts'

const enumOf = (schema: unknown) => (schema as { enum: string[] }).enum

describe('CentralSystemService 1.5 -> 1.6 requests', () => {
  test.each(v15Requests.map((c) => [c.operation, c] as const))('%s', (operation, c) => {
    expect(toV16Request(operation as 'Heartbeat', c.payload as never)).toEqual(c.asV16)
  })

  test.each(Object.entries(STATUS_V15_TO_V16))('status %s -> %s', (from, to) => {
    expect(
      toV16Request('StatusNotification', {
        connectorId: 1,
        status: from as 'Occupied',
        errorCode: 'NoError',
      }),
    ).toEqual({
      connectorId: 1,
      status: to,
      errorCode: 'NoError',
    })
  })

  test.each(Object.entries(ERROR_CODE_V15_TO_V16))('error code %s -> %s', (from, to) => {
    expect(
      toV16Request('StatusNotification', {
        connectorId: 1,
        status: 'Faulted',
        errorCode: from as 'Mode3Error',
      }).errorCode,
    ).toBe(to)
  })

  test('the tables cover every 1.5 enum value and map into 1.6 values', () => {
    expect(Object.keys(STATUS_V15_TO_V16).sort()).toEqual(enumOf(v15.cs.ChargePointStatus).sort())
    expect(Object.keys(ERROR_CODE_V15_TO_V16).sort()).toEqual(enumOf(v15.cs.ChargePointErrorCode).sort())
    expect(Object.keys(UNIT_V15_TO_V16).sort()).toEqual(enumOf(v15.cs.UnitOfMeasure).sort())
    expect(enumOf(v16.cs.UnitOfMeasure)).toEqual(expect.arrayContaining(Object.values(UNIT_V15_TO_V16)))
    for (const [s15, s16] of [
      [v15.cs.ReadingContext, v16.cs.ReadingContext],
      [v15.cs.Measurand, v16.cs.Measurand],
      [v15.cs.Location, v16.cs.Location],
      [v15.cs.ValueFormat, v16.cs.ValueFormat],
      [v15.cs.FirmwareStatus, v16.cs.FirmwareStatus],
      [v15.cs.DiagnosticsStatus, v16.cs.DiagnosticsStatus],
    ]) {
      expect(enumOf(s16)).toEqual(expect.arrayContaining(enumOf(s15)))
    }
  })

  test('long 1.5 free text is cut to the 1.6 maximum', () => {
    const out = toV16Request('StatusNotification', {
      connectorId: 1,
      status: 'Faulted',
      errorCode: 'OtherError',
      info: 'i'.repeat(80),
      vendorErrorCode: 'v'.repeat(60),
    })
    expect(out.info).toHaveLength(50)
    expect(out.vendorErrorCode).toHaveLength(50)
  })

  test('a 1.5 identifier longer than 1.6 allows is refused with the field named', () => {
    expect(() => toV16Request('DataTransfer', { vendorId: 'v'.repeat(256) })).toThrow(OcppConversionError)
    expect(() => toV16Request('DataTransfer', { vendorId: 'v'.repeat(256) })).toThrow(
      'dataTransferRequest/vendorId',
    )
  })

  test('StopTransaction without meter values stays without transactionData', () => {
    expect(
      toV16Request('StopTransaction', {
        transactionId: 1,
        timestamp: '2026-11-26T10:00:00.000Z',
        meterStop: 5,
        transactionData: [{}],
      }),
    ).toEqual({
      transactionId: 1,
      timestamp: '2026-11-26T10:00:00.000Z',
      meterStop: 5,
    })
  })
})

describe('CentralSystemService 1.6 -> 1.5 responses', () => {
  const t = '2026-11-26T10:00:00.000Z'
  const idTagInfo = { status: 'Accepted', expiryDate: t, parentIdTag: 'P' } as const
  test.each([
    ['Authorize', { idTagInfo }, { idTagInfo }],
    [
      'BootNotification',
      { status: 'Accepted', currentTime: t, interval: 300 },
      { status: 'Accepted', currentTime: t, heartbeatInterval: 300 },
    ],
    [
      'BootNotification',
      { status: 'Pending', currentTime: t, interval: 60 },
      { status: 'Rejected', currentTime: t, heartbeatInterval: 60 },
    ],
    [
      'BootNotification',
      { status: 'Rejected', currentTime: t, interval: 60 },
      { status: 'Rejected', currentTime: t, heartbeatInterval: 60 },
    ],
    ['DataTransfer', { status: 'UnknownVendorId', data: 'x' }, { status: 'UnknownVendorId', data: 'x' }],
    ['DiagnosticsStatusNotification', {}, {}],
    ['FirmwareStatusNotification', {}, {}],
    ['Heartbeat', { currentTime: t }, { currentTime: t }],
    ['MeterValues', {}, {}],
    ['StartTransaction', { transactionId: 42, idTagInfo }, { transactionId: 42, idTagInfo }],
    ['StatusNotification', {}, {}],
    ['StopTransaction', { idTagInfo: { status: 'Expired' } }, { idTagInfo: { status: 'Expired' } }],
  ])('%s %j', (operation, payload16, payload15) => {
    expect(fromV16Response(operation as 'Heartbeat', payload16 as never)).toEqual(payload15)
  })

  test('covers every 1.5 operation', () => {
    expect(Object.keys(ocppServices['1.5'].centralSystem.operations)).toHaveLength(10)
  })
})

describe('ChargePointService 1.6 -> 1.5 requests and 1.5 -> 1.6 responses', () => {
  test.each([
    ['CancelReservation', { reservationId: 3 }, { reservationId: 3 }],
    ['ChangeAvailability', { connectorId: 0, type: 'Inoperative' }, { connectorId: 0, type: 'Inoperative' }],
    [
      'ChangeConfiguration',
      { key: 'HeartbeatInterval', value: '300' },
      { key: 'HeartbeatInterval', value: '300' },
    ],
    ['ClearCache', {}, {}],
    [
      'DataTransfer',
      { vendorId: 'v', messageId: 'm', data: 'd' },
      { vendorId: 'v', messageId: 'm', data: 'd' },
    ],
    ['GetConfiguration', { key: ['A', 'B'] }, { key: ['A', 'B'] }],
    ['GetDiagnostics', { location: 'ftp://x/', retries: 2 }, { location: 'ftp://x/', retries: 2 }],
    ['GetLocalListVersion', {}, {}],
    ['RemoteStartTransaction', { connectorId: 1, idTag: 'T' }, { idTag: 'T', connectorId: 1 }],
    ['RemoteStopTransaction', { transactionId: 9 }, { transactionId: 9 }],
    [
      'ReserveNow',
      { connectorId: 1, expiryDate: '2026-11-26T10:00:00.000Z', idTag: 'T', reservationId: 4 },
      { connectorId: 1, expiryDate: '2026-11-26T10:00:00.000Z', idTag: 'T', reservationId: 4 },
    ],
    ['Reset', { type: 'Hard' }, { type: 'Hard' }],
    [
      'SendLocalList',
      {
        listVersion: 3,
        updateType: 'Differential',
        localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Blocked' } }],
      },
      {
        updateType: 'Differential',
        listVersion: 3,
        localAuthorisationList: [{ idTag: 'A', idTagInfo: { status: 'Blocked' } }],
      },
    ],
    ['UnlockConnector', { connectorId: 2 }, { connectorId: 2 }],
    [
      'UpdateFirmware',
      { retrieveDate: '2026-11-26T10:00:00.000Z', location: 'http://fw/1.bin' },
      { retrieveDate: '2026-11-26T10:00:00.000Z', location: 'http://fw/1.bin' },
    ],
  ])('fromV16Request %s', (operation, payload16, payload15) => {
    expect(fromV16Request(operation as 'Reset', payload16 as never)).toEqual(payload15)
  })

  test.each(['ClearChargingProfile', 'GetCompositeSchedule', 'SetChargingProfile', 'TriggerMessage'])(
    '%s (1.6 only) is refused for 1.5 stations',
    (operation) => {
      expect(() => fromV16Request(operation as 'TriggerMessage', { requestedMessage: 'Heartbeat' })).toThrow(
        OcppUnsupportedOperationError,
      )
      expect(() => fromV16Request(operation as 'TriggerMessage', { requestedMessage: 'Heartbeat' })).toThrow(
        `OCPP_ERR_UNSUPPORTED_OPERATION: ${operation} is not supported by OCPP 1.5`,
      )
    },
  )

  test('a charging profile cannot be dropped silently', () => {
    const profile: v16.cp.ChargingProfile = {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    }
    expect(() => fromV16Request('RemoteStartTransaction', { idTag: 'T', chargingProfile: profile })).toThrow(
      'chargingProfile has no 1.5 equivalent',
    )
  })

  test.each([
    ['UnlockConnector', { status: 'Accepted' }, { status: 'Unlocked' }],
    ['UnlockConnector', { status: 'Rejected' }, { status: 'UnlockFailed' }],
    ['SendLocalList', { status: 'HashError', hash: 'abc' }, { status: 'Failed' }],
    ['SendLocalList', { status: 'VersionMismatch' }, { status: 'VersionMismatch' }],
    ['ChangeConfiguration', { status: 'NotSupported' }, { status: 'NotSupported' }],
    [
      'GetConfiguration',
      { configurationKey: [{ key: 'K', readonly: true, value: 'V' }], unknownKey: ['X'] },
      { configurationKey: [{ key: 'K', readonly: true, value: 'V' }], unknownKey: ['X'] },
    ],
    ['GetDiagnostics', { fileName: 'diag.zip' }, { fileName: 'diag.zip' }],
    ['ReserveNow', { status: 'Occupied' }, { status: 'Occupied' }],
    ['Reset', { status: 'Accepted' }, { status: 'Accepted' }],
  ])('toV16Response %s %j', (operation, payload15, payload16) => {
    expect(toV16Response(operation as 'Reset', payload15 as never)).toEqual(payload16)
  })

  test('a 1.5 reply the 1.6 schema cannot hold is refused with the field named', () => {
    expect(() => toV16Response('GetDiagnostics', { fileName: 'f'.repeat(300) })).toThrow(
      'getDiagnosticsResponse/fileName',
    )
  })
})
