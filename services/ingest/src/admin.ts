/**
 * Ingest's admin export, the one entry point tools may use: its consumer handlers, so that `chargebus events
 * invoke ingest <consumer>` runs the SAME code the service's JetStream consumers run, without the bus.
 */
import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { type AnyEventDefinition, FtpFileParsed, OcppMessageReceived } from '@chargebus/events'
import { type Clock, type Env, loadConfig, systemClock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { IngestConfig } from './config.ts'
import {
  createFtpMeterLogHandler,
  FTP_METER_LOG_BATCH_SIZE,
} from './entry-points/consumers/ftp-meter-logs.ts'
import { createStationMessageHandler } from './entry-points/consumers/station-messages.ts'
import { createIngestMetrics } from './metrics.ts'

/** What a tool gives a handler: the environment (the service's config is read from it), a pool, a publisher. */
export interface HandlerDeps {
  env: Env
  db: Kysely<Database>
  /** Where the handler's events go (the bus in the service; a printer in `events invoke`). */
  publisher: Pick<Bus, 'publish'>
  logger: Logger
  clock?: Clock
}

/** One consumer of the service: which events it takes, its batch size, and its handler. */
export interface ConsumerHandler {
  description: string
  /** The events the consumer decodes (others on its stream are skipped by the bus). */
  events: readonly AnyEventDefinition[]
  /** Messages per handler call, as the service's consumer batches them (`INGEST_BATCH_SIZE`). */
  batchSize(env: Env): number
  create(deps: HandlerDeps): (batch: readonly { data: unknown }[]) => Promise<void>
}

/** Every consumer of ingest, by the name `events invoke` takes. */
export const consumerHandlers: Readonly<Record<string, ConsumerHandler>> = {
  'station-messages': {
    description:
      'ocpp.in.> (OcppMessageReceived) into the operational tables, domain events through the outbox',
    events: [OcppMessageReceived],
    batchSize: (env) => loadConfig(IngestConfig, env).INGEST_BATCH_SIZE,
    create({ env, db, publisher, logger, clock }) {
      const config = loadConfig(IngestConfig, env)
      const handler = createStationMessageHandler({
        db,
        publisher,
        logger,
        // Metrics of their own: nothing scrapes a tool, the handler only needs somewhere to count.
        metrics: createIngestMetrics(new Registry()),
        rules: { clockSkewThresholdMs: config.INGEST_CLOCK_SKEW_THRESHOLD_S * 1000 },
        clock: clock ?? systemClock,
      })
      return (batch) => handler(batch.map((e) => ({ data: OcppMessageReceived.parse(e.data) })))
    },
  },
  'ftp-meter-logs': {
    description:
      'ftp.file.parsed (FtpFileParsed, CSV meter-log rows) into meter_values, meter.sampled for new rows through the outbox',
    events: [FtpFileParsed],
    batchSize: () => FTP_METER_LOG_BATCH_SIZE,
    create({ db, publisher, logger }) {
      const handler = createFtpMeterLogHandler({
        db,
        publisher,
        logger,
        metrics: createIngestMetrics(new Registry()),
      })
      return (batch) => handler(batch.map((e) => ({ data: FtpFileParsed.parse(e.data) })))
    },
  },
}
