import { AppError } from '@chargebus/errors'
import {
  DeadLetterRecorded,
  type EventData,
  OcppMessageReceived,
  replayLaneSubject,
  Streams,
} from '@chargebus/events'
import { jetstream } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import type { Bus, Consumption, ReceivedEvent } from '../../src/index.ts'
import { type Admin, aStationMessage, eventually, physicalStream, withBusAndAdmin } from './helpers.ts'

type Raw = ReceivedEvent<typeof OcppMessageReceived>
type DeadLetter = EventData<typeof DeadLetterRecorded>

class Refused extends AppError {
  constructor() {
    super('TEST_ERR_REFUSED', 'station unknown', { retryable: false })
  }
}

/*
 * The replay lane beside every durable: what is published to replay.<stream>.<durable>.<subject> reaches that
 * consumer's handler alone, as if it came from its stream (subject, msgId), and fails the same way.
 */
describe('replay lanes', () => {
  let bus: Bus
  let admin: Admin
  const running: Consumption[] = []
  let n = 0
  const nextDurable = () => `lane${++n}`

  withBusAndAdmin((opened) => {
    ;({ bus, admin } = opened)
  })

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()))
  })

  /** Stores a station message in OCPP_IN, then copies it into `durable`'s lane as `chargebus replay` does. */
  async function storeAndReplay(stationId: string, durable: string, replayId: string) {
    const m = aStationMessage({ stationId })
    const ack = await bus.publish(OcppMessageReceived, m, { msgId: `orig-${m.messageId}` })
    const stored = await admin.jsm.streams.getMessage(physicalStream(bus, 'OCPP_IN'), { seq: ack.seq })
    if (!stored) throw new Error('not stored')
    const subject = stored.subject.slice(bus.namespace.length + 1)
    const h = headers()
    for (const [k, v] of stored.header ?? []) for (const value of v) h.append(k, value)
    h.set('Nats-Msg-Id', `${replayId}:${ack.seq}`)
    h.set('Chargebus-Original-Msg-Id', `orig-${m.messageId}`)
    h.set('Chargebus-Replay', replayId)
    h.set('Chargebus-Original-Stream', 'OCPP_IN')
    h.set('Chargebus-Original-Seq', String(ack.seq))
    await jetstream(admin.nc).publish(
      `${bus.namespace}.${replayLaneSubject('OCPP_IN', durable, subject)}`,
      stored.data,
      { headers: h },
    )
    return { message: m, seq: ack.seq, subject }
  }

  /** Each durable reads its own station's messages: a fresh durable starts at the stream's beginning. */
  const station = (durable: string) => `ST-${durable}`

  function collect(
    durable: string,
    seen: Raw[],
    opts: { fail?: boolean; batch?: boolean; station?: string } = {},
  ) {
    const common = {
      stream: Streams.OCPP_IN,
      durable,
      filterSubject: `ocpp.in.*.${opts.station ?? station(durable)}.>`,
      events: OcppMessageReceived,
      backoffMs: [50],
    }
    const handle = async (e: Raw) => {
      if (opts.fail) throw new Refused()
      seen.push(e)
    }
    return opts.batch
      ? bus.consume({
          ...common,
          batchSize: 10,
          batchWaitMs: 20,
          batchHandler: async (b) => b.forEach(handle),
        })
      : bus.consume({ ...common, handler: handle })
  }

  test.each([
    ['single', false],
    ['batch', true],
  ])(
    '%s mode: a replayed message reaches its consumer with the original subject and msgId; another consumer on the stream does not see it',
    async (_, batch) => {
      const target = nextDurable()
      const other = nextDurable()
      const seenTarget: Raw[] = []
      const seenOther: Raw[] = []
      const shared = station(target)
      running.push(
        await collect(target, seenTarget, { batch }),
        await collect(other, seenOther, { batch, station: shared }),
      )
      const { message, seq, subject } = await storeAndReplay(shared, target, 'r1')
      // Live delivery to both, then the replayed copy to the target only.
      await eventually(() => expect(seenTarget).toHaveLength(2))
      await eventually(() => expect(seenOther).toHaveLength(1))
      const replayed = seenTarget.find((e) => e.headers['Chargebus-Replay'])
      expect(replayed).toMatchObject({ subject, seq, msgId: `orig-${message.messageId}`, data: message })
      expect(replayed?.headers['Chargebus-Replay']).toEqual(['r1'])
      await new Promise((r) => setTimeout(r, 200))
      expect(seenOther).toHaveLength(1)
    },
  )

  test('a lane message that fails is dead-lettered like its original: stream, consumer, subject, sequence', async () => {
    const durable = nextDurable()
    const letters: DeadLetter[] = []
    running.push(
      await bus.consume({
        stream: Streams.DEAD_LETTERS,
        durable: `dlq-${durable}`,
        filterSubject: `dlq.OCPP_IN.${durable}`,
        events: DeadLetterRecorded,
        handler: async (e) => {
          letters.push(e.data)
        },
      }),
    )
    const seen: Raw[] = []
    running.push(await collect(durable, seen, { fail: true }))
    const { seq, subject, message } = await storeAndReplay(station(durable), durable, 'r2')
    await eventually(() => expect(letters).toHaveLength(2))
    for (const letter of letters) {
      expect(letter).toMatchObject({
        stream: 'OCPP_IN',
        consumer: durable,
        subject,
        streamSequence: seq,
        msgId: `orig-${message.messageId}`,
        reason: 'non-retryable',
      })
    }
    // One from the stream, one from the lane: neither deduplicated the other away.
    expect(letters.filter((l) => l.headers['Chargebus-Replay'])).toHaveLength(1)
  })

  test('backlog counts the lane; stop() stops both loops; a lane survives a restart', async () => {
    const durable = nextDurable()
    const seen: Raw[] = []
    const first = await collect(durable, seen)
    await eventually(async () => expect(await bus.consumerBacklog(Streams.OCPP_IN, durable)).toBeDefined())
    await first.stop()
    await storeAndReplay(station(durable), durable, 'r3')
    await eventually(async () =>
      expect(await bus.consumerBacklog(Streams.OCPP_IN, durable)).toEqual({ pending: 2, ackPending: 0 }),
    )
    expect(seen).toHaveLength(0)
    running.push(await collect(durable, seen))
    await eventually(() => expect(seen).toHaveLength(2))
    await eventually(async () =>
      expect(await bus.consumerBacklog(Streams.OCPP_IN, durable)).toEqual({ pending: 0, ackPending: 0 }),
    )
  })

  test('replayLane: false opens no lane', async () => {
    const durable = nextDurable()
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        events: OcppMessageReceived,
        replayLane: false,
        handler: async () => {},
      }),
    )
    const lanes = []
    for await (const c of admin.jsm.consumers.list(physicalStream(bus, 'REPLAY'))) lanes.push(c.name)
    expect(lanes).not.toContain(`OCPP_IN-${durable}`)
    expect(lanes.length).toBeGreaterThan(0)
  })
})
