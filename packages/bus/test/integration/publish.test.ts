import { allStreams, InvalidEventError, OcppMessageReceived, Streams } from '@chargebus/events'
import {
  type Bus,
  BusClosedError,
  BusUnreachableError,
  connectBus,
  NoStreamError,
  PublishRejectedError,
  PublishTimeoutError,
} from '../../src/index.ts'
import {
  type Admin,
  aStationMessage,
  closeTestBus,
  NATS_URL,
  openAdmin,
  openTestBus,
  physicalStream,
  testLogger,
  withBusAndAdmin,
} from './helpers.ts'

describe('publish', () => {
  let bus: Bus
  let admin: Admin

  withBusAndAdmin((opened) => {
    ;({ bus, admin } = opened)
  })

  const stored = async () => (await admin.jsm.streams.info(physicalStream(bus, 'OCPP_IN'))).state.messages

  test('stores the event under its namespaced subject and reports the logical stream', async () => {
    const before = await stored()
    const message = aStationMessage({ stationId: 'CP.7 *x*' })
    const ack = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })

    expect(ack).toEqual({ stream: 'OCPP_IN', seq: expect.any(Number), duplicate: false })
    expect(await stored()).toBe(before + 1)
    const raw = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq: ack.seq })
    expect(raw?.subject).toBe(`${bus.namespace}.ocpp.in.1_6.CP%2E7%20%2Ax%2A.MeterValues`)
    expect(raw?.json()).toEqual(message)
    expect(raw?.header.get('Nats-Msg-Id')).toBe(message.messageId)
    expect(raw?.header.get('Chargebus-Event')).toBe('ocpp.message.received')
    expect(raw?.header.get('Chargebus-Event-Version')).toBe('1')
  })

  test('the same Nats-Msg-Id published twice is stored once', async () => {
    const before = await stored()
    const message = aStationMessage()
    const first = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })
    const second = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })

    expect(first.duplicate).toBe(false)
    expect(second).toEqual({ ...first, duplicate: true })
    expect(await stored()).toBe(before + 1)
  })

  test('a schema-invalid event is rejected and nothing is stored', async () => {
    const before = await stored()
    const invalid = { ...aStationMessage(), ocppVersion: '2.0.1' } as unknown as ReturnType<
      typeof aStationMessage
    >

    await expect(bus.publish(OcppMessageReceived, invalid, { msgId: 'invalid-1' })).rejects.toThrow(
      InvalidEventError,
    )
    await new Promise((r) => setTimeout(r, 50))
    expect(await stored()).toBe(before)
  })

  test('a publish without msgId is refused', async () => {
    await expect(bus.publish(OcppMessageReceived, aStationMessage(), { msgId: '' })).rejects.toMatchObject({
      code: 'BUS_ERR_INVALID_OPTIONS',
    })
  })

  test('concurrent publishes each get their own PubAck', async () => {
    const before = await stored()
    const messages = Array.from({ length: 300 }, () => aStationMessage())
    const acks = await Promise.all(
      messages.map((m) => bus.publish(OcppMessageReceived, m, { msgId: m.messageId })),
    )

    const seqs = acks.map((a) => a.seq)
    expect(new Set(seqs).size).toBe(300)
    expect(acks.every((a) => !a.duplicate)).toBe(true)
    expect(await stored()).toBe(before + 300)
    // Each caller got the ack of its own message.
    for (const [i, ack] of acks.entries()) {
      const raw = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq: ack.seq })
      expect(raw?.header.get('Nats-Msg-Id')).toBe(messages[i]?.messageId)
    }
  })

  test('an error PubAck rejects with a non-retryable PublishRejectedError', async () => {
    const tooBig = aStationMessage({ payload: { blob: 'x'.repeat(Streams.OCPP_IN.maxMsgSize + 1) } })
    const err = await bus.publish(OcppMessageReceived, tooBig, { msgId: tooBig.messageId }).catch((e) => e)

    expect(err).toBeInstanceOf(PublishRejectedError)
    expect(err).toMatchObject({ code: 'BUS_ERR_PUBLISH_REJECTED', retryable: false })
    expect(err.message).toMatch(/size/)
  })

  test('a message over the server max_payload is rejected as non-retryable', async () => {
    const huge = aStationMessage({ payload: { blob: 'x'.repeat(2 * 1024 * 1024) } })
    const err = await bus.publish(OcppMessageReceived, huge, { msgId: huge.messageId }).catch((e) => e)

    expect(err).toBeInstanceOf(PublishRejectedError)
    expect(err).toMatchObject({ code: 'BUS_ERR_PUBLISH_REJECTED', retryable: false })
  })

  test('custom headers are passed on', async () => {
    const message = aStationMessage()
    const ack = await bus.publish(OcppMessageReceived, message, {
      msgId: message.messageId,
      headers: { 'Chargebus-Station-Address': '10.0.0.7' },
    })
    const raw = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq: ack.seq })
    expect(raw?.header.get('Chargebus-Station-Address')).toBe('10.0.0.7')
  })
})

