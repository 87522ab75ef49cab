import { OcppMessageReceived, type StationMessage } from '@chargebus/events'
import { headers } from '@nats-io/transport-node'
import { type Bus, BusClosedError, connectBus } from '../../src/index.ts'
import {
  type Admin,
  aStationMessage,
  eventually,
  NATS_URL,
  openTestBus,
  testLogger,
  withBusAndAdmin,
} from './helpers.ts'

describe('listen', () => {
  let bus: Bus
  let admin: Admin

  withBusAndAdmin((opened) => {
    ;({ bus, admin } = opened)
  })

  test("sees one station's messages as they are stored, from any publisher, and stops when told", async () => {
    const seen: StationMessage[] = []
    const stop = bus.listen(OcppMessageReceived, { station: 'CP.1 *main*' }, (m) => seen.push(m))
    // another process (its own connection) in the same namespace
    const other = await connectBus({
      servers: NATS_URL,
      name: 'other',
      namespace: bus.namespace,
      logger: testLogger,
    })
    const mine = aStationMessage({ stationId: 'CP.1 *main*', action: 'Heartbeat' })
    const alsoMine = aStationMessage({ stationId: 'CP.1 *main*', action: 'BootNotification' })
    const notMine = aStationMessage({ stationId: 'CP.1', action: 'Heartbeat' })
    try {
      await other.publish(OcppMessageReceived, notMine, { msgId: notMine.messageId })
      await other.publish(OcppMessageReceived, mine, { msgId: mine.messageId })
      await bus.publish(OcppMessageReceived, alsoMine, { msgId: alsoMine.messageId })
    } finally {
      await other.close()
    }
    await eventually(() => expect(seen.map((m) => m.messageId)).toEqual([mine.messageId, alsoMine.messageId]))
    expect(seen[0]).toEqual(mine)

    stop()
    stop() // twice is harmless
    const later = aStationMessage({ stationId: 'CP.1 *main*', action: 'Heartbeat' })
    await bus.publish(OcppMessageReceived, later, { msgId: later.messageId })
    await new Promise((r) => setTimeout(r, 200))
    expect(seen).toHaveLength(2)
  })

  test('skips what is not a valid event on the subject, and a throwing handler does not stop it', async () => {
    const seen: string[] = []
    const stop = bus.listen(OcppMessageReceived, { station: 'L-2' }, (m) => {
      seen.push(m.messageId)
      if (seen.length === 1) throw new Error('handler bug')
    })
    try {
      const subject = `${bus.namespace}.${OcppMessageReceived.subjectOf(aStationMessage({ stationId: 'L-2' }))}`
      const h = headers()
      h.set('Chargebus-Event', OcppMessageReceived.name)
      h.set('Chargebus-Event-Version', String(OcppMessageReceived.version))
      admin.nc.publish(subject, 'not json', { headers: h })
      admin.nc.publish(subject, JSON.stringify({ stationId: 'L-2' }), { headers: h })
      const first = aStationMessage({ stationId: 'L-2' })
      const second = aStationMessage({ stationId: 'L-2' })
      await bus.publish(OcppMessageReceived, first, { msgId: first.messageId })
      await bus.publish(OcppMessageReceived, second, { msgId: second.messageId })
      await eventually(() => expect(seen).toEqual([first.messageId, second.messageId]))
    } finally {
      stop()
    }
  })

  test('is refused once the bus is closing', async () => {
    const closing = await openTestBus({ streams: false })
    await closing.close()
    expect(() => closing.listen(OcppMessageReceived, {}, () => {})).toThrow(BusClosedError)
  })
})
