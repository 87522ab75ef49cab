import { decodeRequest } from '@chargebus/ocpp'
import { responseInStationVersion, toRequest16 } from '../../src/domain/version-conversion.ts'
import { envelope } from '../support/gateway.ts'

const statusNotification = (version: '1.5' | '1.6', status: string) =>
  decodeRequest(
    envelope({
      version,
      body: `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>${status}</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>`,
    }).xml,
  )

describe('toRequest16', () => {
  test('a 1.5 request is converted to its 1.6 form', () => {
    expect(toRequest16(statusNotification('1.5', 'Occupied'))).toEqual({
      operation: 'StatusNotification',
      payload: { connectorId: 1, status: 'Charging', errorCode: 'NoError' },
    })
  })
  test('a 1.6 request is taken as it is', () => {
    const req = statusNotification('1.6', 'Preparing')
    expect(toRequest16(req).payload).toBe(req.payload)
  })
})

describe('responseInStationVersion', () => {
  const boot = (version: '1.5' | '1.6') =>
    decodeRequest(
      envelope({
        version,
        body: '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
      }).xml,
    )
  const pending = { status: 'Pending', currentTime: '2026-11-26T10:00:00.000Z', interval: 60 }

  test('1.5 has no Pending: the station sees Rejected', () => {
    expect(responseInStationVersion(boot('1.5'), pending)).toMatchObject({ status: 'Rejected' })
  })
  test('a 1.6 station gets the answer as it is', () => {
    expect(responseInStationVersion(boot('1.6'), pending)).toBe(pending)
  })
})
