import { connect as connectTcp } from 'node:net'
import { AppError } from '@chargebus/errors'
import { DeadLetterRecorded, type EventData, OcppMessageReceived, Streams } from '@chargebus/events'
import { headers } from '@nats-io/transport-node'
import { NATS_URL } from '../../../../test/support/nats.ts'
import type { BatchConsumeOptions, Bus, Consumption, ReceivedEvent } from '../../src/index.ts'
import { type Admin, aStationMessage, eventually, physicalStream, withBusAndAdmin } from './helpers.ts'

type Raw = ReceivedEvent<typeof OcppMessageReceived>
type DeadLetter = EventData<typeof DeadLetterRecorded>

class Outage extends AppError {
  constructor() {
    super('TEST_ERR_OUTAGE', 'database unavailable', { retryable: true })
  }
}

class Refused extends AppError {
  constructor() {
    super('TEST_ERR_REFUSED', 'station unknown', { retryable: false })
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Publishes with the raw NATS protocol (HPUB), whatever the header block holds; resolves once the server read it. */
async function publishRaw(subject: string, headerBlock: string, payload: string): Promise<void> {
  const { hostname, port } = new URL(NATS_URL)
  const socket = connectTcp(Number(port || 4222), hostname)
  const pong = new Promise<void>((resolve, reject) => {
    let seen = ''
    socket.on('data', (d) => {
      seen += d.toString()
      if (seen.includes('PONG')) resolve()
      if (seen.includes('-ERR')) reject(new Error(seen))
    })
    socket.on('error', reject)
  })
  const total = Buffer.byteLength(headerBlock) + Buffer.byteLength(payload)
  socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n')
  socket.write(
    `HPUB ${subject} ${Buffer.byteLength(headerBlock)} ${total}\r\n${headerBlock}${payload}\r\nPING\r\n`,
  )
  try {
    await pong
  } finally {
    socket.destroy()
  }
}

describe('consume', () => {
  let bus: Bus
  let admin: Admin
  const running: Consumption[] = []
  let durableCount = 0
  const nextDurable = () => `c${++durableCount}`

  withBusAndAdmin((opened) => {
    ;({ bus, admin } = opened)
  })

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()))
  })

  /** Publishes raw station messages for one station so each test's consumer sees only its own. */
  async function publishMessages(stationId: string, count: number) {
    const messages = Array.from({ length: count }, () => aStationMessage({ stationId }))
    for (const m of messages) await bus.publish(OcppMessageReceived, m, { msgId: m.messageId })
    return messages
  }

  async function consumerState(durable: string) {
    const info = await admin.jsm.consumers.info(physicalStream(bus, 'OCPP_IN'), durable)
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered }
  }

  /** Collects the dead letters of one consumer. */
  async function watchDeadLetters(durable: string) {
    const letters: DeadLetter[] = []
    const c = await bus.consume({
      stream: Streams.DEAD_LETTERS,
      durable: `dlq-${durable}`,
      filterSubject: `dlq.OCPP_IN.${durable}`,
      events: DeadLetterRecorded,
      handler: async (e) => {
        letters.push(e.data)
      },
    })
    running.push(c)
    return letters
  }

  test('round trip: the handler gets the typed event with its logical subject, then it is acked', async () => {
    const durable = nextDurable()
    const seen: Raw[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.rt%2E1.>',
        events: OcppMessageReceived,
        handler: async (e) => {
          seen.push(e)
        },
      }),
    )
    const [message] = await publishMessages('rt.1', 1)

    await eventually(() => expect(seen).toHaveLength(1))
    const [event] = seen
    expect(event?.data).toEqual(message)
    expect(event).toMatchObject({
      name: 'ocpp.message.received',
      version: 1,
      subject: 'ocpp.in.1_6.rt%2E1.MeterValues',
      msgId: message?.messageId,
      deliveryCount: 1,
    })
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
  })

  test('a handler that keeps failing ends in the dead letters with its error, subject, headers and payload', async () => {
    const durable = nextDurable()
    const letters = await watchDeadLetters(durable)
    let calls = 0
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.dl-1.>',
        events: OcppMessageReceived,
        maxDeliver: 3,
        backoffMs: [20, 40],
        handler: async () => {
          calls++
          throw new Outage()
        },
      }),
    )
    const [message] = await publishMessages('dl-1', 1)

    await eventually(() => expect(letters).toHaveLength(1))
    const [letter] = letters
    expect(calls).toBe(3)
    expect(letter).toMatchObject({
      stream: 'OCPP_IN',
      consumer: durable,
      subject: 'ocpp.in.1_6.dl-1.MeterValues',
      event: { name: 'ocpp.message.received', version: 1 },
      msgId: message?.messageId,
      payloadEncoding: 'utf8',
      reason: 'max-deliveries',
      error: { code: 'TEST_ERR_OUTAGE', name: 'Outage', message: 'database unavailable' },
      deliveryCount: 3,
      maxDeliver: 3,
    })
    expect(JSON.parse(letter?.payload ?? '')).toEqual(message)
    expect(letter?.headers['Nats-Msg-Id']).toEqual([message?.messageId])
    expect(letter?.headers['Chargebus-Event']).toEqual(['ocpp.message.received'])

    // Terminated, not lost: no more deliveries, and the original is still in its stream.
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
    await sleep(150)
    expect(calls).toBe(3)
    const original = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), {
      seq: letter?.streamSequence ?? 0,
    })
    expect(original?.json()).toEqual(message)
  })

  test('a non-retryable error is dead-lettered on the first delivery', async () => {
    const durable = nextDurable()
    const letters = await watchDeadLetters(durable)
    let calls = 0
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.nr-1.>',
        events: OcppMessageReceived,
        maxDeliver: 5,
        backoffMs: [20],
        handler: async () => {
          calls++
          throw new Refused()
        },
      }),
    )
    await publishMessages('nr-1', 1)

    await eventually(() => expect(letters).toHaveLength(1))
    expect(calls).toBe(1)
    expect(letters[0]).toMatchObject({
      reason: 'non-retryable',
      deliveryCount: 1,
      error: { code: 'TEST_ERR_REFUSED' },
    })
  })

  test('a schema-invalid message is dead-lettered without reaching the handler', async () => {
    const durable = nextDurable()
    const letters = await watchDeadLetters(durable)
    let calls = 0
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.bad-1.>',
        events: OcppMessageReceived,
        handler: async () => {
          calls++
        },
      }),
    )
    // Only a foreign publisher can store this: the bus validates before publishing.
    const h = headers()
    h.set('Nats-Msg-Id', 'bad-1')
    h.set('Chargebus-Event', 'ocpp.message.received')
    h.set('Chargebus-Event-Version', '1')
    await admin.nc.request(`${bus.namespace}.ocpp.in.1_6.bad-1.MeterValues`, '{"stationId":""}', {
      headers: h,
      timeout: 2_000,
    })

    await eventually(() => expect(letters).toHaveLength(1))
    expect(calls).toBe(0)
    expect(letters[0]).toMatchObject({
      reason: 'invalid-event',
      payload: '{"stationId":""}',
      error: { code: 'EVENTS_ERR_INVALID_EVENT' },
    })
  })

  test('a message whose headers nats.js cannot parse is dead-lettered; the rest of its batch is handled', async () => {
    const durable = nextDurable()
    const letters = await watchDeadLetters(durable)
    const handled: string[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.hdr-1.>',
        events: OcppMessageReceived,
        batchSize: 10,
        batchWaitMs: 200,
        batchHandler: async (events) => {
          for (const e of events) handled.push(e.data.messageId)
        },
      }),
    )
    // Only the raw protocol can store this (nats.js refuses to build such a header): a key with a space.
    const payload = JSON.stringify(aStationMessage({ stationId: 'hdr-1' }))
    await publishRaw(
      `${bus.namespace}.ocpp.in.1_6.hdr-1.MeterValues`,
      'NATS/1.0\r\nChargebus-Event: ocpp.message.received\r\nBad Key: x\r\n\r\n',
      payload,
    )
    const [good] = await publishMessages('hdr-1', 1)

    await eventually(() => expect(letters).toHaveLength(1))
    await eventually(() => expect(handled).toEqual([good?.messageId]))
    expect(letters[0]).toMatchObject({
      reason: 'invalid-event',
      payload,
      headers: {},
      error: { code: 'BUS_ERR_UNREADABLE_HEADERS' },
    })
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
  })

  test('a retryable failure is retried with backoff and then succeeds', async () => {
    const durable = nextDurable()
    const deliveries: number[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.rt-2.>',
        events: OcppMessageReceived,
        backoffMs: [30],
        handler: async (e) => {
          deliveries.push(e.deliveryCount)
          if (e.deliveryCount < 3) throw new Error('flaky')
        },
      }),
    )
    await publishMessages('rt-2', 1)

    await eventually(() => expect(deliveries).toEqual([1, 2, 3]))
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
  })

  test('never runs more than maxInFlight handlers at once', async () => {
    const durable = nextDurable()
    let active = 0
    let peak = 0
    let done = 0
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.mif-1.>',
        events: OcppMessageReceived,
        maxInFlight: 3,
        handler: async () => {
          active++
          peak = Math.max(peak, active)
          await sleep(15)
          active--
          done++
        },
      }),
    )
    await publishMessages('mif-1', 24)

    await eventually(() => expect(done).toBe(24))
    expect(peak).toBe(3)
  })

  test('stop() lets in-flight handlers finish and ack, then resolves; nothing starts afterwards', async () => {
    const durable = nextDurable()
    const handled: string[] = []
    let started = 0
    const consumption = await bus.consume({
      stream: Streams.OCPP_IN,
      durable,
      filterSubject: 'ocpp.in.*.stop-1.>',
      events: OcppMessageReceived,
      maxInFlight: 4,
      ackWaitMs: 1_000,
      handler: async (e) => {
        started++
        await sleep(150)
        handled.push(e.data.messageId)
      },
    })
    const messages = await publishMessages('stop-1', 10)
    await eventually(() => expect(started).toBeGreaterThan(0))

    await consumption.stop()
    expect(handled).toHaveLength(started)
    const startedAtStop = started
    await sleep(100)
    expect(started).toBe(startedAtStop)

    // A new instance gets the rest (prefetched ones after ack_wait), and nothing twice: the stopped one acked.
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.stop-1.>',
        events: OcppMessageReceived,
        maxInFlight: 4,
        ackWaitMs: 1_000,
        handler: async (e) => {
          handled.push(e.data.messageId)
        },
      }),
    )
    await eventually(() => expect(handled).toHaveLength(10), 4_000)
    expect([...handled].sort()).toEqual(messages.map((m) => m.messageId).sort())
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
  })

  test('batch mode hands over batches and acks them after success', async () => {
    const durable = nextDurable()
    const batches: number[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.batch-1.>',
        events: OcppMessageReceived,
        batchSize: 10,
        batchWaitMs: 50,
        batchHandler: async (events) => {
          batches.push(events.length)
          await sleep(10)
        },
      }),
    )
    const messages = Array.from({ length: 25 }, () => aStationMessage({ stationId: 'batch-1' }))
    await Promise.all(messages.map((m) => bus.publish(OcppMessageReceived, m, { msgId: m.messageId })))

    await eventually(() => expect(batches.reduce((a, b) => a + b, 0)).toBe(25))
    expect(Math.max(...batches)).toBeLessThanOrEqual(10)
    expect(batches.length).toBeLessThan(25)
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
  })

  test('batch mode: the whole batch is retried after a failure, and acked only once it succeeds', async () => {
    const durable = nextDurable()
    const seen: { size: number; deliveries: number[] }[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.batch-2.>',
        events: OcppMessageReceived,
        batchSize: 5,
        batchWaitMs: 100,
        backoffMs: [30],
        batchHandler: async (events) => {
          seen.push({ size: events.length, deliveries: events.map((e) => e.deliveryCount) })
          if (events.some((e) => e.deliveryCount === 1)) throw new Refused() // non-retryable, but a batch
        },
      }),
    )
    const messages = Array.from({ length: 5 }, () => aStationMessage({ stationId: 'batch-2' }))
    await Promise.all(messages.map((m) => bus.publish(OcppMessageReceived, m, { msgId: m.messageId })))

    await eventually(async () => {
      expect(seen.flatMap((s) => s.deliveries).filter((d) => d === 2)).toHaveLength(5)
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 })
    })
  })

  test('batch mode dead-letters the messages that ran out of deliveries', async () => {
    const durable = nextDurable()
    const letters = await watchDeadLetters(durable)
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: 'ocpp.in.*.batch-3.>',
        events: OcppMessageReceived,
        batchSize: 4,
        batchWaitMs: 100,
        maxDeliver: 2,
        backoffMs: [20],
        batchHandler: async () => {
          throw new Outage()
        },
      }),
    )
    const messages = Array.from({ length: 4 }, () => aStationMessage({ stationId: 'batch-3' }))
    await Promise.all(messages.map((m) => bus.publish(OcppMessageReceived, m, { msgId: m.messageId })))

    await eventually(() => expect(letters).toHaveLength(4))
    expect(letters.map((l) => l.msgId).sort()).toEqual(messages.map((m) => m.messageId).sort())
    expect(letters.every((l) => l.reason === 'max-deliveries' && l.deliveryCount === 2)).toBe(true)
    await eventually(async () =>
      expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
    )
  })

  describe('batch mode with isolateFailures', () => {
    const isolateFailures = { isInfrastructureError: (err: unknown) => err instanceof Outage }

    /** A batch consumer of one station's messages; they are published first, so they arrive as one batch. */
    async function consumeIsolating(
      station: string,
      options: Partial<BatchConsumeOptions<typeof OcppMessageReceived>> &
        Pick<BatchConsumeOptions<typeof OcppMessageReceived>, 'batchHandler'>,
    ) {
      const durable = nextDurable()
      const letters = await watchDeadLetters(durable)
      const filterSubject = `ocpp.in.*.${station}.>`
      const defaults = { batchSize: 10, batchWaitMs: 200, backoffMs: [30], isolateFailures }
      const consumer = { stream: Streams.OCPP_IN, durable, filterSubject, events: OcppMessageReceived }
      running.push(await bus.consume({ ...consumer, ...defaults, ...options }))
      return { durable, letters }
    }

    test('a poison message is dead-lettered alone with its error; the others are acked once', async () => {
      const messages = await publishMessages('iso-1', 6)
      const poison = messages[2]?.messageId
      const written: string[] = []
      const deliveries: number[] = []
      const batchFailures: number[] = []
      const deadLettered: string[] = []
      const { durable, letters } = await consumeIsolating('iso-1', {
        onBatchFailure: (_, size) => batchFailures.push(size),
        onDeadLetter: (record) => deadLettered.push(record.reason),
        batchHandler: async (events) => {
          deliveries.push(...events.map((e) => e.deliveryCount))
          // All or nothing, like the transaction of a real batch.
          if (events.some((e) => e.data.messageId === poison)) throw new Refused()
          written.push(...events.map((e) => e.data.messageId))
        },
      })
      await eventually(() => expect(letters).toHaveLength(1))
      expect(letters[0]).toMatchObject({
        msgId: poison,
        reason: 'non-retryable',
        deliveryCount: 1,
        error: { code: 'TEST_ERR_REFUSED', name: 'Refused', message: 'station unknown' },
      })
      expect(JSON.parse(letters[0]?.payload ?? '')).toEqual(messages[2])
      await eventually(async () =>
        expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
      )
      await sleep(150)
      const good = messages.filter((m) => m.messageId !== poison).map((m) => m.messageId)
      expect([...written].sort()).toEqual([...good].sort())
      expect(deliveries.every((d) => d === 1)).toBe(true) // nothing was redelivered
      expect(batchFailures).toEqual([6])
      expect(deadLettered).toEqual(['non-retryable'])
    })

    test('a message that keeps failing is retried alone, then dead-lettered when out of deliveries', async () => {
      const messages = await publishMessages('iso-2', 4)
      const flaky = messages[1]?.messageId
      const deliveries: [string, number][] = []
      const { durable, letters } = await consumeIsolating('iso-2', {
        maxDeliver: 2,
        batchHandler: async (events) => {
          deliveries.push(...events.map((e): [string, number] => [e.data.messageId, e.deliveryCount]))
          if (events.some((e) => e.data.messageId === flaky)) throw new Error('deadlock detected')
        },
      })
      await eventually(() => expect(letters).toHaveLength(1))
      expect(letters[0]).toMatchObject({ msgId: flaky, reason: 'max-deliveries', deliveryCount: 2 })
      await eventually(async () =>
        expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 }),
      )
      // In the batch, alone, then redelivered alone; the others were acked on their first delivery.
      expect(deliveries.filter(([id]) => id === flaky).map(([, n]) => n)).toEqual([1, 1, 2])
      expect(deliveries.filter(([id, n]) => id !== flaky && n > 1)).toEqual([])
    })

    test('an infrastructure error leaves the whole batch for redelivery: nothing acked, nothing tried alone', async () => {
      await publishMessages('iso-3', 5)
      const calls: number[][] = []
      const batchFailures: number[] = []
      const { durable } = await consumeIsolating('iso-3', {
        onBatchFailure: (_, size) => batchFailures.push(size),
        batchHandler: async (events) => {
          calls.push(events.map((e) => e.deliveryCount))
          if (events.some((e) => e.deliveryCount === 1)) throw new Outage()
        },
      })

      await eventually(async () => {
        expect(calls.flat().filter((d) => d === 2)).toHaveLength(5) // every message came back
        expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 })
      })
      expect(calls[0]).toEqual([1, 1, 1, 1, 1])
      expect(calls.filter((c) => c.includes(1))).toHaveLength(1)
      expect(batchFailures).toEqual([5])
    })

    test('an outage longer than maxDeliver deliveries dead-letters nothing: the batch lands once it is over', async () => {
      const messages = await publishMessages('iso-4', 3)
      const written: string[] = []
      const { durable, letters } = await consumeIsolating('iso-4', {
        maxDeliver: 2,
        batchHandler: async (events) => {
          // the database is down for the first four deliveries, twice the message's allowance
          if (events.some((e) => e.deliveryCount <= 4)) throw new Outage()
          written.push(...events.map((e) => e.data.messageId))
        },
      })
      await eventually(async () => {
        expect([...written].sort()).toEqual(messages.map((m) => m.messageId).sort())
        expect(await consumerState(durable)).toMatchObject({ pending: 0, ackPending: 0 })
      })
      expect(letters).toEqual([])
    })
  })

  test('options that make no sense are refused', async () => {
    await expect(
      bus.consume({
        stream: Streams.DEAD_LETTERS,
        durable: 'wrong-stream',
        events: OcppMessageReceived,
        handler: async () => {},
      }),
    ).rejects.toMatchObject({ code: 'BUS_ERR_INVALID_OPTIONS' })
    await expect(
      bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'has.dot',
        events: OcppMessageReceived,
        handler: async () => {},
      }),
    ).rejects.toMatchObject({ code: 'BUS_ERR_INVALID_OPTIONS' })
    const single = {
      stream: Streams.OCPP_IN,
      durable: 'single',
      events: OcppMessageReceived,
      handler: async () => {},
    }
    const isolating = { ...single, isolateFailures: { isInfrastructureError: () => false } }
    await expect(bus.consume(isolating)).rejects.toMatchObject({ code: 'BUS_ERR_INVALID_OPTIONS' })
  })
})
