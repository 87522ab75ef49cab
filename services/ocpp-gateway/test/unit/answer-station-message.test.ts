import {
  type AnswerContext,
  answerStationMessage,
  idTagInfoFor,
  idTagOf,
  mayAnswer,
  registrationStatusOf,
  type StationRequest16,
} from '../../src/domain/answer-station-message.ts'

const NOW = '2026-11-26T10:00:00.000Z'

/** A context builder: the defaults of a plain accept-all network. */
function aContext(update: Partial<AnswerContext> = {}): AnswerContext {
  return {
    now: NOW,
    registration: 'Accepted',
    heartbeatIntervalS: 300,
    bootRetryIntervalS: 60,
    authorizeUnknown: false,
    knownVendorIds: new Set(['com.acme']),
    ...update,
  }
}

const boot: StationRequest16 = {
  operation: 'BootNotification',
  payload: { chargePointVendor: 'ACME', chargePointModel: 'M' },
}
const TS = '2026-11-26T09:00:00.000Z'

describe('answerStationMessage', () => {
  test.each<[string, StationRequest16, Partial<AnswerContext>, unknown, string[]]>([
    ['Boot, accepted', boot, {}, { status: 'Accepted', currentTime: NOW, interval: 300 }, []],
    [
      'Boot, pending',
      boot,
      { registration: 'Pending' },
      { status: 'Pending', currentTime: NOW, interval: 60 },
      [],
    ],
    [
      'Boot, rejected',
      boot,
      { registration: 'Rejected' },
      { status: 'Rejected', currentTime: NOW, interval: 60 },
      [],
    ],
    ['Heartbeat', { operation: 'Heartbeat', payload: {} }, {}, { currentTime: NOW }, []],
    [
      'Authorize, unknown tag',
      { operation: 'Authorize', payload: { idTag: 'X' } },
      {},
      { idTagInfo: { status: 'Invalid' } },
      [],
    ],
    [
      'Authorize, unknown tag on a test network',
      { operation: 'Authorize', payload: { idTag: 'X' } },
      { authorizeUnknown: true },
      { idTagInfo: { status: 'Accepted' } },
      [],
    ],
    [
      'Authorize, known tag with parent',
      { operation: 'Authorize', payload: { idTag: 'X' } },
      { idTag: { status: 'Accepted', parentIdTag: 'P' } },
      { idTagInfo: { status: 'Accepted', parentIdTag: 'P' } },
      [],
    ],
    [
      'StartTransaction',
      {
        operation: 'StartTransaction',
        payload: { connectorId: 1, idTag: 'X', timestamp: TS, meterStart: 0 },
      },
      { transactionId: 42, idTag: { status: 'Blocked' } },
      { transactionId: 42, idTagInfo: { status: 'Blocked' } },
      [],
    ],
    [
      'StopTransaction with idTag',
      {
        operation: 'StopTransaction',
        payload: { transactionId: 42, idTag: 'X', timestamp: TS, meterStop: 9 },
      },
      { idTag: { status: 'Accepted' } },
      { idTagInfo: { status: 'Accepted' } },
      [],
    ],
    [
      'StopTransaction without idTag',
      { operation: 'StopTransaction', payload: { transactionId: 42, timestamp: TS, meterStop: 9 } },
      {},
      {},
      [],
    ],
    [
      'StopTransaction of -1 is accepted, flagged',
      {
        operation: 'StopTransaction',
        payload: { transactionId: -1, idTag: 'X', timestamp: TS, meterStop: 9 },
      },
      { idTag: { status: 'Accepted' } },
      { idTagInfo: { status: 'Accepted' } },
      ['unknown-transaction'],
    ],
    [
      'StopTransaction of 0 is accepted, flagged',
      { operation: 'StopTransaction', payload: { transactionId: 0, timestamp: TS, meterStop: 9 } },
      {},
      {},
      ['unknown-transaction'],
    ],
    [
      'StatusNotification',
      {
        operation: 'StatusNotification',
        payload: { connectorId: 1, status: 'Available', errorCode: 'NoError' },
      },
      {},
      {},
      [],
    ],
    ['MeterValues', { operation: 'MeterValues', payload: { connectorId: 1 } }, {}, {}, []],
    [
      'DiagnosticsStatus',
      { operation: 'DiagnosticsStatusNotification', payload: { status: 'Uploaded' } },
      {},
      {},
      [],
    ],
    [
      'FirmwareStatus',
      { operation: 'FirmwareStatusNotification', payload: { status: 'Installed' } },
      {},
      {},
      [],
    ],
    [
      'DataTransfer, known vendor',
      { operation: 'DataTransfer', payload: { vendorId: 'com.acme' } },
      {},
      { status: 'Accepted' },
      [],
    ],
    [
      'DataTransfer, unknown vendor',
      { operation: 'DataTransfer', payload: { vendorId: 'com.other' } },
      {},
      { status: 'UnknownVendorId' },
      [],
    ],
  ])('%s', (_name, request, ctx, response, flags) => {
    expect(answerStationMessage(request, aContext(ctx))).toEqual({ response, flags })
  })

  test('StartTransaction without a reserved id is a bug, not an answer', () => {
    expect(() =>
      answerStationMessage(
        {
          operation: 'StartTransaction',
          payload: { connectorId: 1, idTag: 'X', timestamp: TS, meterStart: 0 },
        },
        aContext(),
      ),
    ).toThrow(/transactionId/)
  })
})

