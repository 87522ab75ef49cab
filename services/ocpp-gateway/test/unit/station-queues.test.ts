import type { CommandRecord } from '@chargebus/command-store'
import { pino } from 'pino'
import { type AttemptResult, createStationQueues } from '../../src/commands/station-queues.ts'

const logger = pino({ level: 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A station's queue whose attempts always find the station unreachable (wait 60 s), on a clock the test moves.
 * `attempts` counts the tries.
 */
function unreachableStation(wakeMinMs: number) {
  let nowMs = Date.parse('2026-03-01T00:00:00Z')
  const stopper = new AbortController()
  const state = { attempts: 0 }
  const queues = createStationQueues({
    clock: () => new Date(nowMs),
    settings: { wakeMinMs },
    logger,
    stopping: stopper.signal,
    attempt: async (): Promise<AttemptResult> => {
      state.attempts++
      return 60_000
    },
    expire: async () => {},
    follow: () => () => {},
  })
  const record = { id: 'c-1', stationId: 'CP-1', expiresAt: null } as unknown as CommandRecord
  const done = queues.hold(record, {}, 1, () => {})
  return {
    queues,
    state,
    advance: (ms: number) => {
      nowMs += ms
    },
    stop: async () => {
      stopper.abort()
      queues.handBack()
      await done.catch(() => {})
    },
  }
}

test("a station's messages right after a failed attempt wake its command once, wakeMinMs after that attempt", async () => {
  const s = unreachableStation(300)
  try {
    await sleep(20)
    expect(s.state.attempts).toBe(1)
    // A burst of messages 100 ms (on the clock) after the attempt: one retry, put off by the remaining 200 ms.
    s.advance(100)
    for (let i = 0; i < 50; i++) s.queues.wake('CP-1', `m-${i}`)
    await sleep(100)
    expect(s.state.attempts).toBe(1)
    await sleep(250)
    expect(s.state.attempts).toBe(2)
    await sleep(300)
    expect(s.state.attempts).toBe(2)
  } finally {
    await s.stop()
  }
})

test('a message long after the last attempt retries at once, and the same message twice wakes once', async () => {
  const s = unreachableStation(5_000)
  try {
    await sleep(20)
    s.advance(5_000)
    s.queues.wake('CP-1', 'm-1')
    await sleep(20)
    expect(s.state.attempts).toBe(2)
    s.advance(60_000)
    s.queues.wake('CP-1', 'm-1')
    await sleep(20)
    expect(s.state.attempts).toBe(2)
    s.queues.wake('CP-1', 'm-2')
    await sleep(20)
    expect(s.state.attempts).toBe(3)
  } finally {
    await s.stop()
  }
})
