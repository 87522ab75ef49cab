import { streamLimitsConfig } from '@chargebus/bus'
import { commonConfig } from '@chargebus/platform'
import { type Static, Type } from 'typebox'

/**
 * The aggregator's environment. Every variable has a default that works on a developer machine
 * (`pnpm deps:up`); the README's configuration table is rendered from this schema.
 */
export const AggregatorConfig = Type.Object({
  ...commonConfig.logging,
  ...commonConfig.telemetry,
  ...commonConfig.http({ port: 3300 }),
  ...commonConfig.database,
  ...commonConfig.nats,
  ...streamLimitsConfig,
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 2,
    maximum: 16,
    default: 3,
    description:
      'Postgres connections of the whole service (through pgbouncer): one per batch in flight (AGGREGATOR_MAX_IN_FLIGHT) and one for the connector-time timer.',
  }),
  AGGREGATOR_TIME_ZONE: Type.String({
    minLength: 1,
    default: 'UTC',
    expected: 'an IANA time zone name',
    description:
      "The network's zone for local days and months (stations.time_zone overrides it per station). Changing it moves an entity's local cells when the entity is next touched; a rebuild moves them all.",
  }),
  AGGREGATOR_DURABLE: Type.String({
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    default: 'aggregator',
    expected: 'a JetStream durable name',
    description: 'Durable consumer on DOMAIN; instances sharing it share the work.',
  }),
  AGGREGATOR_DELIVER: Type.Union([Type.Literal('all'), Type.Literal('new')], {
    default: 'all',
    expected: 'all or new',
    description:
      "Where a new AGGREGATOR_DURABLE starts: all (the stream's first message) or new (then history comes from `chargebus replay --into <durable>`). An existing durable keeps its position.",
  }),
  AGGREGATOR_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 5000,
    default: 500,
    description: 'Domain events applied per Postgres transaction (at most).',
  }),
  AGGREGATOR_MAX_IN_FLIGHT: Type.Integer({
    minimum: 1,
    maximum: 8,
    default: 2,
    description:
      'Batches applied at once, each in its own transaction: two keep Postgres busy while the next batch is prepared (about 1.3x on 2 cores). Entities and cells are locked in one order, so they never deadlock.',
  }),
  AGGREGATOR_BATCH_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 10_000,
    default: 50,
    description: 'How long a batch waits for more events after its first one.',
  }),
  AGGREGATOR_MAX_DELIVER: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description: 'Deliveries before an event that keeps failing is dead-lettered (dlq.DOMAIN.<durable>).',
  }),
  AGGREGATOR_ACK_WAIT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description: 'JetStream redelivers an event not acked within this.',
  }),
  AGGREGATOR_ADVANCE_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 60_000,
    description:
      "Period of the timer that books connector time up to now (a connector's last status holds until the next one).",
  }),
  AGGREGATOR_ADVANCE_BATCH: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 200,
    description: 'Connectors advanced per transaction by the timer.',
  }),
})

export type AggregatorConfig = Static<typeof AggregatorConfig>
