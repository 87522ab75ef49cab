import { OcppMessageReceived, Streams } from '@chargebus/events'
import type { Bus } from '../../src/index.ts'
import { aStationMessage, closeTestBus, openTestBus } from './helpers.ts'

describe('scan', () => {
  let bus: Bus
  /** Sequences of sc-a's messages; sc-b's are interleaved between them. */
  const mine: number[] = []

  beforeAll(async () => {
    bus = await openTestBus()
    for (let i = 0; i < 4; i++) {
      for (const stationId of ['sc-a', 'sc-b']) {
        const m = aStationMessage({ stationId })
        const ack = await bus.publish(OcppMessageReceived, m, { msgId: m.messageId })
        if (stationId === 'sc-a') mine.push(ack.seq)
      }
    }
  })
  afterAll(() => closeTestBus(bus))

  test("one station's messages only, oldest first; max pages, nextSeq continues", async () => {
    const first = await bus.scan(Streams.OCPP_IN, { filter: 'ocpp.in.*.sc-a.*', max: 3, budgetMs: 5_000 })
    expect(first.events.map((e) => e.seq)).toEqual(mine.slice(0, 3))
    expect(first.done).toBe(false)
    const rest = await bus.scan(Streams.OCPP_IN, {
      filter: 'ocpp.in.*.sc-a.*',
      fromSeq: first.nextSeq,
      max: 10,
      budgetMs: 5_000,
    })
    expect(rest.events.map((e) => e.seq)).toEqual(mine.slice(3))
    expect(rest.done).toBe(true)
  })

  test('toSeq closes a window: nothing past it, done, and nextSeq is the first match past it', async () => {
    const [a0, a1, a2] = mine as [number, number, number]
    const window = await bus.scan(Streams.OCPP_IN, {
      filter: 'ocpp.in.*.sc-a.*',
      fromSeq: a0 + 1,
      toSeq: a2 - 1,
      max: 10,
      budgetMs: 5_000,
    })
    expect(window.events.map((e) => e.seq)).toEqual([a1])
    expect(window).toMatchObject({ done: true, nextSeq: a2 })
  })
})
