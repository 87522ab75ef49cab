import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import type { Logger } from 'pino'
import type { Applier } from '../../apply-and-publish.ts'
import { connectorsBehind } from '../../data-access/entities-store.ts'
import type { AggregatorMetrics } from '../../metrics.ts'

export interface AdvanceTimerOptions {
  db: Kysely<Database>
  bus: Bus
  apply: Applier
  logger: Logger
  metrics: AggregatorMetrics
  durable: string
  intervalMs: number
  batch: number
}

export interface AdvanceTimer {
  /**
   * One pass: books every connector's time up to the applier's horizon (the clock's now once the consumer is
   * caught up); resolves with the connectors advanced.
   */
  runOnce(): Promise<number>
  start(): void
  stop(): Promise<void>
}

/**
 * Connector time needs "now": a connector's last status holds until the next one arrives. Every `intervalMs`
 * this books each connector's window up to the applier's horizon (the injected clock's now when the consumer has
 * no backlog), `batch` connectors per transaction
 * (through the same rule as events: contribution(after) - contribution(before)). It also samples the
 * consumer's backlog for /metrics.
 */
export function createAdvanceTimer(opts: AdvanceTimerOptions): AdvanceTimer {
  const { db, bus, apply, logger, metrics } = opts
  const log = logger.child({ component: 'advance-connectors' })
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()
  let stopped = false

  async function runOnce(): Promise<number> {
    const backlog = await bus.consumerBacklog(Streams.DOMAIN, opts.durable).catch(() => undefined)
    if (backlog !== undefined) metrics.backlog.set(backlog.pending + backlog.ackPending)
    const caughtUp = backlog !== undefined && backlog.pending + backlog.ackPending === 0
    const bookTo = apply.horizon(caughtUp)
    if (bookTo === undefined) return 0
    let advanced = 0
    for (;;) {
      if (stopped) break
      const keys = await connectorsBehind(db, new Date(bookTo), opts.batch)
      if (keys.length === 0) break
      await apply.advance(keys, bookTo, `advance/${new Date(bookTo).toISOString()}/${advanced}`)
      advanced += keys.length
    }
    return advanced
  }

  function tick(): void {
    running = runOnce()
      .catch((err) => log.warn({ err }, 'advancing connector time failed; the next tick retries'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs)
      })
  }

  return {
    runOnce,
    start() {
      stopped = false
      timer = setTimeout(tick, opts.intervalMs)
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
    },
  }
}
