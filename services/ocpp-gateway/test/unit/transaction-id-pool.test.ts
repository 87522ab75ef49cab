import { pino } from 'pino'
import { createTransactionIdPool } from '../../src/data-access/transaction-id-pool.ts'
import { TransactionIdsExhausted } from '../../src/domain/errors.ts'

const logger = pino({ level: 'silent' })

/** An allocator like Postgres's: consecutive blocks, each arriving after `delayMs`; `fail` makes it throw. */
function slowAllocator(delayMs: number) {
  let next = 1
  const state = { calls: 0, fail: false }
  const allocate = async (size: number) => {
    state.calls++
    await new Promise((r) => setTimeout(r, delayMs))
    if (state.fail) throw new Error('postgres is down')
    const block = { first: next, last: next + size - 1 }
    next += size
    return block
  }
  return { allocate, state }
}

test('a burst larger than the reserve waits for the next blocks instead of failing', async () => {
  const { allocate, state } = slowAllocator(20)
  const pool = createTransactionIdPool({ allocate, blockSize: 10, logger })
  await pool.start()
  const ids = await Promise.all(Array.from({ length: 45 }, () => pool.reserve()))
  pool.stop()
  expect(ids).not.toContain(undefined)
  expect(new Set(ids).size).toBe(45)
  expect(state.calls).toBeGreaterThanOrEqual(5)
})

test('with Postgres failing, the reserve is served and then reserve() gives up without waiting out its bound', async () => {
  const { allocate, state } = slowAllocator(5)
  const pool = createTransactionIdPool({ allocate, blockSize: 10, logger, retryMs: 60_000, waitMs: 5_000 })
  await pool.start()
  state.fail = true
  const served = await Promise.all(Array.from({ length: 10 }, () => pool.reserve()))
  expect(new Set(served).size).toBe(10)
  const started = Date.now()
  await expect(pool.reserve()).rejects.toBeInstanceOf(TransactionIdsExhausted)
  expect(Date.now() - started).toBeLessThan(1_000)
  expect(pool.refillFailing()).toBe(true)
  pool.stop()
})

test('reserve() waits no longer than waitMs for a block that does not come', async () => {
  const { allocate } = slowAllocator(300)
  const pool = createTransactionIdPool({ allocate, blockSize: 10, logger, waitMs: 50 })
  const starting = pool.start()
  const started = Date.now()
  await expect(pool.reserve()).rejects.toBeInstanceOf(TransactionIdsExhausted)
  expect(Date.now() - started).toBeLessThan(250)
  await starting
  expect(await pool.reserve()).toBe(1)
  pool.stop()
})
