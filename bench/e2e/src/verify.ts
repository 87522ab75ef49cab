/**
 * Rows expected (from what the gateway stored, see journal.ts) against rows in Postgres, per phase (the stream
 * sequence range of each phase). Natural keys, without the partition column:
 * - meter_values: (station_id, source_message_id, sample_index);
 * - status_events: (station_id, connector_id, source_message_id).
 * Per phase: `duplicates` = rows - distinct natural keys of its messages; `lost` = expected keys not found. The
 * whole table: `stored` vs `distinct` (count(*) vs count(distinct natural key)) and `unexpected`, rows that no
 * stored message accounts for.
 */
import { type Database, type Kysely, sql } from '@chargebus/db'
import type { StoredMessage } from './journal.ts'

export interface PhaseRows {
  expected: number
  stored: number
  distinct: number
  duplicates: number
  lost: number
  /** Messages whose rows are incomplete or missing (the first few, for diagnosis). */
  missingExamples: string[]
}

export interface TableCheck {
  table: 'meter_values' | 'status_events'
  naturalKey: string
  byPhase: Record<string, PhaseRows>
  total: { stored: number; distinct: number; duplicates: number; unexpected: number }
}

const key = (station: string, id: string) => `${station}\u0000${id}`

interface Grouped {
  s: string
  id: string
  n: number
  d: number
}

export async function checkMeterValues(
  db: Kysely<Database>,
  messages: readonly StoredMessage[],
  phaseOf: (m: StoredMessage) => string,
): Promise<TableCheck> {
  const { rows } = await sql<Grouped>`
    select station_id as s, source_message_id as id, count(*)::int as n, count(distinct sample_index)::int as d
      from meter_values group by station_id, source_message_id`.execute(db)
  const { rows: totals } = await sql<{ n: number; d: number }>`
    select count(*)::int as n, count(distinct (station_id, source_message_id, sample_index))::int as d
      from meter_values`.execute(db)
  return compare(
    'meter_values',
    '(station_id, source_message_id, sample_index)',
    messages,
    (m) => m.meterRows,
    phaseOf,
    rows,
    totals[0],
  )
}

export async function checkStatusEvents(
  db: Kysely<Database>,
  messages: readonly StoredMessage[],
  phaseOf: (m: StoredMessage) => string,
): Promise<TableCheck> {
  const { rows } = await sql<Grouped>`
    select station_id as s, source_message_id as id, count(*)::int as n, count(distinct connector_id)::int as d
      from status_events group by station_id, source_message_id`.execute(db)
  const { rows: totals } = await sql<{ n: number; d: number }>`
    select count(*)::int as n, count(distinct (station_id, connector_id, source_message_id))::int as d
      from status_events`.execute(db)
  return compare(
    'status_events',
    '(station_id, connector_id, source_message_id)',
    messages,
    (m) => m.statusRows,
    phaseOf,
    rows,
    totals[0],
  )
}

function compare(
  table: TableCheck['table'],
  naturalKey: string,
  messages: readonly StoredMessage[],
  rowsOf: (m: StoredMessage) => number,
  phaseOf: (m: StoredMessage) => string,
  found: readonly Grouped[],
  totals: { n: number; d: number } | undefined,
): TableCheck {
  const expected = new Map<string, { rows: number; phase: string }>()
  const byPhase: Record<string, PhaseRows> = {}
  for (const m of messages) {
    const n = rowsOf(m)
    if (n === 0) continue
    const phase = phaseOf(m)
    expected.set(key(m.stationId, m.messageId), { rows: n, phase })
    byPhase[phase] ??= { expected: 0, stored: 0, distinct: 0, duplicates: 0, lost: 0, missingExamples: [] }
    ;(byPhase[phase] as PhaseRows).expected += n
  }
  let unexpected = 0
  const seen = new Set<string>()
  for (const r of found) {
    const k = key(r.s, r.id)
    seen.add(k)
    const want = expected.get(k)
    if (!want) {
      unexpected += r.n
      continue
    }
    const p = byPhase[want.phase] as PhaseRows
    p.stored += r.n
    p.distinct += r.d
    p.duplicates += r.n - r.d
    if (r.d < want.rows) {
      p.lost += want.rows - r.d
      if (p.missingExamples.length < 5) p.missingExamples.push(`${r.s} ${r.id}: ${r.d}/${want.rows}`)
    }
    if (r.d > want.rows) unexpected += r.d - want.rows
  }
  for (const [k, want] of expected) {
    if (seen.has(k)) continue
    const p = byPhase[want.phase] as PhaseRows
    p.lost += want.rows
    if (p.missingExamples.length < 5) p.missingExamples.push(`${k.replace('\u0000', ' ')}: 0/${want.rows}`)
  }
  const stored = totals?.n ?? 0
  const distinct = totals?.d ?? 0
  return {
    table,
    naturalKey,
    byPhase,
    total: { stored, distinct, duplicates: stored - distinct, unexpected },
  }
}

/** What the simulator saw acknowledged against what the gateway stored, per operation. */
export interface AcknowledgedVsStored {
  storedByAction: Record<string, number>
  acknowledgedByAction: Record<string, number>
  /** Sum over operations of acknowledged calls beyond the stored messages: must be 0. */
  acknowledgedNotStored: number
}

/**
 * `calls` and `failed` are the simulator summary's (`failed.byReason` keys are `<operation>: <reason>`): a call
 * acknowledged is one that did not fail. The gateway answers only after the PubAck, so each must be stored.
 */
export function compareAcknowledged(
  stored: readonly Pick<StoredMessage, 'action'>[],
  calls: { byOperation: Record<string, number> },
  failed: { byReason: Record<string, number> },
): AcknowledgedVsStored {
  const storedByAction: Record<string, number> = {}
  for (const m of stored) storedByAction[m.action] = (storedByAction[m.action] ?? 0) + 1
  const acknowledgedByAction: Record<string, number> = {}
  for (const [op, n] of Object.entries(calls.byOperation)) {
    const failedOp = Object.entries(failed.byReason)
      .filter(([reason]) => reason.startsWith(`${op}:`))
      .reduce((a, [, c]) => a + c, 0)
    acknowledgedByAction[op] = n - failedOp
  }
  const acknowledgedNotStored = Object.entries(acknowledgedByAction).reduce(
    (a, [op, n]) => a + Math.max(0, n - (storedByAction[op] ?? 0)),
    0,
  )
  return { storedByAction, acknowledgedByAction, acknowledgedNotStored }
}
