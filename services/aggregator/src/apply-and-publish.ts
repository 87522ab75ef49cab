import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { AGGREGATE_UPDATED_MAX_CHANGES, AggregateUpdated } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { type Applied, applyEntityInputs } from './apply-inputs.ts'
import type { Bucketing } from './domain/buckets.ts'
import { stationUpdates } from './domain/updates.ts'
import type { ConnectorKey, EntityInput } from './event-inputs.ts'
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
 * Applies inputs (events) and/or advances connectors in ONE transaction, then publishes `aggregate.updated`
 * per station changed. The events are only a hint for dashboards: a failed publish is logged, never retried,
 * and never fails the batch (the rows are committed).
 */
export function createApplier(deps: ApplierDeps) {
  const { db, publisher, logger, metrics, clock } = deps
  const log = logger.child({ component: 'aggregator' })

  async function publishUpdates(applied: Applied, now: Date, batchId: string): Promise<void> {
    for (const u of stationUpdates(applied.rows, AGGREGATE_UPDATED_MAX_CHANGES)) {
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
    }
  }

  return async function apply(
    inputs: readonly EntityInput[],
    advance: readonly ConnectorKey[],
    source: 'events' | 'timer',
    batchId: string,
  ): Promise<Applied> {
    const now = clock()
    const applied = await db.transaction().execute((trx) =>
      applyEntityInputs(trx, inputs, advance, {
        networkZone: deps.networkZone,
        bucketingsOf: deps.bucketingsOf,
        now: now.getTime(),
        onInvalidZone: (stationId, zone) => {
          metrics.invalidZones.inc()
          log.warn({ stationId, zone }, 'station time zone is not an IANA name: using the network zone')
        },
      }),
    )
    metrics.entitiesChanged.inc(applied.entitiesChanged)
    metrics.deltas.inc({ source }, applied.rows.length)
    await publishUpdates(applied, now, batchId)
    return applied
  }
}

export type Applier = ReturnType<typeof createApplier>