describe('idTagInfoFor', () => {
  test.each([
    ['not expired', { status: 'Accepted' as const, expiryDate: '2027-01-01T00:00:00.000Z' }, 'Accepted'],
    ['expired', { status: 'Accepted' as const, expiryDate: '2026-01-01T00:00:00.000Z' }, 'Expired'],
    ['expiring right now', { status: 'Accepted' as const, expiryDate: NOW }, 'Expired'],
    [
      'blocked and expired stays blocked',
      { status: 'Blocked' as const, expiryDate: '2020-01-01T00:00:00.000Z' },
      'Blocked',
    ],
  ])('%s', (_name, entry, status) => {
    expect(idTagInfoFor(entry, NOW, false)).toEqual({ status, expiryDate: entry.expiryDate })
  })
})

describe('registration', () => {
  test.each([
    [undefined, 'accept-all', 'Pending', 'Accepted'],
    [undefined, 'known-only', 'Pending', 'Pending'],
    [undefined, 'known-only', 'Rejected', 'Rejected'],
    ['Accepted', 'known-only', 'Rejected', 'Accepted'],
    ['Rejected', 'accept-all', 'Pending', 'Rejected'],
    ['Pending', 'accept-all', 'Pending', 'Pending'],
  ] as const)('record %s under %s (unknown: %s) -> %s', (recorded, mode, unknownStationStatus, expected) => {
    expect(registrationStatusOf(recorded, { mode, unknownStationStatus })).toBe(expected)
  })

  test.each([
    ['BootNotification', 'Pending', true],
    ['BootNotification', 'Rejected', true],
    ['Heartbeat', 'Pending', false],
    ['StartTransaction', 'Rejected', false],
    ['Heartbeat', 'Accepted', true],
  ] as const)('%s from a %s station may be answered: %s', (operation, status, expected) => {
    expect(mayAnswer(operation, status)).toBe(expected)
  })
})

test('idTagOf', () => {
  expect(idTagOf({ operation: 'Authorize', payload: { idTag: 'A' } })).toBe('A')
  expect(
    idTagOf({ operation: 'StopTransaction', payload: { transactionId: 1, timestamp: TS, meterStop: 1 } }),
  ).toBeUndefined()
  expect(idTagOf({ operation: 'Heartbeat', payload: {} })).toBeUndefined()
})
