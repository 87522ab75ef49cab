import { Counter, Gauge, type Registry } from 'prom-client'
import type { StreamArchiveStatus } from './status.ts'

/**
 * Registers `chargebus_archive_unarchived_ratio{stream}` (and its inputs) on `registry`, computed at each
 * scrape by `status` (JetStream + KV): the archiver and the API both export it, so the alert holds when the
 * archiver is down. A failing scrape leaves the gauges unset rather than failing `/metrics`.
 */
export function registerArchiveStatusMetrics(
  registry: Registry,
  status: () => Promise<readonly StreamArchiveStatus[]>,
): void {
  const registers = [registry]
  const unarchivedMessages = new Gauge({
    name: 'chargebus_archive_unarchived_messages',
    help: 'Messages in the stream after the archived position.',
    labelNames: ['stream'] as const,
    registers,
  })
  const archivedSeq = new Gauge({
    name: 'chargebus_archive_position',
    help: 'Last stream sequence covered by an archive manifest.',
    labelNames: ['stream'] as const,
    registers,
  })
  new Gauge({
    name: 'chargebus_archive_unarchived_ratio',
    help: 'max(unarchived bytes / stream max_bytes, oldest unarchived age / max_age); at 1 the stream drops messages the archive lacks.',
    labelNames: ['stream'] as const,
    registers,
    async collect() {
      this.reset()
      unarchivedMessages.reset()
      archivedSeq.reset()
      let rows: readonly StreamArchiveStatus[]
      try {
        rows = await status()
      } catch {
        return
      }
      for (const s of rows) {
        this.set({ stream: s.stream }, s.ratio)
        unarchivedMessages.set({ stream: s.stream }, s.unarchivedMessages)
        archivedSeq.set({ stream: s.stream }, s.archivedSeq)
      }
    },
  })
}

/** The archiver's own counters. */
export function createArchiverMetrics(registry: Registry) {
  const registers = [registry]
  return {
    messages: new Counter({
      name: 'chargebus_archive_messages_archived_total',
      help: 'Messages archived by this process since it started.',
      labelNames: ['stream'] as const,
      registers,
    }),
    lost: new Counter({
      name: 'chargebus_archive_messages_lost_total',
      help: 'Sequences that left the stream before they were archived, seen by this process.',
      labelNames: ['stream'] as const,
      registers,
    }),
    conflicts: new Counter({
      name: 'chargebus_archive_manifest_conflicts_total',
      help: 'Batches another archiver committed first (a second archiver is running).',
      labelNames: ['stream'] as const,
      registers,
    }),
    storedBytes: new Counter({
      name: 'chargebus_archive_stored_bytes_total',
      help: 'Compressed bytes stored by this process since it started.',
      labelNames: ['stream'] as const,
      registers,
    }),
  }
}
export type ArchiverMetrics = ReturnType<typeof createArchiverMetrics>
