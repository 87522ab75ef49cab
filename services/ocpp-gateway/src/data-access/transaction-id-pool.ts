import { blockLength, type TransactionIdBlock } from '@chargebus/db'
import type { Logger } from 'pino'
import { TransactionIdsExhausted } from '../domain/errors.ts'
import {
  countDemand,
  type DemandMeter,
  demandPerSecond,
  emptyDemand,
  nextLeadMs,
  nextRefillSize,
  type RefillLimits,
} from '../domain/transaction-id-refill.ts'

/**
 * OCPP transaction ids handed out from blocks reserved in Postgres (`allocateTransactionIdBlock`): unique
 * across replicas and restarts without a database round trip per StartTransaction. Blocks are sized to the
 * observed demand and reserved before the reserve runs low (`nextRefillSize`), several at once when demand
 * keeps rising. Callers that find the reserve empty queue and are served in arrival order as blocks arrive,
 * each for at most `waitMs`. While Postgres is down the reserve keeps serving and the refill retries with
 * backoff; once it has failed for longer than `waitMs`, an empty reserve answers at once.
 */
export interface TransactionIdPool {
  /**
   * The next id; when the reserve is empty, waits in line for the next block (at most `waitMs`).
   * `TransactionIdsExhausted` (a Receiver fault: the station retries) when no id came in time, or at once when
   * Postgres has been failing for longer than `waitMs`.
   */
  reserve(): Promise<number>
  /** Ids left in the reserve. */
  available(): number
  /** Callers waiting for an id. */
  waiting(): number
  /** Whether the last attempt to reserve a block failed (Postgres unreachable): the reserve is not refilled. */
  refillFailing(): boolean
  /** Resolves once the first block is reserved; on a database error rejects and keeps retrying in the background. */
  start(): Promise<void>
  /** No more refills; waiting callers get `TransactionIdsExhausted`. */
  stop(): void
}

export interface TransactionIdPoolOptions {
  /** Reserves a block (`allocateTransactionIdBlock(db, size)`). */
  allocate: (size: number) => Promise<TransactionIdBlock>
  /** The smallest block, the first one's size. */
  blockSize: number
  /** The largest block a burst may ask for (default `blockSize * 50`). */
  maxBlockSize?: number
  /** Blocks reserved at once at most (default 2: each holds a pool connection while it is reserved). */
  maxOutstanding?: number
  logger: Logger
  /** First retry delay after a failed refill; doubles up to `maxRetryMs`. */
  retryMs?: number
  maxRetryMs?: number
  /** How long `reserve()` waits for an id (default 5000 ms). */
  waitMs?: number
  onRefillFailed?: (err: unknown) => void
  /** A monotonic clock in ms for the demand rate and the lead time (default `performance.now`). */
  now?: () => number
}

interface Waiter {
  resolve: (id: number) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export function createTransactionIdPool(opts: TransactionIdPoolOptions): TransactionIdPool {
  const { allocate, logger } = opts
  const now = opts.now ?? (() => performance.now())
  const waitMs = opts.waitMs ?? 5000
  const firstRetryMs = opts.retryMs ?? 500
  const limits: RefillLimits = {
    minBlock: opts.blockSize,
    maxBlock: Math.max(opts.blockSize, opts.maxBlockSize ?? opts.blockSize * 50),
    maxOutstanding: opts.maxOutstanding ?? 2,
  }
  const blocks: Array<{ next: number; last: number }> = []
  // Insertion-ordered: served first come, first served; a timed-out waiter leaves in O(1).
  const waiters = new Map<number, Waiter>()
  let nextWaiter = 0
  let available = 0
  let incoming = 0
  let outstanding = 0
  let demand: DemandMeter = { ...emptyDemand, windowStart: now() }
  let leadMs = 0
  let retryTimer: NodeJS.Timeout | undefined
  let retryMs = firstRetryMs
  let failingSince: number | undefined
  let stopped = false

  /** Reserves a block of `size`; on failure schedules a retry and rethrows. */
  async function refill(size: number): Promise<void> {
    outstanding++
    incoming += size
    const started = now()
    try {
      const block = await allocate(size)
      blocks.push({ next: block.first, last: block.last })
      available += blockLength(block)
      leadMs = nextLeadMs(leadMs, now() - started)
      failingSince = undefined
      retryMs = firstRetryMs
      logger.debug({ first: block.first, last: block.last, leadMs }, 'transaction id block reserved')
    } catch (err) {
      failingSince ??= now()
      opts.onRefillFailed?.(err)
      logger.warn(
        { err, available, waiting: waiters.size, retryInMs: retryMs },
        'cannot reserve transaction ids; serving from the reserve',
      )
      scheduleRetry()
      throw err
    } finally {
      outstanding--
      incoming -= size
      serveWaiters()
      planRefills()
    }
  }

  function scheduleRetry(): void {
    if (retryTimer || stopped) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      planRefills()
    }, retryMs)
    retryTimer.unref()
    retryMs = Math.min(retryMs * 2, opts.maxRetryMs ?? 30_000)
  }

  /** Starts the blocks demand calls for; none while a failed refill waits for its retry. */
  function planRefills(): void {
    if (stopped || retryTimer) return
    for (;;) {
      const size = nextRefillSize(
        {
          available,
          incoming,
          outstanding,
          waiting: waiters.size,
          demandPerS: demandPerSecond(demand, now()),
          leadMs,
        },
        limits,
      )
      if (size === 0) return
      refill(size).catch(() => {}) // logged, retried and counted in refill
    }
  }

  /** The next id of the reserve, undefined when it is empty. */
  function take(): number | undefined {
    const block = blocks[0]
    if (block === undefined) return undefined
    const id = block.next
    if (block.next === block.last) blocks.shift()
    else block.next++
    available--
    return id
  }

  function serveWaiters(): void {
    for (const [key, waiter] of waiters) {
      const id = take()
      if (id === undefined) return
      waiters.delete(key)
      clearTimeout(waiter.timer)
      waiter.resolve(id)
    }
  }

  function enqueue(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const key = nextWaiter++
      const timer = setTimeout(() => {
        waiters.delete(key)
        reject(new TransactionIdsExhausted())
      }, waitMs)
      waiters.set(key, { resolve, reject, timer })
    })
  }

  return {
    reserve() {
      demand = countDemand(demand, now())
      // Nobody overtakes a queued caller.
      const id = waiters.size === 0 ? take() : undefined
      const postgresDown = failingSince !== undefined && now() - failingSince >= waitMs
      const answer =
        id !== undefined
          ? Promise.resolve(id)
          : stopped || postgresDown
            ? Promise.reject(new TransactionIdsExhausted())
            : enqueue()
      planRefills()
      return answer
    },
    available: () => available,
    waiting: () => waiters.size,
    refillFailing: () => failingSince !== undefined,
    start: () => refill(limits.minBlock),
    stop() {
      stopped = true
      if (retryTimer) clearTimeout(retryTimer)
      retryTimer = undefined
      for (const [key, waiter] of waiters) {
        waiters.delete(key)
        clearTimeout(waiter.timer)
        waiter.reject(new TransactionIdsExhausted())
      }
    },
  }
}
