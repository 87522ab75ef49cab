import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { AGGREGATE_UPDATED_MAX_CHANGES, AggregateUpdated } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { type Applied, applyEntityInputs } from './apply-inputs.ts'
import type { Bucketing } from './domain/buckets.ts'
import { stationUpdates } from './domain/updates.ts'
import { type ConnectorKey, type EntityInput, newestInstant } from './event-inputs.ts'
import type { AggregatorMetrics } from './metrics.ts'

export interface ApplierDeps {
  db: Kysely<Database>
  /** Where aggregate.updated goes after commit. */
  publisher: Pick<Bus, 'publish'>
  logger: Logger
  metrics: AggregatorMetrics
  clock: Clock
  networkZone: string
  bucketingsOf: (zone: string) => readonly Bucketing[]
}

/**
 * Applies events, or advances connectors, in ONE transaction each, then publishes `aggregate.updated` per station
 * changed. The events are only a hint for dashboards: a failed publish is logged, never retried, and never fails
 * the batch (the rows are committed).
 *
 * Connector time is booked up to a horizon: the newest instant the applied events named (capped at the clock's
 * now), and the clock's now itself only when the timer finds the consumer caught up. While the aggregator works
 * through a backlog, a connector's last status is therefore not assumed to hold until now (the backlog is about
 * to say otherwise), and each late status re-books only the stretch up to its next record, not up to now.
 */
export function createApplier(deps: ApplierDeps) {
  const { db, publisher, logger, metrics, clock } = deps
  const log = logger.child({ component: 'aggregator' })
  let newestSeen = Number.NEGATIVE_INFINITY

  async function publishUpdates(applied: Applied, now: Date, batchId: string): Promise<void> {
    const updates = stationUpdates(applied.rows, AGGREGATE_UPDATED_MAX_CHANGES)
    // concurrently: one round trip per batch, not one per station
    await Promise.all(
      updates.map(async (u) => {
        try {
          await publisher.publish(
            AggregateUpdated,
            {
              stationId: u.stationId,
              changes: u.changes.map((c) => ({ ...c, bucketStart: new Date(c.bucketStart).toISOString() })),
              truncated: u.truncated,
              updatedAt: now.toISOString(),
            },
            { msgId: `aggregate.updated:${u.stationId}/${batchId}` },
          )
          metrics.updatesPublished.inc()
        } catch (err) {
          log.warn(
            { err, stationId: u.stationId },
            'aggregate.updated not published (dashboards catch up on the next one)',
          )
        }
      }),
    )
  }

  async function apply(
    inputs: readonly EntityInput[],
    advance: readonly ConnectorKey[],
    source: 'events' | 'timer',
    batchId: string,
    bookTo: number,
  ): Promise<Applied> {
    const applied = await db.transaction().execute((trx) =>
      applyEntityInputs(trx, inputs, advance, {
        networkZone: deps.networkZone,
        bucketingsOf: deps.bucketingsOf,
        bookTo,
        onInvalidZone: (stationId, zone) => {
          metrics.invalidZones.inc()
          log.warn({ stationId, zone }, 'station time zone is not an IANA name: using the network zone')
        },
      }),
    )
    metrics.entitiesChanged.inc(applied.entitiesChanged)
    metrics.deltas.inc({ source }, applied.rows.length)
    await publishUpdates(applied, clock(), batchId)
    return applied
  }

  return {
    /** Applies a batch of events; their connectors are booked up to the horizon they move. */
    applyEvents(inputs: readonly EntityInput[], batchId: string): Promise<Applied> {
      newestSeen = Math.max(newestSeen, newestInstant(inputs))
      return apply(inputs, [], 'events', batchId, Math.min(clock().getTime(), newestSeen))
    },
    /**
     * How far the timer may book connector time: the clock's now when the consumer is caught up; while it is
     * behind, the newest instant seen (undefined before the first batch: nothing is known to book).
     */
    horizon(caughtUp: boolean): number | undefined {
      const now = clock().getTime()
      if (caughtUp) return now
      return newestSeen === Number.NEGATIVE_INFINITY ? undefined : Math.min(now, newestSeen)
    },
    /** Books the connectors' time up to `bookTo` (a {@link horizon}). */
    advance(keys: readonly ConnectorKey[], bookTo: number, batchId: string): Promise<Applied> {
      return apply([], keys, 'timer', batchId, bookTo)
    },
  }
}

export type Applier = ReturnType<typeof createApplier>
