/**
 * The services' resident memory while the stack runs: VmRSS from /proc/<pid>/status every `periodMs`, kept with
 * its time so each phase gets its own figures, and VmHWM (the kernel's own peak, between samples too) at the end.
 * "Flat in the steady phase" is read from the samples: the mean of the phase's last quarter against the mean of
 * its second quarter (the first quarter is the ramp, when stations boot and sessions start).
 */
import { readFileSync } from 'node:fs'
import { round3 } from './monitor.ts'

const MiB = 1024 * 1024

/** VmRSS and VmHWM of one process in bytes; undefined when it is gone. */
function statusMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN)
    return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 }
  } catch {
    return undefined
  }
}

export interface PhaseMemory {
  samples: number
  startMiB: number
  endMiB: number
  peakMiB: number
  /** Mean of the second quarter and of the last quarter of the phase's samples, and the growth between them. */
  secondQuarterMeanMiB: number
  lastQuarterMeanMiB: number
  growthPct: number
}

export class MemoryMonitor {
  private readonly samples = new Map<string, { atMs: number; rss: number }[]>()
  private timer: NodeJS.Timeout | undefined
  private readonly pids: Record<string, number>

  constructor(pids: Record<string, number>) {
    this.pids = pids
    for (const name of Object.keys(pids)) this.samples.set(name, [])
  }

  start(periodMs: number): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), periodMs)
  }

  private sample(): void {
    const atMs = Date.now()
    for (const [name, pid] of Object.entries(this.pids)) {
      const m = statusMemory(pid)
      if (m) this.samples.get(name)?.push({ atMs, rss: m.rss })
    }
  }

  /** Figures per service for the samples taken between `fromMs` and `toMs`. */
  between(fromMs: number, toMs: number): Record<string, PhaseMemory> {
    const out: Record<string, PhaseMemory> = {}
    for (const [name, all] of this.samples) {
      const s = all.filter((x) => x.atMs >= fromMs && x.atMs <= toMs).map((x) => x.rss)
      if (s.length === 0) continue
      const q = Math.floor(s.length / 4)
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN)
      const second = mean(s.slice(q, 2 * q))
      const last = mean(s.slice(s.length - q))
      out[name] = {
        samples: s.length,
        startMiB: round3((s[0] ?? 0) / MiB),
        endMiB: round3((s.at(-1) ?? 0) / MiB),
        peakMiB: round3(Math.max(...s) / MiB),
        secondQuarterMeanMiB: round3(second / MiB),
        lastQuarterMeanMiB: round3(last / MiB),
        growthPct: round3(((last - second) / second) * 100),
      }
    }
    return out
  }

  /** Stops sampling; returns each service's peak RSS over its whole life (VmHWM), in MiB. */
  stop(): Record<string, number> {
    clearInterval(this.timer)
    this.sample()
    const peaks: Record<string, number> = {}
    for (const [name, pid] of Object.entries(this.pids)) {
      const m = statusMemory(pid)
      const sampled = Math.max(0, ...(this.samples.get(name) ?? []).map((x) => x.rss))
      peaks[name] = round3(Math.max(m?.hwm ?? 0, sampled) / MiB)
    }
    return peaks
  }
}
