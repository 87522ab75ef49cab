import type { Bus, Consumption } from '@chargebus/bus'
import { FtpFileReceived, Streams } from '@chargebus/events'
import type { FtpIngestMetrics } from '../../metrics.ts'
import { type ParseMeterLogDeps, parseMeterLog } from '../../parse-meter-log.ts'

export interface MeterLogConsumerOptions extends ParseMeterLogDeps {
  bus: Bus
  durable: string
  maxInFlight: number
  metrics: FtpIngestMetrics
}

/**
 * The consumer of `ftp.file.received` that parses meter logs (`parseMeterLog`): one file per handler call, at most
 * `maxInFlight` at once, acked after the outcome is published and recorded. A storage, NATS or Postgres failure
 * is retried with the bus's backoff, then dead-lettered; a bad file is not a failure (it is rejected and acked).
 */
export function startMeterLogConsumer(opts: MeterLogConsumerOptions): Promise<Consumption> {
  const log = opts.logger.child({ component: 'meter-logs' })
  const deps = { ...opts, logger: log }
  return opts.bus.consume({
    stream: Streams.FTP,
    durable: opts.durable,
    events: FtpFileReceived,
    maxInFlight: opts.maxInFlight,
    // Each file is read twice; a 256 MiB file takes a while on a slow store.
    ackWaitMs: 120_000,
    async handler(event) {
      const outcome = await parseMeterLog(deps, event.data)
      opts.metrics.meterLogs.inc({ outcome: outcome.status === 'skipped' ? outcome.why : outcome.status })
      if (outcome.status === 'skipped') return
      if (outcome.status === 'parsed') opts.metrics.meterLogRows.inc(outcome.rows)
      log.debug({ fileId: event.data.fileId, ...outcome }, 'meter log handled')
    },
  })
}
