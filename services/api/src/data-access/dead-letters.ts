import type { DeadLetter, DeadLetters } from '@chargebus/bus'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'

/*
 * Dead letters are read through the bus (`bus.deadLetters`, the same calls `chargebus dlq` makes): oldest first,
 * and the opaque cursor is the last id of the page (the bus lists ids above it).
 */

export interface DeadLetterQuery {
  stream?: string
  consumer?: string
  limit: number
  cursor?: string
}

const CURSOR = 'dead-letters'

export async function listDeadLetters(
  deadLetters: Pick<DeadLetters, 'list'>,
  q: DeadLetterQuery,
): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
  const after = q.cursor === undefined ? 0 : Number(decodeCursor(CURSOR, q.cursor, ['sequence'])[0])
  const page = await deadLetters.list({
    ...(q.stream === undefined ? {} : { stream: q.stream }),
    ...(q.consumer === undefined ? {} : { consumer: q.consumer }),
    after,
    limit: q.limit,
  })
  return { items: page.items, nextCursor: page.next === undefined ? null : encodeCursor(CURSOR, [page.next]) }
}
