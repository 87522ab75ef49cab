import { ScrapeReadTimeoutError } from './errors.ts'

/** What a scrape got from its read: the value, or why there is none (the read failed or timed out). */
export type ScrapeResult<T> = { ok: true; value: T } | { ok: false; error: unknown }

export interface ScrapeReadOptions {
  /**
   * How long a result answers later scrapes, from when it came (default 0: each scrape reads, the
   * gauges of one scrape share the read). Many scrapers then cost one read per interval.
   */
  reuseMs?: number
  /**
   * How long a scrape waits for the read (default 2000 ms, well below Prometheus' 10 s scrape timeout): past
   * it the scrape gets `ScrapeReadTimeoutError` and `/metrics` answers without the value. The read is not
   * abandoned: the next scrape waits for the same one (no pile of reads on a stuck pool), and a late
   * success is kept for the next scrape.
   */
  timeoutMs?: number
  /** Called once for each scrape whose read failed or timed out (count it, log it). */
  onError?: (error: unknown) => void
  /** Monotonic milliseconds; default `performance.now()` (tests pass their own). */
  now?: () => number
}

/**
 * The I/O behind gauges computed at scrape time (a query, a JetStream info call), read once per scrape:
 * the `collect` callbacks of one scrape (prom-client runs them at once) share one pending read, a result
 * is reused for `reuseMs`, and a read that fails or exceeds `timeoutMs` is reported as such
 * (`{ ok: false }`, `onError` once) instead of failing or stalling `/metrics`. It never rejects.
 *
 * ### Examples
 * ```ts
 * const counts = createScrapeRead(() => countStations(db), { reuseMs: 10_000 })
 * new Gauge({
 *   name: 'chargebus_stations', help: '…', labelNames: ['state'], registers: [registry],
 *   async collect() {
 *     const read = await counts()
 *     this.reset() // a failed read: no series rather than stale ones
 *     if (read.ok) this.set({ state: 'online' }, read.value.online)
 *   },
 * })
 * ```
 */
export function createScrapeRead<T>(
  read: () => Promise<T>,
  options: ScrapeReadOptions = {},
): () => Promise<ScrapeResult<T>> {
  const reuseMs = options.reuseMs ?? 0
  const timeoutMs = options.timeoutMs ?? 2000
  const now = options.now ?? (() => performance.now())
  let running: Promise<T> | undefined
  let waiting: Promise<ScrapeResult<T>> | undefined
  let last: { at: number; result: ScrapeResult<T> } | undefined

  const remember = (result: ScrapeResult<T>) => {
    last = { at: now(), result }
    return result
  }

  /** The read in progress, or a new one; its outcome is remembered whenever it comes. */
  const current = (): Promise<T> => {
    if (running !== undefined) return running
    const started = read()
    running = started
    started.then(
      (value) => remember({ ok: true, value }),
      () => {},
    )
    started
      .finally(() => {
        running = undefined
      })
      .catch(() => {})
    return started
  }

  /** One scrape's wait: the read's outcome or a timeout, reported once. */
  const wait = async (): Promise<ScrapeResult<T>> => {
    let timer: NodeJS.Timeout | undefined
    try {
      const value = await Promise.race([
        current(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ScrapeReadTimeoutError(timeoutMs)), timeoutMs)
          timer.unref()
        }),
      ])
      return { ok: true, value }
    } catch (error) {
      options.onError?.(error)
      return remember({ ok: false, error })
    } finally {
      clearTimeout(timer)
      waiting = undefined
    }
  }

  return () => {
    if (waiting !== undefined) return waiting
    if (last !== undefined && now() - last.at < reuseMs) return Promise.resolve(last.result)
    waiting = wait()
    return waiting
  }
}
