/**
 * Resident memory of another process (Linux /proc), to show an export's memory stays flat: its RSS now, its
 * peak since a reset (VmHWM after `clear_refs` 5), and the peak of samples taken while something runs.
 */
import { readFile, writeFile } from 'node:fs/promises'

/** VmRSS and VmHWM of `pid`, in KiB. */
export async function memoryOf(pid: number): Promise<{ rssKb: number; hwmKb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
    if (!m?.[1]) throw new Error(`/proc/${pid}/status has no ${field}`)
    return Number(m[1])
  }
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') }
}

/** Resets the process's VmHWM to its current RSS (proc(5), clear_refs "5"), so a later VmHWM is this run's peak. */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5')
}

export interface RssSampler {
  /** Stops sampling: the largest and smallest VmRSS seen (KiB) and how many samples. */
  stop(): Promise<{ maxKb: number; minKb: number; samples: number }>
}

/** Samples VmRSS of `pid` every `everyMs` until stopped (the first sample is taken at once). */
export function sampleRss(pid: number, everyMs: number): RssSampler {
  let maxKb = 0
  let minKb = Number.POSITIVE_INFINITY
  let samples = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const { rssKb } = await memoryOf(pid)
      maxKb = Math.max(maxKb, rssKb)
      minKb = Math.min(minKb, rssKb)
      samples++
      await new Promise((r) => setTimeout(r, everyMs))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { maxKb, minKb, samples }
    },
  }
}
