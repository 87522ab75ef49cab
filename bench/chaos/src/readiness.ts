/**
 * Every service's `/readyz`, polled on a fixed period for the whole run: which services stopped being ready
 * during a fault, and when each was ready again after the recovery (the first 200 after it).
 */
import { setTimeout as sleep } from 'node:timers/promises'

interface Sample {
  name: string
  atMs: number
  ok: boolean
}

export class ReadinessWatch {
  private readonly samples: Sample[] = []
  private running = false
  private loop: Promise<void> | undefined
  private readonly targets: () => { name: string; base: string }[]

  constructor(targets: () => { name: string; base: string }[]) {
    this.targets = targets
  }

  start(periodMs: number): void {
    this.running = true
    this.loop = (async () => {
      while (this.running) {
        const next = Date.now() + periodMs
        await Promise.all(this.targets().map((t) => this.probe(t.name, t.base)))
        await sleep(Math.max(0, next - Date.now()))
      }
    })()
  }

  private async probe(name: string, base: string): Promise<void> {
    let ok = false
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      ok = res.status === 200
    } catch {
      ok = false
    }
    this.samples.push({ name, atMs: Date.now(), ok })
  }

  /** Services with at least one failed probe in [fromMs, toMs]. */
  notReadyBetween(fromMs: number, toMs: number): string[] {
    const names = new Set<string>()
    for (const s of this.samples) if (!s.ok && s.atMs >= fromMs && s.atMs <= toMs) names.add(s.name)
    return [...names].sort()
  }

  /**
   * Waits until every service answered 200 after `afterMs`; returns, per service, the milliseconds from `afterMs`
   * to its first 200 (undefined for a service that was not ready within `timeoutMs`).
   */
  async readyAfter(afterMs: number, timeoutMs: number): Promise<Record<string, number | undefined>> {
    const names = this.targets().map((t) => t.name)
    const deadline = Date.now() + timeoutMs
    const firstOk = () => {
      const out: Record<string, number | undefined> = {}
      for (const name of names) {
        const s = this.samples.find((x) => x.name === name && x.ok && x.atMs >= afterMs)
        out[name] = s ? s.atMs - afterMs : undefined
      }
      return out
    }
    for (;;) {
      const out = firstOk()
      if (Object.values(out).every((v) => v !== undefined) || Date.now() > deadline) return out
      await sleep(100)
    }
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }
}
