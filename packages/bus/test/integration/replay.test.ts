import { OcppMessageReceived, Streams } from '@chargebus/events'
import type { Bus, Consumption, ReceivedEvent } from '../../src/index.ts'
import { ReplayLaneNotFoundError } from '../../src/index.ts'
import { aStationMessage, eventually, withBusAndAdmin } from './helpers.ts'

type Raw = ReceivedEvent<typeof OcppMessageReceived>

/*
 * bus.replay: stored history re-delivered into one consumer's lane, bounded by --from/--to and --subject, and
 * harmless when repeated.
 */
describe('replay', () => {
  let bus: Bus
  const running: Consumption[] = []

  withBusAndAdmin((opened) => {
    ;({ bus } = opened)
  })

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()))
  })

  async function consumer(durable: string, station: string, seen: Raw[]) {
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable,
        filterSubject: `ocpp.in.*.${station}.>`,
        events: OcppMessageReceived,
        handler: async (e) => {
          seen.push(e)
        },
      }),
    )
  }

  async function publish(stationId: string, n: number) {
    const seqs: number[] = []
    for (let i = 0; i < n; i++) {
      const m = aStationMessage({ stationId })
      seqs.push((await bus.publish(OcppMessageReceived, m, { msgId: m.messageId })).seq)
    }
    return seqs
  }

  test('into one consumer only, from..to (sequences), again with the same id harmlessly', async () => {
    const a: Raw[] = []
    const b: Raw[] = []
    await consumer('ra', 'RP-1', a)
    await consumer('rb', 'RP-1', b)
    const seqs = await publish('RP-1', 5)
    await eventually(() => expect([a.length, b.length]).toEqual([5, 5]))

    const progress: number[] = []
    const summary = await bus.replay({
      stream: 'OCPP_IN',
      from: { seq: seqs[1] as number },
      to: { seq: seqs[3] as number },
      subject: 'ocpp.in.*.RP-1.>',
      into: 'ra',
      replayId: 'once',
      onProgress: (p) => progress.push(p.count),
    })
    expect(summary).toMatchObject({
      replayId: 'once',
      into: { stream: 'OCPP_IN', durable: 'ra' },
      count: 3,
      duplicates: 0,
      firstSeq: seqs[1],
      lastSeq: seqs[3],
    })
    expect(progress.at(-1)).toBe(3)
    await eventually(() => expect(a).toHaveLength(8))
    const replayed = a.slice(5)
    expect(replayed.map((e) => e.seq)).toEqual(seqs.slice(1, 4))
    expect(replayed.map((e) => e.msgId)).toEqual(a.slice(1, 4).map((e) => e.msgId))

    // The same replay id again (a double click): deduplicated, nothing re-delivered.
    const again = await bus.replay({
      stream: 'OCPP_IN',
      from: { seq: seqs[1] as number },
      to: { seq: seqs[3] as number },
      subject: 'ocpp.in.*.RP-1.>',
      into: 'ra',
      replayId: 'once',
    })
    expect(again).toMatchObject({ count: 3, duplicates: 3 })
    await new Promise((r) => setTimeout(r, 300))
    expect(a).toHaveLength(8)
    expect(b).toHaveLength(5)
  })

  test('--subject and a start time: only the matching messages, stored since then', async () => {
    const seen: Raw[] = []
    await consumer('rc', 'RP-2', seen)
    await publish('RP-2', 2)
    // Stream times have millisecond resolution here: keep the later messages off the earlier ones' millisecond.
    await new Promise((r) => setTimeout(r, 20))
    const later = await publish('RP-2', 2)
    // "Since" in the stream's own clock (nats-server's), which this test's clock need not share.
    const since = (await bus.getMessage('OCPP_IN', later[0] as number, OcppMessageReceived)).publishedAt
    await publish('RP-3', 2)
    await eventually(() => expect(seen).toHaveLength(4))
    const summary = await bus.replay({
      stream: 'OCPP_IN',
      from: { time: since },
      subject: 'ocpp.in.*.RP-2.>',
      into: 'rc',
    })
    expect(summary).toMatchObject({ count: 2, firstSeq: later[0], lastSeq: later[1] })
    await eventually(() => expect(seen).toHaveLength(6))
  })

  test("messages outside the consumer's filter are skipped, not sent to its lane", async () => {
    const seen: Raw[] = []
    await consumer('rd', 'RP-4', seen)
    const own = await publish('RP-4', 1)
    const other = await publish('RP-5', 1)
    const summary = await bus.replay({
      stream: 'OCPP_IN',
      from: { seq: own[0] as number },
      to: { seq: other[0] as number },
      into: 'rd',
    })
    expect(summary).toMatchObject({ count: 1, skipped: 1 })
  })

  test('an unknown consumer is refused before anything is published', async () => {
    await expect(bus.replay({ stream: 'OCPP_IN', from: { seq: 1 }, into: 'nobody' })).rejects.toThrow(
      ReplayLaneNotFoundError,
    )
  })
})
