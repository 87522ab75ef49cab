import type { Bus, Consumption } from '@chargebus/bus'
import { FtpFileReceived, Streams } from '@chargebus/events'
import { type ParseMeterLogDeps, parseMeterLog } from '../../parse-meter-log.ts'

export interface MeterLogConsumerOptions extends ParseMeterLogDeps {
  bus: Bus
  durable: string
  maxInFlight: number
  /** A test's callback per handled file; the service passes nothing. */
  onParsed?: (outcome: Awaited<ReturnType<typeof parseMeterLog>>) => void
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
      if (outcome.status !== 'skipped')
        log.debug({ fileId: event.data.fileId, ...outcome }, 'meter log handled')
      opts.onParsed?.(outcome)
    },
  })
}
