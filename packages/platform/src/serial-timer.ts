/** A pass that runs now and then, never two at once. */
export interface SerialTimer<T> {
  /** Runs a pass after the one in progress (if any); resolves with its result. */
  runNow(): Promise<T>
  /** Runs a pass at once, then one `intervalMs` after each pass ends. */
  start(): void
  /** No more passes; resolves once the one in progress ended. */
  stop(): Promise<void>
  /** True between `stop()` and the next `start()`: a long pass may stop early. */
  stopped(): boolean
}

/**
 * The timer behind a service's sweeps: passes are serialized (a slow pass delays the next instead of
 * overlapping it), a failed pass does not stop the schedule (the pass logs its own errors), and the timer never
 * keeps the process alive.
 *
 * ### Examples
 * ```ts
 * const sweeps = createSerialTimer(() => sweep(db), 30_000)
 * sweeps.start()
 * await sweeps.runNow() // tests: one pass, in line with the schedule
 * await sweeps.stop()
 * ```
 */
export function createSerialTimer<T>(pass: () => Promise<T>, intervalMs: number): SerialTimer<T> {
  let timer: NodeJS.Timeout | undefined
  let last: Promise<unknown> = Promise.resolve()
  let stopped = false

  function runNow(): Promise<T> {
    const next = last.then(pass)
    last = next.catch(() => {})
    return next
  }

  function schedule(ms: number): void {
    if (stopped) return
    timer = setTimeout(() => {
      void runNow()
        .catch(() => {})
        .finally(() => schedule(intervalMs))
    }, ms)
    timer.unref()
  }

  return {
    runNow,
    start() {
      stopped = false
      schedule(0)
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await last
    },
    stopped: () => stopped,
  }
}
