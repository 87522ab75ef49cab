import { type Kysely, sql } from 'kysely'
import type { Database } from './database.ts'
import { InvalidBlockSize, TransactionIdsExhausted } from './errors.ts'

/** OCPP transaction ids are `xs:int`: the sequence never goes beyond this. */
export const MAX_TRANSACTION_ID = 2_147_483_647
/** Upper bound on one block, so one caller cannot burn the id space by mistake. */
export const MAX_BLOCK_SIZE = 1_000_000
/** Key of the transaction-level advisory lock that makes nextval + setval one step. */
export const TRANSACTION_ID_LOCK_KEY = 0x63627478 // 'cbtx'

/** Ids `first..last`, both included, owned by one allocator. */
export interface TransactionIdBlock {
  first: number
  last: number
}

/**
 * The block of `size` ids starting at `first` (pure). Throws `InvalidBlockSize` for a size outside
 * 1..MAX_BLOCK_SIZE and `TransactionIdsExhausted` when the block would pass MAX_TRANSACTION_ID.
 *
 * ### Examples
 * ```ts
 * toTransactionIdBlock(1, 100) // { first: 1, last: 100 }
 * ```
 */
export function toTransactionIdBlock(first: number, size: number): TransactionIdBlock {
  assertBlockSize(size)
  if (!Number.isSafeInteger(first) || first < 1)
    throw new RangeError(`first must be a positive integer, got ${first}`)
  const last = first + size - 1
  if (last > MAX_TRANSACTION_ID) {
    throw new TransactionIdsExhausted(`a block of ${size} from ${first} would pass ${MAX_TRANSACTION_ID}`)
  }
  return { first, last }
}

/** Throws `InvalidBlockSize` unless `size` is an integer in 1..MAX_BLOCK_SIZE. */
export function assertBlockSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_BLOCK_SIZE)
    throw new InvalidBlockSize(size, MAX_BLOCK_SIZE)
}

/** How many ids a block holds. */
export function blockLength(block: TransactionIdBlock): number {
  return block.last - block.first + 1
}

/**
 * Reserves `size` consecutive transaction ids that no other caller, in any process, ever gets.
 * Lets the OCPP gateway answer StartTransaction without a database round trip per request.
 *
 * `nextval` gives the first id and `setval` moves the sequence past the block, under a
 * transaction-level advisory lock so concurrent allocators cannot interleave between the two
 * (safe through pgbouncer in transaction mode). Sequences ignore rollbacks, so a block is never
 * handed out twice; ids of a block its owner did not use are simply skipped.
 *
 * ### Examples
 * ```ts
 * const { first, last } = await allocateTransactionIdBlock(db, 100)
 * ```
 */
export async function allocateTransactionIdBlock(
  db: Kysely<Database>,
  size: number,
): Promise<TransactionIdBlock> {
  assertBlockSize(size)
  if (db.isTransaction) return allocateIn(db, size)
  return db.transaction().execute((trx) => allocateIn(trx, size))
}

async function allocateIn(trx: Kysely<Database>, size: number): Promise<TransactionIdBlock> {
  await sql`select pg_advisory_xact_lock(${TRANSACTION_ID_LOCK_KEY})`.execute(trx)
  let first: number
  try {
    const { rows } = await sql<{
      first: number
    }>`select nextval('transaction_id_seq')::integer as first`.execute(trx)
    first = rows[0]?.first ?? Number.NaN
  } catch (err) {
    // 2200H sequence_generator_limit_exceeded: the sequence reached MAX_TRANSACTION_ID.
    if ((err as { code?: unknown }).code === '2200H')
      throw new TransactionIdsExhausted('the sequence is at its maximum', err)
    throw err
  }
  const block = toTransactionIdBlock(first, size)
  await sql`select setval('transaction_id_seq', ${block.last})`.execute(trx)
  return block
}
