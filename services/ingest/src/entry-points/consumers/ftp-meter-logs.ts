import type { Bus, Consumption, ReceivedEvent } from '@chargebus/bus'
import { type Database, isRetryableWrite, type Kysely } from '@chargebus/db'
import { FtpFileParsed, Streams } from '@chargebus/events'
import type { Logger } from 'pino'
import { insertNewMeterSamples } from '../../data-access/batch-store.ts'
import { addToOutbox, publishCommitted } from '../../data-access/outbox.ts'
import {
  dedupeSamples,
  meterLogSampledEvents,
  samplesOfMeterLog,
} from '../../domain/batch/meter-log-samples.ts'
import type { IngestMetrics } from '../../metrics.ts'
import { isInfrastructureError } from './station-messages.ts'

/** Parts per transaction (a part holds up to 1,000 rows). */
export const FTP_METER_LOG_BATCH_SIZE = 5

export interface FtpMeterLogHandlerDeps {
  db: Kysely<Database>
  publisher: Pick<Bus, 'publish'>
  logger: Logger
  metrics: IngestMetrics
}

export interface FtpMeterLogConsumerOptions extends FtpMeterLogHandlerDeps {
  bus: Bus
  durable: string
  maxDeliver: number
  ackWaitMs: number
}

/** A batch as the handler reads it: consumed `ReceivedEvent`s, or plain `{ data }` (`events invoke`). */
export type FtpMeterLogBatch = readonly Pick<ReceivedEvent<typeof FtpFileParsed>, 'data'>[]

/**
 * The handler of `ftp.file.parsed` parts: their rows into `meter_values` in ONE transaction (content-keyed, ON
 * CONFLICT DO NOTHING), and `meter.sampled` through the outbox for the rows that were new, published after
 * commit. A redelivered part, a re-uploaded file or an overlapping one inserts and publishes nothing again.
 */
export function createFtpMeterLogHandler(
  deps: FtpMeterLogHandlerDeps,
): (batch: FtpMeterLogBatch) => Promise<void> {
  const { db, publisher, metrics } = deps
  const log = deps.logger.child({ component: 'ftp-meter-logs' })
  return async function ingest(batch) {
    const started = performance.now()
    const samples = dedupeSamples(batch.flatMap((e) => samplesOfMeterLog(e.data)))
    const { inserted, outbox } = await db.transaction().execute(async (trx) => {
      const inserted = await insertNewMeterSamples(trx, samples)
      const outbox = await addToOutbox(trx, meterLogSampledEvents(inserted))
      return { inserted, outbox }
    })
    metrics.batchDuration.observe((performance.now() - started) / 1000)
    metrics.messages.inc({ action: 'FtpMeterLog' }, batch.length)
    if (inserted.length > 0) metrics.rows.inc({ table: 'meter_values' }, inserted.length)
    await publishCommitted({ db, publisher, metrics, log }, outbox)
  }
}

/**
 * The consumer of `ftp.file.parsed` (stream FTP): small batches (a part holds up to 1,000 rows), acked after
 * commit; a failing part is retried alone (`isolateFailures`) and dead-lettered alone.
 */
export function startFtpMeterLogConsumer(opts: FtpMeterLogConsumerOptions): Promise<Consumption> {
  const { metrics } = opts
  return opts.bus.consume({
    stream: Streams.FTP,
    durable: opts.durable,
    events: FtpFileParsed,
    batchSize: FTP_METER_LOG_BATCH_SIZE,
    batchWaitMs: 20,
    maxInFlight: 1,
    maxDeliver: opts.maxDeliver,
    ackWaitMs: opts.ackWaitMs,
    batchHandler: createFtpMeterLogHandler(opts),
    isolateFailures: { isInfrastructureError },
    isRetryable: isRetryableWrite,
    onBatchFailure: () => metrics.batchFailures.inc(),
    onDeadLetter: (record) => metrics.deadLetters.inc({ reason: record.reason }),
  })
}
