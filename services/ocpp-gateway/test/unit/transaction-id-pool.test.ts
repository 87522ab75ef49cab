import { pino } from 'pino'
import { createTransactionIdPool } from '../../src/data-access/transaction-id-pool.ts'
import { TransactionIdsExhausted } from '../../src/domain/errors.ts'

const logger = pino({ level: 'silent' })

/**
 * An allocator like Postgres's (consecutive blocks) whose blocks arrive when the test says so: every call
 * waits in `calls` until `grant()`; `fail()` makes the oldest call throw.
 */
function manualAllocator() {
  let next = 1
  const calls: Array<{ size: number; grant: () => void; fail: () => void }> = []
  const allocate = (size: number) =>
    new Promise<{ first: number; last: number }>((resolve, reject) => {
      calls.push({
        size,
        grant: () => {
          resolve({ first: next, last: next + size - 1 })
          next += size
        },
        fail: () => reject(new Error('postgres is down')),
      })
    })
  /** Answers the oldest pending call. */
  const grant = async () => {
    calls.shift()?.grant()
    await new Promise((r) => setImmediate(r))
  }
  const fail = async () => {
    calls.shift()?.fail()
    await new Promise((r) => setImmediate(r))
  }
  return { allocate, calls, grant, fail }
}

test('callers that find the reserve empty are served in arrival order as blocks arrive', async () => {
  const a = manualAllocator()
  const pool = createTransactionIdPool({ allocate: a.allocate, blockSize: 10, logger, maxOutstanding: 1 })
  const order: number[] = []
  const ids = Array.from({ length: 25 }, (_, i) =>
    pool.reserve().then((id) => {
      order.push(i)
      return id
    }),
  )
  expect(pool.waiting()).toBe(25)
  while (pool.waiting() > 0) await a.grant()
  expect(await Promise.all(ids)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
  expect(order).toEqual(Array.from({ length: 25 }, (_, i) => i))
  pool.stop()
})

test('a burst grows the blocks with demand, several on their way at once', async () => {
  const a = manualAllocator()
  const sizes: number[] = []
  const allocate = (size: number) => {
    sizes.push(size)
    return a.allocate(size)
  }
  const pool = createTransactionIdPool({
    allocate,
    blockSize: 10,
    maxBlockSize: 100_000,
    logger,
    maxOutstanding: 2,
  })
  const starting = pool.start()
  await a.grant()
  await starting
  const burst = Array.from({ length: 1024 }, () => pool.reserve())
  expect(a.calls).toHaveLength(2) // the reserve of 10 ran out: two blocks on their way
  while (a.calls.length > 0) await a.grant()
  const ids = await Promise.all(burst)
  expect(new Set(ids).size).toBe(1024)
  expect(pool.waiting()).toBe(0)
  // Blocks of the smallest size would have taken 103 refills; the queue sized them instead.
  expect(Math.max(...sizes)).toBeGreaterThanOrEqual(1024)
  expect(sizes.length).toBeLessThanOrEqual(5)
  pool.stop()
})

test('a failed refill does not fail the queue: the retry serves it', async () => {
  const a = manualAllocator()
  const pool = createTransactionIdPool({
    allocate: a.allocate,
    blockSize: 10,
    logger,
    retryMs: 1,
    waitMs: 60_000,
  })
  const waiting = Array.from({ length: 5 }, () => pool.reserve())
  await a.fail()
  expect(pool.refillFailing()).toBe(true)
  while (a.calls.length === 0) await new Promise((r) => setTimeout(r, 1)) // the retry
  await a.grant()
  expect(await Promise.all(waiting)).toEqual([1, 2, 3, 4, 5])
  expect(pool.refillFailing()).toBe(false)
  pool.stop()
})

test('once Postgres has failed for longer than waitMs, an empty reserve answers at once', async () => {
  const a = manualAllocator()
  let now = 0
  const pool = createTransactionIdPool({
    allocate: a.allocate,
    blockSize: 10,
    logger,
    retryMs: 60_000,
    waitMs: 60_000,
    now: () => now,
  })
  const starting = pool.start()
  await a.grant()
  await starting
  const served = await Promise.all(Array.from({ length: 10 }, () => pool.reserve()))
  expect(new Set(served).size).toBe(10)
  await a.fail() // the refill started at half of the reserve
  now += 60_000
  await expect(pool.reserve()).rejects.toBeInstanceOf(TransactionIdsExhausted)
  expect(pool.waiting()).toBe(0)
  pool.stop()
})

test('reserve() waits no longer than waitMs for a block that does not come', async () => {
  const a = manualAllocator()
  const pool = createTransactionIdPool({ allocate: a.allocate, blockSize: 10, logger, waitMs: 20 })
  await expect(pool.reserve()).rejects.toBeInstanceOf(TransactionIdsExhausted)
  expect(pool.waiting()).toBe(0)
  await a.grant() // the late block is kept for the next caller
  expect(await pool.reserve()).toBe(1)
  pool.stop()
})

test('stop() answers the queued callers', async () => {
  const a = manualAllocator()
  const pool = createTransactionIdPool({ allocate: a.allocate, blockSize: 10, logger, waitMs: 60_000 })
  const waiting = pool.reserve()
  pool.stop()
  await expect(waiting).rejects.toBeInstanceOf(TransactionIdsExhausted)
  await expect(pool.reserve()).rejects.toBeInstanceOf(TransactionIdsExhausted)
})
