import {
  fromV16CpResponse,
  fromV16CsRequest,
  OcppConversionError,
  toV16CpRequest,
  toV16CsResponse,
  toV16Request,
} from '../../src/index.ts'

const TS = '2026-11-26T10:00:00.000Z'

describe('fromV16CsRequest: a station written against 1.6 speaking 1.5', () => {
  test.each([
    [
      'in-use states become Occupied',
      'StatusNotification',
      { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: TS },
      { connectorId: 1, status: 'Occupied', errorCode: 'NoError', timestamp: TS },
    ],
    [
      'Finishing is still Occupied (vehicle connected)',
      'StatusNotification',
      { connectorId: 1, status: 'Finishing', errorCode: 'NoError' },
      { connectorId: 1, status: 'Occupied', errorCode: 'NoError' },
    ],
    [
      'EVCommunicationError is Mode3Error',
      'StatusNotification',
      { connectorId: 2, status: 'Faulted', errorCode: 'EVCommunicationError' },
      { connectorId: 2, status: 'Faulted', errorCode: 'Mode3Error' },
    ],
    [
      'a code 1.5 lacks is OtherError with the 1.6 code as info',
      'StatusNotification',
      { connectorId: 2, status: 'Faulted', errorCode: 'OverVoltage' },
      { connectorId: 2, status: 'Faulted', errorCode: 'OtherError', info: 'OverVoltage' },
    ],
    [
      'meter values: units renamed, samples 1.5 cannot express dropped',
      'MeterValues',
      {
        connectorId: 1,
        transactionId: 7,
        meterValue: [
          {
            timestamp: TS,
            sampledValue: [
              {
                value: '1200',
                measurand: 'Energy.Active.Import.Register',
                unit: 'Wh',
                context: 'Sample.Periodic',
              },
              { value: '16.0', measurand: 'Current.Import', unit: 'A' },
              { value: '230.0', measurand: 'Voltage', unit: 'V' },
              { value: '55', measurand: 'SoC', unit: 'Percent' },
              { value: '7.9', measurand: 'Current.Import', unit: 'A', phase: 'L1' },
              { value: '1', measurand: 'Energy.Active.Import.Register', context: 'Trigger' },
            ],
          },
          { timestamp: TS, sampledValue: [{ value: '40', measurand: 'SoC', unit: 'Percent' }] },
        ],
      },
      {
        connectorId: 1,
        transactionId: 7,
        values: [
          {
            timestamp: TS,
            value: [
              {
                value: '1200',
                measurand: 'Energy.Active.Import.Register',
                unit: 'Wh',
                context: 'Sample.Periodic',
              },
              { value: '16.0', measurand: 'Current.Import', unit: 'Amp' },
              { value: '230.0', measurand: 'Voltage', unit: 'Volt' },
            ],
          },
        ],
      },
    ],
    [
      'stop: no reason, transaction data grouped in values',
      'StopTransaction',
      {
        transactionId: 7,
        idTag: 'TAG',
        timestamp: TS,
        meterStop: 2000,
        reason: 'Remote',
        transactionData: [
          { timestamp: TS, sampledValue: [{ value: '1000', context: 'Transaction.Begin', unit: 'Wh' }] },
          { timestamp: TS, sampledValue: [{ value: '2000', context: 'Transaction.End', unit: 'Wh' }] },
        ],
      },
      {
        transactionId: 7,
        idTag: 'TAG',
        timestamp: TS,
        meterStop: 2000,
        transactionData: [
          {
            values: [
              { timestamp: TS, value: [{ value: '1000', context: 'Transaction.Begin', unit: 'Wh' }] },
              { timestamp: TS, value: [{ value: '2000', context: 'Transaction.End', unit: 'Wh' }] },
            ],
          },
        ],
      },
    ],
    ['the same where the versions agree', 'Authorize', { idTag: 'TAG-1' }, { idTag: 'TAG-1' }],
  ] as const)('%s', (_name, operation, v16, v15) => {
    expect(fromV16CsRequest(operation, v16 as never)).toEqual(v15)
  })

  test('what the gateway reads back is the 1.6 meaning (Energy, Current, Voltage kept)', () => {
    const v15 = fromV16CsRequest('MeterValues', {
      connectorId: 1,
      meterValue: [
        { timestamp: TS, sampledValue: [{ value: '16', measurand: 'Current.Import', unit: 'A' }] },
      ],
    })
    expect(toV16Request('MeterValues', v15)).toEqual({
      connectorId: 1,
      meterValue: [
        { timestamp: TS, sampledValue: [{ value: '16', measurand: 'Current.Import', unit: 'A' }] },
      ],
    })
  })

  test('a status 1.5 has no word for is refused, naming the field', () => {
    expect(() => fromV16CsRequest('DiagnosticsStatusNotification', { status: 'Uploading' })).toThrow(
      OcppConversionError,
    )
  })
})

describe('toV16CsResponse, toV16CpRequest, fromV16CpResponse', () => {
  test.each([
    [
      'BootNotification heartbeatInterval is interval',
      () =>
        toV16CsResponse('BootNotification', { status: 'Rejected', currentTime: TS, heartbeatInterval: 60 }),
      { status: 'Rejected', currentTime: TS, interval: 60 },
    ],
    [
      'SendLocalList spelling, hash dropped',
      () =>
        toV16CpRequest('SendLocalList', {
          updateType: 'Full',
          listVersion: 3,
          localAuthorisationList: [{ idTag: 'A' }],
          hash: 'abc',
        }),
      { listVersion: 3, localAuthorizationList: [{ idTag: 'A' }], updateType: 'Full' },
    ],
    [
      'RemoteStartTransaction the same',
      () => toV16CpRequest('RemoteStartTransaction', { idTag: 'TAG', connectorId: 2 }),
      { connectorId: 2, idTag: 'TAG' },
    ],
    [
      'Unlocked is Accepted',
      () => fromV16CpResponse('UnlockConnector', { status: 'Unlocked' }),
      { status: 'Accepted' },
    ],
    [
      'UnlockFailed is Rejected',
      () => fromV16CpResponse('UnlockConnector', { status: 'UnlockFailed' }),
      { status: 'Rejected' },
    ],
    [
      'NotSupported is Rejected',
      () => fromV16CpResponse('UnlockConnector', { status: 'NotSupported' }),
      { status: 'Rejected' },
    ],
    [
      'RebootRequired is Accepted (the value is stored)',
      () => fromV16CpResponse('ChangeConfiguration', { status: 'RebootRequired' }),
      { status: 'Accepted' },
    ],
  ])('%s', (_name, run, expected) => {
    expect(run()).toEqual(expected)
  })
})
