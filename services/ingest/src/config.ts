import { streamLimitsConfig } from '@chargebus/bus'
import { commonConfig } from '@chargebus/platform'
import { type Static, Type } from 'typebox'

/**
 * Ingest's environment. Every variable has a default that works on a developer machine (`pnpm deps:up`);
 * the README's configuration table is rendered from this schema.
 */
export const IngestConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.telemetry,
  ...commonConfig.http({ port: 3200 }),
  ...commonConfig.database,
  ...commonConfig.nats,
  ...streamLimitsConfig,
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 2,
    maximum: 32,
    default: 4,
    description:
      'Postgres connections of the whole service (through pgbouncer): one per batch in flight, plus one for sweeps and the outbox.',
  }),
  INGEST_DURABLE: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    default: 'ingest',
    expected: 'a JetStream durable name',
    description: 'Durable consumer on OCPP_IN; instances sharing it share the work.',
  }),
  INGEST_FTP_DURABLE: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    default: 'ingest-ftp-meter-logs',
    expected: 'a JetStream durable name',
    description: 'Durable consumer on FTP of ftp.file.parsed (CSV meter-log rows into meter_values).',
  }),
  INGEST_DELIVER: Type.Union([Type.Literal('all'), Type.Literal('new')], {
    default: 'all',
    expected: 'all or new',
    description:
      "Where a new INGEST_DURABLE starts: all (the stream's first message) or new (only what arrives after it is created; a rebuild then gets history from `chargebus replay --into <durable>`). An existing durable keeps its position.",
  }),
  INGEST_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 5000,
    default: 500,
    description: 'Station messages written per Postgres transaction (at most).',
  }),
  INGEST_BATCH_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 10_000,
    default: 50,
    description: 'How long a batch waits for more messages after its first one.',
  }),
  INGEST_MAX_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 2,
    description:
      'Batches written at once; must be below DATABASE_POOL_SIZE (one connection stays for sweeps).',
  }),
  INGEST_MAX_DELIVER: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description: 'Deliveries before a message that keeps failing is dead-lettered (dlq.OCPP_IN.<durable>).',
  }),
  INGEST_ACK_WAIT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description:
      "JetStream redelivers a message not acked within this (a crashed instance's batch goes to another one).",
  }),
  INGEST_SWEEP_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 30_000,
    description:
      'Period of the sweeps: offline stations, overdue sessions, unpublished outbox events, KV mirror of id tags and registration decisions.',
  }),
  INGEST_SWEEP_MAX_BACKLOG: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 1000,
    description:
      'Offline and overdue detection wait while more station messages than this are stored and not yet written (a restart after downtime, a replay): until then the state describes the past.',
  }),
  INGEST_OFFLINE_AFTER_HEARTBEATS: Type.Number({
    minimum: 1,
    maximum: 100,
    default: 3,
    description:
      'A station is offline when nothing arrived for this many heartbeat intervals (the interval given at its boot).',
  }),
  INGEST_DEFAULT_HEARTBEAT_INTERVAL_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'Heartbeat interval assumed for stations whose boot ingest has not seen.',
  }),
  INGEST_CLOCK_SKEW_THRESHOLD_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description:
      'station.clock_skewed when a StatusNotification timestamp and receivedAt differ by more than this.',
  }),
  INGEST_SESSION_OVERDUE_S: Type.Integer({
    minimum: 60,
    maximum: 30 * 86_400,
    default: 86_400,
    description: 'session.overdue when a session has been open longer than this.',
  }),
  INGEST_PARTITION_CHECK_INTERVAL_MS: Type.Integer({
    minimum: 1000,
    maximum: 86_400_000,
    default: 3_600_000,
    description:
      'How often monthly partitions (previous, current and next month) of meter_values and status_events are ensured.',
  }),
})

export type IngestConfig = Static<typeof IngestConfig>
