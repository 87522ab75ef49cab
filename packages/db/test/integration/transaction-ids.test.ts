import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import {
  allocateTransactionIdBlock,
  createDb,
  type Database,
  InvalidBlockSize,
  type Kysely,
  MAX_TRANSACTION_ID,
  sql,
  type TransactionIdBlock,
  TransactionIdsExhausted,
} from '../../src/index.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

let scratch: ThrowawayDatabase
let processA: Kysely<Database>
let processB: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  // Two pools through pgbouncer, as two gateway processes would have.
  processA = createDb({ url: scratch.url, poolSize: 4 })
  processB = createDb({ url: scratch.url, poolSize: 4 })
}, SLOW)

afterAll(async () => {
  await processA?.destroy()
  await processB?.destroy()
  await scratch?.drop()
}, SLOW)

test(
  '400 concurrent allocations from two pools get disjoint, gapless blocks',
  async () => {
    const sizes = Array.from({ length: 400 }, (_, i) => 1 + ((i * 37) % 97))
    const blocks = await Promise.all(
      sizes.map((size, i) => allocateTransactionIdBlock(i % 2 === 0 ? processA : processB, size)),
    )
    blocks.forEach((b, i) => {
      expect(b.last - b.first + 1).toBe(sizes[i])
    })
    const sorted = [...blocks].sort((a, b) => a.first - b.first)
    expect(sorted[0]?.first).toBe(1)
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]?.first).toBe((sorted[i - 1] as TransactionIdBlock).last + 1)
    }
    expect(sorted.at(-1)?.last).toBe(sizes.reduce((a, b) => a + b, 0))
  },
  SLOW,
)

test(
  'a block allocated inside a rolled-back transaction is never handed out again',
  async () => {
    let inside: TransactionIdBlock | undefined
    await expect(
      processA.transaction().execute(async (trx) => {
        inside = await allocateTransactionIdBlock(trx, 10)
        throw new Error('caller gives up')
      }),
    ).rejects.toThrow('caller gives up')
    const after = await allocateTransactionIdBlock(processB, 10)
    expect(inside).toBeDefined()
    expect(after.first).toBeGreaterThan((inside as TransactionIdBlock).last)
  },
  SLOW,
)

test(
  'an invalid size is refused before touching the database',
  async () => {
    await expect(allocateTransactionIdBlock(processA, 0)).rejects.toBeInstanceOf(InvalidBlockSize)
    await expect(allocateTransactionIdBlock(processA, 2.5)).rejects.toBeInstanceOf(InvalidBlockSize)
  },
  SLOW,
)

// Last: it moves the sequence to the end of its range.
test(
  'blocks stop at the xs:int maximum with DB_ERR_TRANSACTION_IDS_EXHAUSTED',
  async () => {
    await sql`select setval('transaction_id_seq', ${MAX_TRANSACTION_ID - 10})`.execute(processA)
    await expect(allocateTransactionIdBlock(processA, 20)).rejects.toBeInstanceOf(TransactionIdsExhausted)
    // The failed attempt used one id (MAX-9); the rest still fits a smaller block.
    expect(await allocateTransactionIdBlock(processA, 9)).toEqual({
      first: MAX_TRANSACTION_ID - 8,
      last: MAX_TRANSACTION_ID,
    })
    await expect(allocateTransactionIdBlock(processB, 1)).rejects.toMatchObject({
      code: 'DB_ERR_TRANSACTION_IDS_EXHAUSTED',
    })
  },
  SLOW,
)
