import { createScrapeRead } from '@chargebus/platform'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { StreamArchiveStatus } from './status.ts'

/**
 * Registers `chargebus_archive_unarchived_ratio{stream}` (and its inputs) on `registry`, computed at each
 * scrape by `status` (JetStream + KV): the archiver and the API both export it, so the alert holds when the
 * archiver is down. A read that fails or times out leaves the gauges unset rather than failing `/metrics`.
 */
export function registerArchiveStatusMetrics(
  registry: Registry,
  status: () => Promise<readonly StreamArchiveStatus[]>,
): void {
  // One read per second, shared by the three gauges and by every scraper (the archiver's and the API's).
  const rows = createScrapeRead(status, { reuseMs: 1000 })
  const gauge = (name: string, help: string, value: (s: StreamArchiveStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['stream'] as const,
      registers: [registry],
      async collect() {
        const read = await rows()
        this.reset()
        if (read.ok) for (const s of read.value) this.set({ stream: s.stream }, value(s))
      },
    })
  gauge(
    'chargebus_archive_unarchived_ratio',
    'max(unarchived bytes / stream max_bytes, oldest unarchived age / max_age); at 1 the stream drops messages the archive lacks.',
    (s) => s.ratio,
  )
  gauge(
    'chargebus_archive_unarchived_messages',
    'Messages in the stream after the archived position.',
    (s) => s.unarchivedMessages,
  )
  gauge(
    'chargebus_archive_position',
    'Last stream sequence covered by an archive manifest.',
    (s) => s.archivedSeq,
  )
}

/** The archiver's own counters, per stream. */
export function createArchiverMetrics(registry: Registry) {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['stream'] as const, registers: [registry] })
  return {
    messages: counter(
      'chargebus_archive_messages_archived_total',
      'Messages archived by this process since it started.',
    ),
    lost: counter(
      'chargebus_archive_messages_lost_total',
      'Sequences that left the stream before they were archived, seen by this process.',
    ),
    conflicts: counter(
      'chargebus_archive_manifest_conflicts_total',
      'Batches another archiver committed first (a second archiver is running).',
    ),
    storedBytes: counter(
      'chargebus_archive_stored_bytes_total',
      'Compressed bytes stored by this process since it started.',
    ),
  }
}
export type ArchiverMetrics = ReturnType<typeof createArchiverMetrics>
