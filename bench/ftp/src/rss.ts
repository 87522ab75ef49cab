import { readFileSync } from 'node:fs'

/** A process's memory from /proc/<pid>/status, in MiB: resident now (VmRSS) and its peak so far (VmHWM). */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined // gone
  }
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN)
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 }
}

export interface RssSummary {
  /** Highest VmRSS sampled while the sampler ran. */
  peakSampledMiB: number
  /** VmRSS when sampling started (the server idle, after start-up). */
  startMiB: number
  /** VmHWM when sampling stopped: the process's peak since it started, between samples too. */
  hwmMiB: number
  samples: number
  periodMs: number
}

/**
 * Samples a process's VmRSS every `periodMs` until `stop()`, which also reads VmHWM. Linux only. The timer runs
 * in the bench's event loop, so a busy loop stretches the period; VmHWM covers what the samples miss.
 */
export function sampleRss(pid: number, periodMs = 50): { stop(): RssSummary } {
  const first = memoryOf(pid)
  if (first === undefined) throw new Error(`process ${pid} is not running`)
  let peak = first.rssMiB
  let samples = 1
  const timer = setInterval(() => {
    const m = memoryOf(pid)
    if (m === undefined) return
    samples++
    if (m.rssMiB > peak) peak = m.rssMiB
  }, periodMs)
  return {
    stop() {
      clearInterval(timer)
      const last = memoryOf(pid)
      if (last !== undefined && last.rssMiB > peak) peak = last.rssMiB
      return {
        peakSampledMiB: peak,
        startMiB: first.rssMiB,
        hwmMiB: last?.hwmMiB ?? Number.NaN,
        samples,
        periodMs,
      }
    },
  }
}
