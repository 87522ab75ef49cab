import type { Database, Kysely } from '@chargebus/db'
import { Gauge, type Registry } from 'prom-client'
import { countCommandsByStatus, countStations } from './data-access/fleet-counts.ts'

/** Every status a command row can have: each is exported (0 included) so a rate over it never has gaps. */
const COMMAND_STATUSES = ['queued', 'sent', 'accepted', 'rejected', 'failed', 'expired'] as const

/**
 * The fleet gauges the API exports, read from Postgres at scrape time and cached `cacheMs` (default 10 s) so
 * several scrapers cost one query per interval; a failed read leaves the gauges empty rather than failing
 * `/metrics`.
 */
export function registerFleetMetrics(
  registry: Registry,
  db: Kysely<Database>,
  opts: { cacheMs?: number } = {},
): void {
  const cacheMs = opts.cacheMs ?? 10_000
  const stations = cachedRead(cacheMs, () => countStations(db))
  const commands = cachedRead(cacheMs, () => countCommandsByStatus(db))
  new Gauge({
    name: 'chargebus_stations',
    help: 'Stations by state: online (heard from within their heartbeat allowance), offline (marked by ingest), never_seen.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const c = await stations()
      this.reset()
      if (c === undefined) return
      this.set({ state: 'online' }, c.online)
      this.set({ state: 'offline' }, c.offline)
      this.set({ state: 'never_seen' }, c.neverSeen)
    },
  })
  new Gauge({
    name: 'chargebus_commands',
    help: 'Commands to stations by status (queued, sent: open; accepted, rejected, failed, expired: final).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await commands()
      this.reset()
      if (rows === undefined) return
      for (const status of COMMAND_STATUSES)
        this.set({ status }, rows.find((r) => r.status === status)?.count ?? 0)
    },
  })
}

function cachedRead<T>(ms: number, read: () => Promise<T>): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined
  return () => {
    const at = performance.now()
    if (last === undefined || at - last.at > ms) last = { at, value: read().catch(() => undefined) }
    return last.value
  }
}
