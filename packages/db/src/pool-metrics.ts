import type pg from 'pg'
import { Gauge, type Registry } from 'prom-client'

/** Where a pool reports (`CreateDbOptions.metrics`). */
export interface PoolMetricsOptions {
  registry: Registry
  /** The `pool` label: which of the process's pools (default `main`). */
  pool?: string
}

/** Pools per registry: one set of gauges reads them all, so a second pool does not register the names twice. */
const poolsByRegistry = new WeakMap<Registry, Map<string, pg.Pool>>()

/**
 * Exports the pool's state at scrape time (pg's own counters, no query): connections in use and idle
 * (`chargebus_db_pool_connections{pool,state}`), callers waiting for one (`chargebus_db_pool_waiting`) and
 * the pool's size (`chargebus_db_pool_max`). Waiting above zero for long means the pool is the bottleneck.
 *
 * ### Examples
 * ```ts
 * registerPoolMetrics(new pg.Pool({ max: 2 }), { registry: app.metrics, pool: 'export' })
 * ```
 */
export function registerPoolMetrics(pool: pg.Pool, opts: PoolMetricsOptions): void {
  const name = opts.pool ?? 'main'
  let pools = poolsByRegistry.get(opts.registry)
  if (pools === undefined) {
    const all = new Map<string, pg.Pool>()
    pools = all
    poolsByRegistry.set(opts.registry, all)
    const registers = [opts.registry]
    new Gauge({
      name: 'chargebus_db_pool_connections',
      help: 'Postgres connections of the pool, by state: in_use (checked out), idle.',
      labelNames: ['pool', 'state'] as const,
      registers,
      collect() {
        for (const [label, p] of all) {
          this.set({ pool: label, state: 'in_use' }, p.totalCount - p.idleCount)
          this.set({ pool: label, state: 'idle' }, p.idleCount)
        }
      },
    })
    new Gauge({
      name: 'chargebus_db_pool_waiting',
      help: 'Queries waiting for a free connection of the pool.',
      labelNames: ['pool'] as const,
      registers,
      collect() {
        for (const [label, p] of all) this.set({ pool: label }, p.waitingCount)
      },
    })
    new Gauge({
      name: 'chargebus_db_pool_max',
      help: 'Connections the pool may open (its share of the pgbouncer budget).',
      labelNames: ['pool'] as const,
      registers,
      collect() {
        for (const [label, p] of all) this.set({ pool: label }, p.options.max ?? 10)
      },
    })
  }
  // A later pool of the same name (a restarted dependency) replaces the ended one.
  pools.set(name, pool)
}
