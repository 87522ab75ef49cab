import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The aggregator's Prometheus metrics, registered on the app's registry (`/metrics`). */
export function createAggregatorMetrics(registry: Registry) {
  const registers = [registry]
  return {
    events: new Counter({
      name: 'aggregator_events_applied_total',
      help: 'Domain events applied (in committed batches), by event; duplicates included.',
      labelNames: ['event'] as const,
      registers,
    }),
    entitiesChanged: new Counter({
      name: 'aggregator_entities_changed_total',
      help: 'Sessions and connectors whose facts changed (a duplicate event changes none).',
      registers,
    }),
    deltas: new Counter({
      name: 'aggregator_cell_deltas_total',
      help: 'Rollup cells changed (non-zero deltas upserted), by source: events or the connector-time timer.',
      labelNames: ['source'] as const,
      registers,
    }),
    batchDuration: new Histogram({
      name: 'aggregator_batch_duration_seconds',
      help: 'Time to lock, merge, upsert and commit one batch.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchFailures: new Counter({
      name: 'aggregator_batch_failures_total',
      help: 'Batches that failed as a whole (retried one event at a time by the bus, or redelivered).',
      registers,
    }),
    deadLetters: new Counter({
      name: 'aggregator_dead_letters_total',
      help: 'Domain events dead-lettered, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'aggregator_lag_seconds',
      help: 'Age (stored in DOMAIN to committed here) of the newest event of the last committed batch.',
      registers,
    }),
    backlog: new Gauge({
      name: 'aggregator_consumer_backlog_messages',
      help: 'Domain events stored and not yet applied (pending plus unacked, replay lane included), at the last timer tick.',
      registers,
    }),
    updatesPublished: new Counter({
      name: 'aggregator_updates_published_total',
      help: 'aggregate.updated events published (one per station per batch).',
      registers,
    }),
    invalidZones: new Counter({
      name: 'aggregator_invalid_time_zones_total',
      help: 'Entities bucketed in the network zone because their station has a time zone that is not an IANA name.',
      registers,
    }),
  }
}

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>
