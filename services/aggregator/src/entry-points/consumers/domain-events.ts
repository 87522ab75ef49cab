import { type Bus, type Consumption, isBusError, type ReceivedEvent } from '@chargebus/bus'
import { isDatabaseOutage, isRetryableWrite } from '@chargebus/db'
import {
  ConnectorStatusChanged,
  ConnectorStatusRecorded,
  MeterSampled,
  SessionCompleted,
  SessionStarted,
  Streams,
} from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Applier } from '../../apply-and-publish.ts'
import { entityInputOf } from '../../event-inputs.ts'
import type { AggregatorMetrics } from '../../metrics.ts'

/** The events folded into rollups; the consumer acks and skips DOMAIN's others (station.*, session.overdue...). */
export const AGGREGATED_EVENTS = [
  SessionStarted,
  SessionCompleted,
  MeterSampled,
  ConnectorStatusChanged,
  ConnectorStatusRecorded,
] as const

export interface DomainEventConsumerOptions {
  bus: Bus
  apply: Applier
  metrics: AggregatorMetrics
  clock: Clock
  durable: string
  deliver: 'all' | 'new'
  batchSize: number
  /** Batches applied at once (their transactions lock entities and cells in one order). */
  maxInFlight: number
  batchWaitMs: number
  maxDeliver: number
  ackWaitMs: number
}

/**
 * One durable on the whole DOMAIN stream (nats-server 2.9 has one filter per consumer; no filter covers
 * session.>, meter.> and connector.> at once), in batches applied in one transaction each and acked after
 * commit. Up to `maxInFlight` batches at once: two batches touching the same session, connector or cell wait
 * for each other on its row (locked in one key order, so never in a cycle), and facts merge as a join, so the
 * order in which they commit does not matter.
 * A batch that fails for anything but the infrastructure is retried event by event, so a poison event is
 * dead-lettered alone.
 */
export async function startDomainEventConsumer(opts: DomainEventConsumerOptions): Promise<Consumption> {
  const { bus, apply, metrics, clock } = opts
  return bus.consume({
    stream: Streams.DOMAIN,
    durable: opts.durable,
    deliver: opts.deliver,
    events: AGGREGATED_EVENTS,
    batchSize: opts.batchSize,
    batchWaitMs: opts.batchWaitMs,
    maxInFlight: opts.maxInFlight,
    maxDeliver: opts.maxDeliver,
    ackWaitMs: opts.ackWaitMs,
    maxAckPending: Math.max(1000, opts.batchSize * (opts.maxInFlight + 1)),
    async batchHandler(events: ReceivedEvent<(typeof AGGREGATED_EVENTS)[number]>[]) {
      const started = performance.now()
      const first = events[0]
      if (first === undefined) return
      await apply.applyEvents(
        events.map((e) => entityInputOf(e)),
        `${first.seq}-${events.at(-1)?.seq ?? first.seq}`,
      )
      metrics.batchDuration.observe((performance.now() - started) / 1000)
      for (const e of events) metrics.events.inc({ event: e.name })
      const newest = Math.max(...events.map((e) => e.publishedAt.getTime()))
      metrics.lagSeconds.set(Math.max(0, clock().getTime() - newest) / 1000)
    },
    isolateFailures: { isInfrastructureError },
    isRetryable: isRetryableWrite,
    onBatchFailure: () => metrics.batchFailures.inc(),
    onDeadLetter: (record) => metrics.deadLetters.inc({ reason: record.reason }),
  })
}

/** Postgres or the bus is in trouble: every message would fail alike, so the batch is redelivered as is. */
function isInfrastructureError(err: unknown): boolean {
  return isDatabaseOutage(err) || isBusError(err)
}
