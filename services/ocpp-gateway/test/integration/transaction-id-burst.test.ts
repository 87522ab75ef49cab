import { setTimeout as sleep } from 'node:timers/promises'
import { allocateTransactionIdBlock, createDb, type Database, type Kysely, sql } from '@chargebus/db'
import { pino } from 'pino'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { createTransactionIdPool } from '../../src/data-access/transaction-id-pool.ts'

/*
 * The burst that once failed 1,024 StartTransactions (issue 19), against real Postgres through pgbouncer made
 * slow on purpose: every block takes 100-400 ms to arrive (the allocator the pool receives is wrapped with a
 * delay), one refill fails mid-burst, and two gateway replicas draw from one sequence.
 */

const SLOW = 120_000
const logger = pino({ level: 'silent' })

let scratch: ThrowawayDatabase
let replicaA: Kysely<Database>
let replicaB: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  replicaA = createDb({ url: scratch.url, poolSize: 2 })
  replicaB = createDb({ url: scratch.url, poolSize: 2 })
}, SLOW)

afterAll(async () => {
  await replicaA?.destroy()
  await replicaB?.destroy()
  await scratch?.drop()
}, SLOW)

/** Postgres behind a delay, failing the `failCall`-th call (a dropped connection mid-burst). */
function slowAllocator(db: Kysely<Database>, failCall: number) {
  const sizes: number[] = []
  const allocate = async (size: number) => {
    sizes.push(size)
    await sleep(100 + Math.floor(Math.random() * 300))
    if (sizes.length === failCall) throw new Error('connection terminated unexpectedly')
    return allocateTransactionIdBlock(db, size)
  }
  return { allocate, sizes }
}

test(
  '6,000 concurrent reserve() calls on two replicas with a slow, once-failing Postgres all get unique ids',
  async () => {
    const a = slowAllocator(replicaA, 3)
    const b = slowAllocator(replicaB, 2)
    const pools = [a, b].map((x) =>
      createTransactionIdPool({
        allocate: x.allocate,
        blockSize: 10, // the smallest allowed: the burst is 300 times larger than a block
        maxBlockSize: 50_000,
        retryMs: 50,
        waitMs: 60_000, // bounded, and far above what the design needs, so a busy box does not decide
        logger,
      }),
    )
    await Promise.all(pools.map((p) => p.start()))
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6000 }, (_, i) => (pools[i % 2] as (typeof pools)[number]).reserve()),
    )
    for (const p of pools) p.stop()

    const failed = outcomes.filter((o) => o.status === 'rejected')
    expect(failed).toEqual([])
    const ids = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : Number.NaN))
    expect(new Set(ids).size).toBe(6000)
    // Every id came from the sequence: none above what Postgres handed out.
    const { rows } = await sql<{ last_value: number }>`select last_value from transaction_id_seq`.execute(
      replicaA,
    )
    expect(Math.max(...ids)).toBeLessThanOrEqual(Number(rows[0]?.last_value))
    // Blocks grew with the queue: fixed blocks of 10 would have been 600 round trips.
    expect(a.sizes.length + b.sizes.length).toBeLessThan(40)
  },
  SLOW,
)
