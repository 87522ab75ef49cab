/**
 * Sessions, checked on their natural key, the transaction id the gateway answered (stored with the message as
 * `response.transactionId`): every stored StartTransaction has its `transactions` row with that id, station and
 * start message, and no id was handed out twice (a transaction-id block reused after a crash or a Postgres
 * restart would show here). Every stored StopTransaction of a known id has set that row's stop message.
 */
import { type Database, type Kysely, sql } from '@chargebus/db'
import type { StoredMessage } from '../../e2e/src/journal.ts'

export interface TransactionCheck {
  started: number
  /** Transaction ids answered to more than one StartTransaction. */
  idsAnsweredTwice: number
  /** Started but no row, or a row from another station or start message. */
  startsLost: number
  stopped: number
  stopsLost: number
  missingExamples: string[]
}

interface StartStored {
  stationId: string
  messageId: string
  transactionId: number
}

function transactionIdOf(m: StoredMessage): number | undefined {
  const raw = m.response?.transactionId
  return typeof raw === 'number' ? raw : undefined
}

export async function checkTransactions(
  db: Kysely<Database>,
  messages: readonly StoredMessage[],
): Promise<TransactionCheck> {
  const starts: StartStored[] = []
  const stops: { stationId: string; messageId: string; transactionId: number }[] = []
  for (const m of messages) {
    if (m.action === 'StartTransaction') {
      const transactionId = transactionIdOf(m)
      if (transactionId !== undefined)
        starts.push({ stationId: m.stationId, messageId: m.messageId, transactionId })
    } else if (m.action === 'StopTransaction') {
      const transactionId = m.payload.transactionId
      if (typeof transactionId === 'number')
        stops.push({ stationId: m.stationId, messageId: m.messageId, transactionId })
    }
  }
  const ids = [...new Set([...starts, ...stops].map((s) => s.transactionId))]
  const { rows } = ids.length
    ? await sql<{ id: number; station: string; start: string | null; stop: string | null }>`
        select id, station_id as station, start_message_id as start, stop_message_id as stop
          from transactions where id = any(${ids}::int[])`.execute(db)
    : { rows: [] }
  const byId = new Map(rows.map((r) => [r.id, r]))
  const seen = new Map<number, number>()
  for (const s of starts) seen.set(s.transactionId, (seen.get(s.transactionId) ?? 0) + 1)
  const missingExamples: string[] = []
  let startsLost = 0
  for (const s of starts) {
    const row = byId.get(s.transactionId)
    if (row?.station === s.stationId && row.start === s.messageId) continue
    startsLost++
    if (missingExamples.length < 5)
      missingExamples.push(
        `start ${s.stationId} ${s.messageId} id ${s.transactionId}: ${JSON.stringify(row)}`,
      )
  }
  let stopsLost = 0
  const startedHere = new Set(starts.map((s) => s.transactionId))
  const stopsOfKnown = stops.filter((s) => startedHere.has(s.transactionId))
  for (const s of stopsOfKnown) {
    const row = byId.get(s.transactionId)
    if (row?.stop === s.messageId) continue
    stopsLost++
    if (missingExamples.length < 5)
      missingExamples.push(`stop ${s.stationId} ${s.messageId} id ${s.transactionId}: ${JSON.stringify(row)}`)
  }
  return {
    started: starts.length,
    idsAnsweredTwice: [...seen.values()].filter((n) => n > 1).length,
    startsLost,
    stopped: stopsOfKnown.length,
    stopsLost,
    missingExamples,
  }
}
