/** Latency figures of one operation, in milliseconds. */
export interface LatencySummary {
  readonly count: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** Nearest-rank percentile of sorted values (`p` in 0..100); 0 for no values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b)
  const round = (n: number) => Math.round(n * 10) / 10
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
  }
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by
}

/** What a run counts; `summary()` turns it into the JSON the CLI prints. */
export class RunStats {
  readonly callsByOperation: Record<string, number> = {}
  readonly failedByReason: Record<string, number> = {}
  readonly latencies = new Map<string, number[]>()
  readonly refusedByStatus: Record<string, number> = {}
  readonly commandsByOperation: Record<string, { received: number; obeyed: number }> = {}
  readonly transfersByDirection = { upload: { ok: 0, failed: 0 }, download: { ok: 0, failed: 0 } }
  readonly transferFailures: Record<string, number> = {}
  calls = 0
  failed = 0
  sessionsCompleted = 0
  energyWh = 0
  httpRetries = 0

  call(operation: string, latencyMs: number, failure: string | undefined): void {
    this.calls++
    bump(this.callsByOperation, operation)
    const list = this.latencies.get(operation)
    if (list) list.push(latencyMs)
    else this.latencies.set(operation, [latencyMs])
    if (failure !== undefined) {
      this.failed++
      bump(this.failedByReason, `${operation}: ${failure}`)
    }
  }

  /** A diagnostics upload or firmware download that ended (a reason: it failed). */
  transfer(direction: 'upload' | 'download', failure: string | undefined): void {
    const counts = this.transfersByDirection[direction]
    if (failure === undefined) counts.ok++
    else {
      counts.failed++
      bump(this.transferFailures, `${direction}: ${failure}`)
    }
  }

  sessionCompleted(energyWh: number): void {
    this.sessionsCompleted++
    this.energyWh += energyWh
  }

  sessionRefused(status: string): void {
    bump(this.refusedByStatus, status)
  }

  command(operation: string, obeyed: boolean): void {
    const c = this.commandsByOperation[operation] ?? { received: 0, obeyed: 0 }
    this.commandsByOperation[operation] = { received: c.received + 1, obeyed: c.obeyed + (obeyed ? 1 : 0) }
  }

  latencySummary(): Record<string, LatencySummary> {
    const out: Record<string, LatencySummary> = {}
    for (const op of [...this.latencies.keys()].sort())
      out[op] = summarizeLatencies(this.latencies.get(op) ?? [])
    return out
  }
}
