import type { ServiceName } from './environments.ts'

/**
 * The Prometheus metrics (from each service's /metrics, documented in the packages' READMEs) that reach
 * CloudWatch, with the labels that become dimensions. One list feeds both the CloudWatch agent's EMF
 * declarations (who publishes) and the dashboard, alarms and lag autoscaling (who reads), so they cannot drift.
 */
export const EXPORTED_METRICS = [
  { name: 'chargebus_bus_consumer_pending_messages', dimensions: ['stream', 'durable'] },
  { name: 'chargebus_bus_consumer_lag_seconds', dimensions: ['stream', 'durable'] },
  { name: 'chargebus_bus_consumed_total', dimensions: ['service', 'outcome'] },
  { name: 'chargebus_bus_redeliveries_total', dimensions: ['service'] },
  { name: 'chargebus_bus_stream_usage_ratio', dimensions: ['stream'] },
  { name: 'chargebus_bus_stream_messages', dimensions: ['stream'] },
  { name: 'chargebus_stations', dimensions: ['state'] },
  { name: 'chargebus_archive_unarchived_ratio', dimensions: ['stream'] },
  { name: 'chargebus_db_pool_waiting', dimensions: ['service'] },
  // Not error_code: any code may come, and an alarm names its dimensions' values in advance.
  { name: 'aggregator_rebuild_last_outcome', dimensions: ['outcome'] },
  { name: 'ocpp_gateway_requests_total', dimensions: ['outcome'] },
  // outcome (answered, error, shed), not status_code: a shed 503 is back-pressure, a genuine one an error.
  { name: 'http_request_duration_seconds_count', dimensions: ['service', 'outcome'] },
] as const

export type ExportedMetric = (typeof EXPORTED_METRICS)[number]['name']

/** Streams whose usage and archive lag are alarmed on (packages/events' catalog). */
export const STREAMS = ['OCPP_IN', 'DOMAIN', 'COMMANDS', 'FTP', 'AGGREGATES', 'DEAD_LETTERS'] as const
/** Streams the archiver copies (services/archiver ARCHIVE_STREAMS default). */
export const ARCHIVED_STREAMS = ['OCPP_IN', 'DOMAIN', 'COMMANDS', 'FTP', 'DEAD_LETTERS'] as const

/** The durable consumers a service runs, by stream: what its lag autoscaling and lag alarms watch. */
export const CONSUMERS: Partial<Record<ServiceName, { stream: string; durable: string }[]>> = {
  ingest: [
    { stream: 'OCPP_IN', durable: 'ingest' },
    { stream: 'FTP', durable: 'ingest-ftp-meter-logs' },
  ],
  aggregator: [{ stream: 'DOMAIN', durable: 'aggregator' }],
}

/** CloudWatch namespace of one environment's service metrics. */
export function metricNamespace(envName: string): string {
  return `Chargebus/${envName}`
}
