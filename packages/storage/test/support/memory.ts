import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** How far memory grew above where it was when the work began, at its highest. */
export interface MemoryGrowth {
  /** Resident set size. */
  readonly rss: number
  /** Live JavaScript heap and Buffers: what the work holds, garbage left out. */
  readonly live: number
}

// V8 frees garbage when it likes, so a streaming put leaves chunks behind that nothing holds any more. A full
// collection before each sample frees them, including multipart parts that lived long enough to be promoted
// to the old generation (a young-only collection left those, and a CI run saw 44 MiB of such garbage): the
// samples measure what the put holds, not what the collector has yet to free. Full collections are cheap only
// in a small heap: run this in a process of its own (memory-probe-main.ts), never in a jest worker.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as (options?: { type: 'major' }) => void

function sample(): MemoryGrowth {
  collectGarbage({ type: 'major' })
  const usage = process.memoryUsage()
  return { rss: usage.rss, live: usage.heapUsed + usage.external }
}

/**
 * Runs `work`, sampling memory every 20 ms after collecting garbage: a put that buffered its body
 * would grow by about the body's size.
 *
 * ### Examples
 * ```ts
 * const growth = await peakMemoryGrowth(() => storage.put('k', randomBody(20 * MIB).stream))
 * expect(growth.live).toBeLessThan(8 * MIB)
 * ```
 */
export async function peakMemoryGrowth(work: () => Promise<unknown>): Promise<MemoryGrowth> {
  const baseline = sample()
  let peak = baseline
  const keepPeak = () => {
    const now = sample()
    peak = { rss: Math.max(peak.rss, now.rss), live: Math.max(peak.live, now.live) }
  }
  const sampler = setInterval(keepPeak, 20)
  try {
    await work()
  } finally {
    clearInterval(sampler)
  }
  keepPeak()
  return { rss: peak.rss - baseline.rss, live: peak.live - baseline.live }
}
