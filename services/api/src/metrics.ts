import type { Database, Kysely } from '@chargebus/db'
import { createScrapeRead } from '@chargebus/platform'
import { Gauge, type Registry } from 'prom-client'
import { countCommandsByStatus, countStations } from './data-access/fleet-counts.ts'

/** Every status a command row can have: each is exported (0 included) so a rate over it never has gaps. */
const COMMAND_STATUSES = ['queued', 'sent', 'accepted', 'rejected', 'failed', 'expired'] as const

/**
 * The fleet gauges the API exports, read from Postgres at scrape time and cached `cacheMs` (default 10 s) so
 * several scrapers cost one query per interval; a read that fails or times out leaves the gauges empty rather
 * than failing `/metrics`.
 */
export function registerFleetMetrics(
  registry: Registry,
  db: Kysely<Database>,
  opts: { cacheMs?: number } = {},
): void {
  const cacheMs = opts.cacheMs ?? 10_000
  const stations = createScrapeRead(() => countStations(db), { reuseMs: cacheMs })
  const commands = createScrapeRead(() => countCommandsByStatus(db), { reuseMs: cacheMs })
  new Gauge({
    name: 'chargebus_stations',
    help: 'Stations by state: online (heard from within their heartbeat allowance), offline (marked by ingest), never_seen.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const read = await stations()
      this.reset()
      if (!read.ok) return
      const c = read.value
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
      const read = await commands()
      this.reset()
      if (!read.ok) return
      for (const status of COMMAND_STATUSES)
        this.set({ status }, read.value.find((r) => r.status === status)?.count ?? 0)
    },
  })
}