describe('publish without a stream', () => {
  let bus: Bus | undefined

  afterEach(async () => {
    await closeTestBus(bus)
    bus = undefined
  })

  test('fails with a retryable NoStreamError, not success', async () => {
    bus = await openTestBus({ streams: false })
    const message = aStationMessage()
    const err = await bus.publish(OcppMessageReceived, message, { msgId: message.messageId }).catch((e) => e)

    expect(err).toBeInstanceOf(NoStreamError)
    expect(err).toMatchObject({ code: 'BUS_ERR_NO_STREAM', retryable: true })
  })

  test('fails with a retryable PublishTimeoutError when nothing acknowledges', async () => {
    bus = await openTestBus({ streams: false, publishTimeoutMs: 150 })
    // A plain subscriber (not a stream) takes the message and never answers.
    const admin = await openAdmin()
    const sub = admin.nc.subscribe(`${bus.namespace}.ocpp.in.>`)
    await admin.nc.flush()
    try {
      const message = aStationMessage()
      const started = Date.now()
      const err = await bus
        .publish(OcppMessageReceived, message, { msgId: message.messageId })
        .catch((e) => e)

      expect(err).toBeInstanceOf(PublishTimeoutError)
      expect(err).toMatchObject({ code: 'BUS_ERR_PUBLISH_TIMEOUT', retryable: true })
      expect(Date.now() - started).toBeLessThan(1_000)
    } finally {
      sub.unsubscribe()
      await admin.nc.close()
    }
  })

  test('streams in different namespaces do not see each other', async () => {
    bus = await openTestBus()
    const other = await openTestBus({ streams: false })
    try {
      const message = aStationMessage()
      await bus.publish(OcppMessageReceived, message, { msgId: message.messageId })
      await expect(other.publish(OcppMessageReceived, message, { msgId: message.messageId })).rejects.toThrow(
        NoStreamError,
      )
    } finally {
      await closeTestBus(other)
    }
  })
})

describe('connection', () => {
  test('ping answers while connected and throws once closed', async () => {
    const bus = await openTestBus({ streams: false })
    await bus.ping()
    await bus.close()
    await expect(bus.ping()).rejects.toThrow(BusUnreachableError)
    await expect(bus.publish(OcppMessageReceived, aStationMessage(), { msgId: 'x' })).rejects.toThrow(
      BusClosedError,
    )
  })

  test('connecting to a server that is not there fails fast with BUS_ERR_UNREACHABLE', async () => {
    const started = Date.now()
    const err = await connectBus({
      servers: 'nats://127.0.0.1:1',
      name: 'nowhere',
      logger: testLogger,
      connectTimeoutMs: 500,
    }).catch((e) => e)
    expect(err).toBeInstanceOf(BusUnreachableError)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  test('an invalid namespace is refused', async () => {
    await expect(
      connectBus({ servers: NATS_URL, name: 'x', namespace: 'Bad.Name', logger: testLogger }),
    ).rejects.toMatchObject({ code: 'BUS_ERR_INVALID_OPTIONS' })
  })

  test('close waits for pending PubAcks', async () => {
    const bus = await openTestBus()
    try {
      const messages = Array.from({ length: 50 }, () => aStationMessage())
      const acks = messages.map((m) => bus.publish(OcppMessageReceived, m, { msgId: m.messageId }))
      await bus.close()
      const results = await Promise.allSettled(acks)
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
    } finally {
      await closeTestBus(bus)
    }
  })
})

describe('streams and KV', () => {
  let bus: Bus

  beforeAll(async () => {
    bus = await openTestBus({ streams: false })
  })

  afterAll(async () => {
    await closeTestBus(bus)
  })

  test('ensureStreams is idempotent and applies changed limits in place', async () => {
    const admin = await openAdmin()
    try {
      await bus.ensureStreams(allStreams, { maxBytes: 8 * 1024 * 1024 })
      const first = await admin.jsm.streams.info(physicalStream(bus, 'OCPP_IN'))
      await bus.ensureStreams(allStreams, { maxBytes: 8 * 1024 * 1024 })
      await bus.ensureStreams(allStreams, { maxBytes: 4 * 1024 * 1024 })
      const updated = await admin.jsm.streams.info(physicalStream(bus, 'OCPP_IN'))

      expect(updated.created).toBe(first.created)
      expect(updated.config).toMatchObject({
        subjects: [`${bus.namespace}.ocpp.in.>`, `${bus.namespace}.ocpp.fault.>`],
        storage: 'file',
        retention: 'limits',
        discard: 'old',
        duplicate_window: 120_000_000_000,
        max_bytes: 4 * 1024 * 1024,
      })
    } finally {
      await admin.nc.close()
    }
  })

  test('kv buckets are namespaced and opened idempotently', async () => {
    const kv = await bus.kv('stations', { history: 1 })
    await kv.put('CP-1', 'known')
    const again = await bus.kv('stations', { history: 1 })
    expect((await again.get('CP-1'))?.string()).toBe('known')
    const admin = await openAdmin()
    try {
      const info = await admin.jsm.streams.info(`KV_${bus.namespace.toUpperCase()}_stations`)
      expect(info.state.messages).toBe(1)
    } finally {
      await admin.nc.close()
    }
  })

  test('deleteNamespace removes the namespace streams and buckets only', async () => {
    const other = await openTestBus()
    try {
      await bus.ensureStreams([Streams.COMMANDS], { maxBytes: 1024 * 1024 })
      await bus.kv('scratch')
      await bus.deleteNamespace()
      const admin = await openAdmin()
      try {
        const names: string[] = []
        for await (const name of admin.jsm.streams.names()) names.push(name)
        const mine = names.filter((n) => n.includes(`${bus.namespace.toUpperCase()}_`))
        expect(mine).toEqual([])
        expect(names).toContain(physicalStream(other, 'OCPP_IN'))
      } finally {
        await admin.nc.close()
      }
    } finally {
      await closeTestBus(other)
    }
  })

  test('the empty namespace refuses deleteNamespace', async () => {
    const root = await connectBus({ servers: NATS_URL, name: 'root', logger: testLogger })
    try {
      await expect(root.deleteNamespace()).rejects.toMatchObject({ code: 'BUS_ERR_INVALID_OPTIONS' })
    } finally {
      await root.close()
    }
  })
})
