/** The report's per-fault record and the README table printed at the end. */

import type { Options } from './options.ts'
import type { TransactionCheck } from './verify-transactions.ts'

interface RowCheck {
  expected: number
  stored: number
  lost: number
  duplicates: number
  missingExamples: string[]
}

export interface FaultResult {
  fault: string
  name: string
  what: string
  stationPrefix: string
  command: string
  injectedAfterS: number
  injectTookMs: number
  holdS: number
  recoverTookMs: number
  /** The fault's own findings (the cluster faults: the node killed, the elections). */
  details?: Record<string, unknown>
  simulator: {
    exitCode: number | null
    durationS: number
    stationsUp: number
    calls: { total: number; byOperation: Record<string, number> }
    failed: { total: number; byReason: Record<string, number> }
    latencyMs: Record<string, { count: number; p50: number; p99: number; max: number }>
    sessions: { completed: number; refused: Record<string, number> }
  }
  gatewayDuringFault: Record<string, number> | null
  gatewayWindowEnds: 'recovery' | 'every service ready' | null
  stored: { messages: number; byAction: Record<string, number>; streamSeq: { from: number; to: number } }
  acknowledgedByAction: Record<string, number>
  acknowledgedNotStored: number
  rows: {
    meterValues: RowCheck
    statusEvents: RowCheck
    transactions: TransactionCheck
    tableDuplicates: number
    unexpected: number
  }
  deadLetters: number
  drain: { drained: boolean; seconds: number; numPending: number; ackPending: number }
  readiness: {
    notReadyDuring: string[]
    readyAgainMs: Record<string, number | undefined>
    readyAgainS: number | null
    boundS: number
  }
  checks: Record<string, boolean>
  ok: boolean
}

/** What stations saw, shortest form: `StartTransaction: fault Receiver/InternalError` x 12 -> `StartTransaction 12`. */
function failedByOperation(byReason: Record<string, number>): string {
  const byOp: Record<string, number> = {}
  for (const [reason, n] of Object.entries(byReason)) {
    const op = reason.split(':')[0] ?? reason
    byOp[op] = (byOp[op] ?? 0) + n
  }
  const parts = Object.entries(byOp).sort((a, b) => b[1] - a[1])
  return parts.length ? parts.map(([op, n]) => `${op} ${n}`).join(', ') : '-'
}

/** During the fault, what the gateway answered (stored, then answered) vs faulted. */
function gatewayWindow(r: FaultResult): string {
  const w = r.gatewayDuringFault
  if (!w) return 'gateway killed'
  let answered = 0
  let faulted = 0
  for (const [k, n] of Object.entries(w)) {
    if (k.endsWith(' answered') || k.endsWith(' duplicate')) answered += n
    else faulted += n
  }
  return `${answered} answered / ${faulted} faults${r.gatewayWindowEnds === 'every service ready' ? ' ¹' : ''}`
}

export function renderTable(results: readonly FaultResult[], options: Options): string {
  const lines = [
    `${options.stations} stations per burst, ${options.sessions} session(s) of ${options.meterValues} MeterValues each; fault injected at ${Math.round(options.faultAtShare * 100)}% of the burst's calls`,
    '',
    '| fault | held | calls (failed) | failed calls by operation | gateway during the fault | acked not stored | meter_values / status_events lost, dup | sessions lost, ids twice | dead letters | not ready during | all ready again | ingest drained in | ok |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of results) {
    const mv = r.rows.meterValues
    const se = r.rows.statusEvents
    const tx = r.rows.transactions
    lines.push(
      `| ${r.name} | ${r.holdS} s | ${r.simulator.calls.total} (${r.simulator.failed.total}) | ${failedByOperation(r.simulator.failed.byReason)} | ${gatewayWindow(r)} | ${r.acknowledgedNotStored} | ${mv.lost}, ${mv.duplicates} / ${se.lost}, ${se.duplicates} | ${tx.startsLost + tx.stopsLost}, ${tx.idsAnsweredTwice} | ${r.deadLetters} | ${r.readiness.notReadyDuring.join(', ') || '-'} | ${r.readiness.readyAgainS ?? 'no'} s | ${r.drain.drained ? `${r.drain.seconds} s` : '**no**'} | ${r.ok ? 'yes' : '**no**'} |`,
    )
  }
  if (results.some((r) => r.gatewayWindowEnds === 'every service ready'))
    lines.push(
      '',
      "¹ the gateway's /metrics did not answer at the recovery: counted until every service was ready",
    )
  return `${lines.join('\n')}\n`
}
