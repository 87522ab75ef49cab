import { AppError } from '@chargebus/errors'
import { OcppMessageReceived, Streams } from '@chargebus/events'
import type { Bus, Consumption, ReceivedEvent } from '../../src/index.ts'
import { DeadLetterNotFoundError, ReplayLaneNotFoundError } from '../../src/index.ts'
import { aStationMessage, eventually, withBusAndAdmin } from './helpers.ts'

type Raw = ReceivedEvent<typeof OcppMessageReceived>

class Refused extends AppError {
  constructor() {
    super('TEST_ERR_REFUSED', 'station unknown', { retryable: false })
  }
}

/* bus.deadLetters: what an operator sees, retries (back to the consumer that failed) and drops. */
describe('dead letters', () => {
  let bus: Bus
  const running: Consumption[] = []

  withBusAndAdmin((opened) => {
    ;({ bus } = opened)
  })

  afterAll(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()))
  })

  test('listed and read; a retry lands once in the failing consumer, a drop deletes; both only once', async () => {
    let broken = true
    const handled: Raw[] = []
    const bystander: Raw[] = []
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'fragile',
        filterSubject: 'ocpp.in.*.DL-1.>',
        events: OcppMessageReceived,
        handler: async (e) => {
          if (broken) throw new Refused()
          handled.push(e)
        },
      }),
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'bystander',
        filterSubject: 'ocpp.in.*.DL-1.>',
        events: OcppMessageReceived,
        handler: async (e) => {
          bystander.push(e)
        },
      }),
    )
    const messages = [aStationMessage({ stationId: 'DL-1' }), aStationMessage({ stationId: 'DL-1' })]
    for (const m of messages) await bus.publish(OcppMessageReceived, m, { msgId: m.messageId })
    await eventually(async () => expect((await bus.deadLetters.list()).items).toHaveLength(2))

    const firstPage = await bus.deadLetters.list({ consumer: 'fragile', limit: 1 })
    expect(firstPage.items).toHaveLength(1)
    const rest = await bus.deadLetters.list({ consumer: 'fragile', after: firstPage.next })
    expect(rest.next).toBeUndefined()
    const [one, two] = [firstPage.items[0], rest.items[0]]
    if (!one || !two) throw new Error('expected two dead letters')
    expect((await bus.deadLetters.list({ stream: 'COMMANDS' })).items).toEqual([])
    expect(await bus.deadLetters.get(one.id)).toEqual(one)
    expect(one.record).toMatchObject({
      stream: 'OCPP_IN',
      consumer: 'fragile',
      reason: 'non-retryable',
      error: { code: 'TEST_ERR_REFUSED' },
      msgId: messages[0]?.messageId,
    })

    broken = false // the bug is fixed
    const retried = await bus.deadLetters.retry(one.id)
    expect(retried).toMatchObject({ id: one.id, stream: 'OCPP_IN', consumer: 'fragile' })
    await eventually(() => expect(handled).toHaveLength(1))
    expect(handled[0]).toMatchObject({ msgId: messages[0]?.messageId, data: messages[0] })
    await expect(bus.deadLetters.get(one.id)).rejects.toThrow(DeadLetterNotFoundError)
    await expect(bus.deadLetters.retry(one.id)).rejects.toThrow(DeadLetterNotFoundError)

    const dropped = await bus.deadLetters.drop(two.id, 'ops@example', new Date('2026-11-26T12:00:00Z'))
    expect(dropped).toMatchObject({
      id: two.id,
      droppedBy: 'ops@example',
      droppedAt: '2026-11-26T12:00:00.000Z',
    })
    await expect(bus.deadLetters.drop(two.id, 'ops@example')).rejects.toThrow(DeadLetterNotFoundError)
    expect((await bus.deadLetters.list()).items).toEqual([])

    await new Promise((r) => setTimeout(r, 300))
    expect(handled).toHaveLength(1)
    expect(bystander).toHaveLength(2)
  })

  test('a consumer without a replay lane cannot take a retry; the dead letter stays', async () => {
    running.push(
      await bus.consume({
        stream: Streams.OCPP_IN,
        durable: 'laneless',
        filterSubject: 'ocpp.in.*.DL-2.>',
        events: OcppMessageReceived,
        replayLane: false,
        handler: async () => {
          throw new Refused()
        },
      }),
    )
    const m = aStationMessage({ stationId: 'DL-2' })
    await bus.publish(OcppMessageReceived, m, { msgId: m.messageId })
    let id = 0
    await eventually(async () => {
      const [letter] = (await bus.deadLetters.list({ consumer: 'laneless' })).items
      expect(letter).toBeDefined()
      id = letter?.id ?? 0
    })
    await expect(bus.deadLetters.retry(id)).rejects.toThrow(ReplayLaneNotFoundError)
    expect((await bus.deadLetters.get(id)).id).toBe(id)
  })
})
