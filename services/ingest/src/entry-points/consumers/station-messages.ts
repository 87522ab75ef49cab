import { type Bus, type Consumption, isBusError, type ReceivedEvent } from '@chargebus/bus'
import { type Database, isDatabaseOutage, isRetryableWrite, type Kysely } from '@chargebus/db'
import { OcppMessageReceived, Streams } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { loadState, writeChanges } from '../../data-access/batch-store.ts'
import { addToOutbox, publishCommitted } from '../../data-access/outbox.ts'
import { applyBatch, type IngestRules } from '../../domain/batch/apply-batch.ts'
import { dedupeMessages, needsOf } from '../../domain/batch/batch-needs.ts'
import { typedStationMessage } from '../../domain/typed-station-message.ts'
import type { IngestMetrics } from '../../metrics.ts'

type Received = ReceivedEvent<typeof OcppMessageReceived>

/** What the handler needs: the same in the service's consumer and in `chargebus events invoke` (admin export). */
export interface StationMessageHandlerDeps {
  db: Kysely<Database>
  /** Where domain events go after commit: the bus in the service, stdout in `events invoke`. */
  publisher: Pick<Bus, 'publish'>
  logger: Logger
  metrics: IngestMetrics
  rules: IngestRules
  clock: Clock
}

export interface StationMessageConsumerOptions extends StationMessageHandlerDeps {
  bus: Bus
  durable: string
  /** Where a new durable starts (INGEST_DELIVER). */
  deliver: 'all' | 'new'
  batchSize: number
  batchWaitMs: number
  maxInFlight: number
  maxDeliver: number
  ackWaitMs: number
}

/** A batch as the handler reads it: a consumed `ReceivedEvent` is one, so is a plain `{ data }`. */
export type StationMessageBatch = readonly Pick<Received, 'data'>[]

/**
 * The handler of one batch of station messages, written in ONE transaction (decode -> lock current rows -> pure
 * `applyBatch` -> unnest writes -> outbox); domain events are published after commit (a failed publish stays in
 * the outbox for the relay, the batch still succeeds).
 */
export function createStationMessageHandler(
  deps: StationMessageHandlerDeps,
): (batch: StationMessageBatch) => Promise<void> {
  const { db, publisher, logger, metrics, rules, clock } = deps
  const log = logger.child({ component: 'station-messages' })

  return async function ingest(batch: StationMessageBatch): Promise<void> {
    const started = performance.now()
    const messages = dedupeMessages(batch.map((e) => typedStationMessage(e.data)))
    const needs = needsOf(messages)
    const { counts, outbox } = await db.transaction().execute(async (trx) => {
      const state = await loadState(trx, needs)
      const changes = applyBatch(state, messages, rules)
      const counts = await writeChanges(trx, changes)
      const outbox = await addToOutbox(trx, changes.events)
      return { counts, outbox }
    })
    const now = clock().getTime()
    metrics.batchDuration.observe((performance.now() - started) / 1000)
    metrics.batchSize.observe(batch.length)
    for (const m of messages) metrics.messages.inc({ action: m.action })
    for (const [table, n] of Object.entries(counts)) if (n > 0) metrics.rows.inc({ table }, n)
    const newest = Math.max(...messages.map((m) => m.receivedMs))
    if (Number.isFinite(newest)) metrics.lag.set(Math.max(0, now - newest) / 1000)
    await publishCommitted({ db, publisher, metrics, log }, outbox)
  }
}

/**
 * The consumer of `ocpp.in.>`: batches of up to `batchSize` messages through {@link createStationMessageHandler},
 * acked by the bus only after commit. When a batch fails for anything but the infrastructure, the bus retries
 * its messages one by one (`isolateFailures`), so a poison message is dead-lettered alone and the others are
 * written.
 */
export async function startStationMessageConsumer(opts: StationMessageConsumerOptions): Promise<Consumption> {
  const { bus, metrics } = opts
  const ingest = createStationMessageHandler(opts)
  return bus.consume({
    stream: Streams.OCPP_IN,
    durable: opts.durable,
    deliver: opts.deliver,
    events: OcppMessageReceived,
    batchSize: opts.batchSize,
    batchWaitMs: opts.batchWaitMs,
    maxInFlight: opts.maxInFlight,
    maxDeliver: opts.maxDeliver,
    ackWaitMs: opts.ackWaitMs,
    // Enough unacked messages for every in-flight batch plus the next ones prefetched.
    maxAckPending: Math.max(1000, opts.batchSize * opts.maxInFlight * 2),
    batchHandler: ingest,
    isolateFailures: { isInfrastructureError },
    isRetryable: isRetryableWrite,
    onBatchFailure: () => metrics.batchFailures.inc(),
    onDeadLetter: (record) => metrics.deadLetters.inc({ reason: record.reason }),
  })
}

/** Postgres or the bus is in trouble: every message would fail alike, so the batch is redelivered as is. */
export function isInfrastructureError(err: unknown): boolean {
  return isDatabaseOutage(err) || isBusError(err)
}
