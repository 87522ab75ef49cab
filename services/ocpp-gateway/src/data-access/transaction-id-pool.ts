import type { TransactionIdBlock } from '@chargebus/db'
import type { Logger } from 'pino'
import { TransactionIdsExhausted } from '../domain/errors.ts'

/**
 * OCPP transaction ids handed out from blocks reserved in Postgres (`allocateTransactionIdBlock`): unique
 * across replicas and restarts without a database round trip per StartTransaction. When half of the reserve
 * is used, the next block is reserved in the background; while Postgres is down the reserve keeps serving
 * and the refill retries with backoff. In a burst that empties the reserve faster than a block arrives,
 * `reserve()` waits for the block being reserved (bounded) instead of failing the station.
 */
export interface TransactionIdPool {
  /**
   * The next id; when the reserve is empty and a block is being reserved, waits for it (at most `waitMs`).
   * `TransactionIdsExhausted` (a Receiver fault: the station retries) when no id came in time or Postgres is
   * failing (then nothing is being reserved to wait for).
   */
  reserve(): Promise<number>
  /** Ids left in the reserve. */
  available(): number
  /** Whether the last attempt to reserve a block failed (Postgres unreachable): the reserve is not refilled. */
  refillFailing(): boolean
  /** Resolves once the first block is reserved; on a database error rejects and keeps retrying in the background. */
  start(): Promise<void>
  stop(): void
}

export interface TransactionIdPoolOptions {
  /** Reserves a block (`allocateTransactionIdBlock(db, size)`). */
  allocate: (size: number) => Promise<TransactionIdBlock>
  blockSize: number
  logger: Logger
  /** First retry delay after a failed refill; doubles up to `maxRetryMs`. */
  retryMs?: number
  maxRetryMs?: number
  /** How long `reserve()` waits for a block being reserved (default 2000 ms). */
  waitMs?: number
  onRefillFailed?: (err: unknown) => void
}

export function createTransactionIdPool(opts: TransactionIdPoolOptions): TransactionIdPool {
  const { allocate, blockSize, logger } = opts
  const blocks: Array<{ next: number; last: number }> = []
  let remaining = 0
  let refilling: Promise<void> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let retryMs = opts.retryMs ?? 500
  let stopped = false
  let failing = false

  async function refill(): Promise<void> {
    const block = await allocate(blockSize)
    blocks.push({ next: block.first, last: block.last })
    remaining += block.last - block.first + 1
    failing = false
    retryMs = opts.retryMs ?? 500
    logger.debug({ first: block.first, last: block.last }, 'transaction id block reserved')
  }

  function refillInBackground(): void {
    if (refilling || retryTimer || stopped) return
    refilling = refill()
      .catch((err: unknown) => {
        failing = true
        opts.onRefillFailed?.(err)
        logger.warn(
          { err, available: remaining, retryInMs: retryMs },
          'cannot reserve transaction ids; serving from the reserve',
        )
        retryTimer = setTimeout(() => {
          retryTimer = undefined
          if (remaining * 2 <= blockSize) refillInBackground()
        }, retryMs)
        retryTimer.unref()
        retryMs = Math.min(retryMs * 2, opts.maxRetryMs ?? 30_000)
      })
      .finally(() => {
        refilling = undefined
      })
  }

  /** The next id of the reserve (undefined when empty); reserves the next block when half is used. */
  function take(): number | undefined {
    const block = blocks[0]
    if (block === undefined) {
      refillInBackground()
      return undefined
    }
    const id = block.next
    if (block.next === block.last) blocks.shift()
    else block.next++
    remaining--
    if (remaining * 2 <= blockSize) refillInBackground()
    return id
  }

  return {
    async reserve() {
      const deadline = performance.now() + (opts.waitMs ?? 2000)
      for (;;) {
        const id = take()
        if (id !== undefined) return id
        // take() started a refill unless one is pending or a failed one waits for its retry timer
        const pending = refilling
        const left = deadline - performance.now()
        if (pending === undefined || left <= 0) throw new TransactionIdsExhausted()
        let timer: NodeJS.Timeout | undefined
        await Promise.race([pending, new Promise((r) => (timer = setTimeout(r, left)))])
        clearTimeout(timer)
      }
    },
    available: () => remaining,
    refillFailing: () => failing,
    async start() {
      try {
        await refill()
      } catch (err) {
        failing = true
        refillInBackground()
        throw err
      }
    },
    stop() {
      stopped = true
      if (retryTimer) clearTimeout(retryTimer)
    },
  }
}
