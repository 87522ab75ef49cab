/**
 * CPU profiles of a server process over exactly one measured run: the process is started with
 * `--inspect=127.0.0.1:0` and the bench drives V8's profiler over the inspector protocol, so start-up, boot and
 * warm-up never enter the figures (`node --cpu-prof` profiles the whole life of the process).
 */
import type { CpuProfile } from './cost-centers.ts'

/** The `node` flag that opens the inspector on a free loopback port. */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0'

const LISTENING = /Debugger listening on (ws:\/\/\S+)/

export interface WindowProfiler {
  start(): Promise<void>
  stop(): Promise<CpuProfile>
  close(): void
}

/** The inspector's WebSocket address from the process's output, or undefined before it printed it. */
export function inspectorUrlIn(output: string): string | undefined {
  return LISTENING.exec(output)?.[1]
}

/**
 * Connects to a process's inspector. `start`/`stop` bracket one measured run; each `stop` returns that window's
 * profile.
 *
 * ### Examples
 * ```ts
 * const profiler = await connectProfiler(inspectorUrlIn(proc.tail()))
 * await profiler.start(); await runLoad(...); const profile = await profiler.stop()
 * ```
 */
export async function connectProfiler(url: string, samplingIntervalUs = 1000): Promise<WindowProfiler> {
  const ws = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new Error(`inspector at ${url}: connection failed`)), {
      once: true,
    })
  })
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as {
      id?: number
      result?: unknown
      error?: { message: string }
    }
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id)
    if (!waiter || msg.id === undefined) return
    pending.delete(msg.id)
    if (msg.error) waiter.reject(new Error(`inspector: ${msg.error.message}`))
    else waiter.resolve(msg.result)
  })
  const call = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      ws.send(JSON.stringify({ id, method, params }))
    })
  await call('Profiler.enable')
  await call('Profiler.setSamplingInterval', { interval: samplingIntervalUs })
  return {
    start: () => call('Profiler.start'),
    stop: async () => (await call<{ profile: CpuProfile }>('Profiler.stop')).profile,
    close: () => ws.close(),
  }
}
