/**
 * `--profile`: every measured run of every target profiled over the inspector, charged to named costs, and
 * summarized as each cost's median microseconds per request over the rounds, largest first.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Cost, type CpuProfile, costCenters } from './cost-centers.ts'
import type { Started } from './processes.ts'
import { median } from './stats.ts'
import { connectProfiler, INSPECT_FLAG, inspectorUrlIn, type WindowProfiler } from './window-profiler.ts'

export interface Profiling {
  /** `node` flags for the server processes. */
  readonly nodeArgs: string[]
  /** Connects to a started server's inspector. */
  attach(name: string, proc: Started): Promise<void>
  /** Brackets one measured run. */
  start(name: string): Promise<void>
  stop(name: string): Promise<void>
  /** Charges the run just stopped, scaled by the run's measured server CPU per request. */
  add(name: string, serverCpuUsPerRequest: number): void
  /** Per target: every cost's median µs/request over the rounds, largest first; null when not profiling. */
  summary(): Record<string, Cost[]> | null
  close(): void
}

/** `dir`: where each window's `.cpuprofile` is kept (`<target>-<n>.cpuprofile`), for profile-summary.ts or DevTools. */
export function createProfiling(enabled: boolean, dir: string): Profiling {
  const profilers = new Map<string, WindowProfiler>()
  const stopped = new Map<string, CpuProfile>()
  const runs = new Map<string, Cost[][]>()
  return {
    nodeArgs: enabled ? [INSPECT_FLAG] : [],
    async attach(name, proc) {
      if (!enabled) return
      const url = inspectorUrlIn(proc.tail())
      if (url === undefined) throw new Error(`${name}: no inspector address in its output:\n${proc.tail()}`)
      profilers.set(name, await connectProfiler(url))
    },
    async start(name) {
      await profilers.get(name)?.start()
    },
    async stop(name) {
      const profiler = profilers.get(name)
      if (profiler) stopped.set(name, await profiler.stop())
    },
    add(name, serverCpuUsPerRequest) {
      const profile = stopped.get(name)
      if (!profile) return
      stopped.delete(name)
      const done = runs.get(name) ?? []
      writeFileSync(join(dir, `${name}-${done.length + 1}.cpuprofile`), JSON.stringify(profile))
      runs.set(name, [...done, costCenters(profile, serverCpuUsPerRequest)])
    },
    summary() {
      if (!enabled) return null
      return Object.fromEntries([...runs].map(([name, perRun]) => [name, medianCosts(perRun)]))
    },
    close() {
      for (const p of profilers.values()) p.close()
    },
  }
}

/** Each cost's median over the runs (a run without the cost counts as 0), largest first. */
export function medianCosts(perRun: readonly Cost[][]): Cost[] {
  const names = new Set(perRun.flatMap((costs) => costs.map((c) => c.cost)))
  return [...names]
    .map((cost) => {
      const of = (pick: (c: Cost) => number) =>
        median(
          perRun.map((costs) =>
            pick(costs.find((c) => c.cost === cost) ?? { cost, share: 0, usPerRequest: 0 }),
          ),
        )
      return {
        cost,
        share: Math.round(1000 * of((c) => c.share)) / 1000,
        usPerRequest: Math.round(10 * of((c) => c.usPerRequest)) / 10,
      }
    })
    .sort((a, b) => b.usPerRequest - a.usPerRequest)
}
