import type { Static } from 'typebox'
import type { OcppMessageReceivedSchema } from './ocpp-message-received.ts'

type Example = Static<typeof OcppMessageReceivedSchema>

const station = 'CP-0001'
const from = 'http://10.0.0.7:8080/ChargePointService'

function message(
  action: string,
  n: number,
  receivedAt: string,
  payload: Record<string, unknown>,
  response: Record<string, unknown>,
): Example {
  return {
    stationId: station,
    ocppVersion: '1.6',
    action,
    messageId: `urn:uuid:5c1f0f7e-5d0b-4a4b-9a39-8f3f0e0a${String(n).padStart(4, '0')}`,
    receivedAt,
    from,
    payload,
    response,
    quirks: [],
  }
}

/**
 * One charging session of one station, in the order a station sends it (boot, available, authorize, start,
 * charging, meter values, stop, heartbeat), plus a 1.5 heartbeat: the samples of `ocpp.message.received`.
 * Each carries the answer the gateway gave, as the gateway stores it.
 */
export const ocppMessageExamples: [Example, ...Example[]] = [
  message(
    'BootNotification',
    1,
    '2026-11-26T10:00:00.000Z',
    {
      chargePointVendor: 'ACME',
      chargePointModel: 'Fast-1',
      chargePointSerialNumber: 'SN-0001',
      firmwareVersion: '1.4.2',
    },
    { status: 'Accepted', currentTime: '2026-11-26T10:00:00.000Z', interval: 300 },
  ),
  message(
    'StatusNotification',
    2,
    '2026-11-26T10:00:01.000Z',
    { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-11-26T10:00:01.000Z' },
    {},
  ),
  message(
    'Authorize',
    3,
    '2026-11-26T10:01:00.000Z',
    { idTag: 'TAG-0001' },
    { idTagInfo: { status: 'Accepted' } },
  ),
  message(
    'StartTransaction',
    4,
    '2026-11-26T10:01:05.000Z',
    { connectorId: 1, idTag: 'TAG-0001', timestamp: '2026-11-26T10:01:05.000Z', meterStart: 12000 },
    { transactionId: 1001, idTagInfo: { status: 'Accepted' } },
  ),
  message(
    'StatusNotification',
    5,
    '2026-11-26T10:01:06.000Z',
    { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: '2026-11-26T10:01:06.000Z' },
    {},
  ),
  message(
    'MeterValues',
    6,
    '2026-11-26T10:31:05.000Z',
    {
      connectorId: 1,
      transactionId: 1001,
      meterValue: [
        {
          timestamp: '2026-11-26T10:31:05.000Z',
          sampledValue: [
            {
              value: '17750',
              context: 'Sample.Periodic',
              measurand: 'Energy.Active.Import.Register',
              unit: 'Wh',
            },
          ],
        },
      ],
    },
    {},
  ),
  message(
    'StopTransaction',
    7,
    '2026-11-26T11:01:05.000Z',
    {
      transactionId: 1001,
      idTag: 'TAG-0001',
      timestamp: '2026-11-26T11:01:05.000Z',
      meterStop: 23500,
      reason: 'EVDisconnected',
    },
    { idTagInfo: { status: 'Accepted' } },
  ),
  message('Heartbeat', 8, '2026-11-26T11:05:00.000Z', {}, { currentTime: '2026-11-26T11:05:00.000Z' }),
  {
    ...message('Heartbeat', 9, '2026-11-26T11:10:00.000Z', {}, { currentTime: '2026-11-26T11:10:00.000Z' }),
    ocppVersion: '1.5',
    normalizedPayload: {},
    quirks: ['soap11'],
  },
]
