/**
 * V8 CPU profiles of one phase of this process (`--profile DIR`): the aggregator runs inside the bench, so the
 * inspector's in-process session brackets exactly a drain or a rebuild. Each profile is written to DIR (open it in
 * Chrome DevTools) and its top functions by self time go to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import type { CpuProfile } from '../../gateway/src/cost-centers.ts'

export interface PhaseProfiler {
  around<T>(phase: string, work: () => Promise<T>): Promise<T>
}

/** Self time per function (name, file and line) as a share of the busy samples, the largest first. */
export function topSelfTimes(profile: CpuProfile, count: number): { fn: string; share: number }[] {
  const byFunction = new Map<string, number>()
  let busy = 0
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const hits = node.hitCount ?? 0
    if (functionName === '(idle)' || hits === 0) continue
    busy += hits
    const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits)
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, n]) => ({ fn, share: n / busy }))
}

/** A profiler that does nothing when `dir` is undefined. */
export function createPhaseProfiler(dir: string | undefined, log: (line: string) => void): PhaseProfiler {
  if (dir === undefined) return { around: (_phase, work) => work() }
  mkdirSync(dir, { recursive: true })
  return {
    async around(phase, work) {
      const session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 1000 })
      await session.post('Profiler.start')
      try {
        return await work()
      } finally {
        const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile }
        session.disconnect()
        const file = join(dir, `${phase.replace(/\W+/g, '-')}.cpuprofile`)
        writeFileSync(file, JSON.stringify(profile))
        log(`profile of ${phase}: ${file}`)
        for (const { fn, share } of topSelfTimes(profile, 15)) log(`  ${(share * 100).toFixed(1)}% ${fn}`)
      }
    },
  }
}
