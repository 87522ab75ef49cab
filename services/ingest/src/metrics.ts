import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Ingest's Prometheus metrics, registered on the app's registry (`/metrics`). */
export function createIngestMetrics(registry: Registry) {
  const registers = [registry]
  return {
    messages: new Counter({
      name: 'ingest_messages_total',
      help: 'Station messages written (in committed batches), by action.',
      labelNames: ['action'] as const,
      registers,
    }),
    rows: new Counter({
      name: 'ingest_rows_written_total',
      help: 'Rows inserted or updated, by table (replayed duplicates are not counted).',
      labelNames: ['table'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'ingest_batch_size',
      help: 'Station messages per committed batch.',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'ingest_batch_duration_seconds',
      help: 'Time to map, write and commit one batch.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchFailures: new Counter({
      name: 'ingest_batch_failures_total',
      help: 'Batches that failed as a whole (then retried one message at a time by the bus, or redelivered).',
      registers,
    }),
    deadLetters: new Counter({
      name: 'ingest_dead_letters_total',
      help: 'Station messages dead-lettered (by the bus, for ingest), by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    eventsPublished: new Counter({
      name: 'ingest_events_published_total',
      help: 'Domain events published, by event.',
      labelNames: ['event'] as const,
      registers,
    }),
    outboxFailures: new Counter({
      name: 'ingest_outbox_publish_failures_total',
      help: 'Domain events whose publish failed (left in the outbox for the relay).',
      registers,
    }),
    lag: new Gauge({
      name: 'ingest_lag_seconds',
      help: 'Age (receivedAt to commit) of the newest message of the last committed batch.',
      registers,
    }),
    catchUpRunning: new Gauge({
      name: 'ingest_catchup_running',
      help: '1 while the start-up catch-up (outbox, offline, overdue, KV mirror) runs in the background, else 0.',
      registers,
    }),
    sweepRows: new Counter({
      name: 'ingest_sweep_rows_total',
      help: 'Rows handled by the sweeps, chunk by chunk, by step (outbox, offline, overdue, kv-mirror): the progress of the catch-up.',
      labelNames: ['step'] as const,
      registers,
    }),
    backlog: new Gauge({
      name: 'ingest_consumer_backlog_messages',
      help: 'Station messages stored and not yet written (pending plus unacked), at the last sweep.',
      registers,
    }),
  }
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>
