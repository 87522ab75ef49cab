import { DeadLetterRecorded, InvalidEventError, OcppMessageReceived, Streams } from '@chargebus/events'
import { headers } from '@nats-io/transport-node'
import {
  type Bus,
  BusClosedError,
  InvalidBusOptionsError,
  MessageNotFoundError,
  UnknownEventError,
  UnsupportedEventVersionError,
} from '../../src/index.ts'
import {
  type Admin,
  aStationMessage,
  closeTestBus,
  openTestBus,
  physicalStream,
  withBusAndAdmin,
} from './helpers.ts'

describe('getMessage', () => {
  let bus: Bus
  let admin: Admin

  withBusAndAdmin((opened) => {
    ;({ bus, admin } = opened)
  })

  /** Stores a message as a foreign publisher would (the bus validates before publishing). */
  async function storeRaw(subject: string, payload: string, hdrs: Record<string, string>): Promise<number> {
    const h = headers()
    for (const [key, value] of Object.entries(hdrs)) h.set(key, value)
    const reply = await admin.nc.request(`${bus.namespace}.${subject}`, payload, {
      headers: h,
      timeout: 2_000,
    })
    return (reply.json() as { seq: number }).seq
  }

  test('returns a published message decoded as a consumer sees it, by logical stream name', async () => {
    const message = aStationMessage({ stationId: 'gm.1' })
    const ack = await bus.publish(OcppMessageReceived, message, {
      msgId: message.messageId,
      headers: { 'X-Test': 'yes' },
    })

    const stored = await bus.getMessage(ack.stream, ack.seq, OcppMessageReceived)

    expect(stored).toMatchObject({
      name: 'ocpp.message.received',
      version: 1,
      data: message,
      subject: 'ocpp.in.1_6.gm%2E1.MeterValues',
      seq: ack.seq,
      msgId: message.messageId,
    })
    // The server's own timestamp of the message (its clock, not ours).
    const raw = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq: ack.seq })
    expect(stored.publishedAt).toEqual(raw?.time)
    expect(stored.headers).toMatchObject({
      'Nats-Msg-Id': [message.messageId],
      'Chargebus-Event': ['ocpp.message.received'],
      'Chargebus-Event-Version': ['1'],
      'X-Test': ['yes'],
    })
    // Typed by the event given: no cast needed.
    expect(stored.data.stationId).toBe('gm.1')
  })

  test('without events, the catalog events of the stream are used; a StreamDefinition works too', async () => {
    const message = aStationMessage({ stationId: 'gm.2' })
    const ack = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })

    const stored = await bus.getMessage(Streams.OCPP_IN, ack.seq)

    expect(stored.name).toBe(OcppMessageReceived.name)
    expect(stored.data).toEqual(message)
  })

  test('a sequence the stream does not have fails with MessageNotFoundError', async () => {
    const message = aStationMessage()
    const ack = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })

    const err = await bus.getMessage(Streams.OCPP_IN, ack.seq + 1000).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(MessageNotFoundError)
    expect(err).toMatchObject({
      code: 'BUS_ERR_MESSAGE_NOT_FOUND',
      retryable: false,
      stream: 'OCPP_IN',
      seq: ack.seq + 1000,
    })
  })

  test('a deleted message fails with MessageNotFoundError', async () => {
    const message = aStationMessage()
    const ack = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })
    await admin.jsm.streams.deleteMessage(physicalStream(bus, 'OCPP_IN'), ack.seq)

    await expect(bus.getMessage(Streams.OCPP_IN, ack.seq)).rejects.toThrow(MessageNotFoundError)
  })

  test('a stream that was never created fails with MessageNotFoundError', async () => {
    const other = await openTestBus({ streams: false })
    try {
      await expect(other.getMessage(Streams.OCPP_IN, 1)).rejects.toMatchObject({
        code: 'BUS_ERR_MESSAGE_NOT_FOUND',
        stream: 'OCPP_IN',
      })
    } finally {
      await closeTestBus(other)
    }
  })

  test('reads only its own namespace', async () => {
    const other = await openTestBus()
    try {
      const theirs = aStationMessage({ stationId: 'gm.other' })
      const theirAck = await other.publish(OcppMessageReceived, theirs, { msgId: theirs.messageId })
      const ours = aStationMessage({ stationId: 'gm.ours' })
      const ourAck = await bus.publish(OcppMessageReceived, ours, { msgId: ours.messageId })
      expect(theirAck.seq).toBeLessThan(ourAck.seq)

      expect((await other.getMessage(Streams.OCPP_IN, theirAck.seq)).data).toEqual(theirs)
      expect((await bus.getMessage(Streams.OCPP_IN, theirAck.seq)).data).not.toEqual(theirs)
      await expect(other.getMessage(Streams.OCPP_IN, ourAck.seq)).rejects.toThrow(MessageNotFoundError)
    } finally {
      await closeTestBus(other)
    }
  })

  test('a stored message that fails its schema is refused like a consumer refuses it', async () => {
    const seq = await storeRaw('ocpp.in.1_6.gm-bad.MeterValues', '{"stationId":""}', {
      'Nats-Msg-Id': `gm-bad-${Date.now()}`,
      'Chargebus-Event': 'ocpp.message.received',
      'Chargebus-Event-Version': '1',
    })

    await expect(bus.getMessage(Streams.OCPP_IN, seq)).rejects.toThrow(InvalidEventError)
  })

  test('an unknown version, or no matching event, is refused with the consumer errors', async () => {
    const payload = JSON.stringify(aStationMessage())
    const newer = await storeRaw('ocpp.in.1_6.gm-v9.MeterValues', payload, {
      'Nats-Msg-Id': `gm-v9-${Date.now()}`,
      'Chargebus-Event': 'ocpp.message.received',
      'Chargebus-Event-Version': '9',
    })
    const foreign = await storeRaw('ocpp.in.1_6.gm-foreign.MeterValues', payload, {
      'Nats-Msg-Id': `gm-foreign-${Date.now()}`,
      'Chargebus-Event': 'something.else',
      'Chargebus-Event-Version': '1',
    })

    await expect(bus.getMessage(Streams.OCPP_IN, newer)).rejects.toThrow(UnsupportedEventVersionError)
    await expect(bus.getMessage(Streams.OCPP_IN, foreign)).rejects.toThrow(UnknownEventError)
  })

  test('options that make no sense are refused', async () => {
    await expect(bus.getMessage(Streams.OCPP_IN, 0)).rejects.toThrow(InvalidBusOptionsError)
    await expect(bus.getMessage(Streams.OCPP_IN, 1.5)).rejects.toThrow(InvalidBusOptionsError)
    await expect(bus.getMessage(Streams.OCPP_IN, 1, DeadLetterRecorded)).rejects.toThrow(
      InvalidBusOptionsError,
    )
    await expect(bus.getMessage('NO_SUCH_STREAM', 1)).rejects.toThrow(InvalidBusOptionsError)
  })

  test('a closed bus refuses with BusClosedError', async () => {
    const closed = await openTestBus({ streams: false })
    await closeTestBus(closed)

    await expect(closed.getMessage(Streams.OCPP_IN, 1)).rejects.toThrow(BusClosedError)
  })
})
