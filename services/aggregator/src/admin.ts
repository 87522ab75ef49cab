/**
 * The aggregator's admin export, the one entry point tools may use: `chargebus aggregates rebuild` runs the
 * rebuild here, with the service's own apply code, in the CLI's process (see the README, Rebuild).
 */
import type { Bus } from '@chargebus/bus'
import type { Database, Kysely } from '@chargebus/db'
import { type Clock, type Env, loadConfig, systemClock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { AggregatorConfig } from './config.ts'
import { createBucketingsOf } from './domain/bucketings.ts'
import { resolveTimeZone } from './domain/buckets.ts'
import { AGGREGATED_EVENTS } from './entry-points/consumers/domain-events.ts'
import type { AggregatedEvent } from './event-inputs.ts'
import { startRebuildJournal } from './rebuild/journal.ts'
import { type RebuildProgress, type RebuildSummary, rebuildAggregates } from './rebuild/rebuild.ts'

export type { AggregatedEvent, RebuildProgress, RebuildSummary }
/** The events a rebuild applies (decode archived messages against these). */
export { AGGREGATED_EVENTS }

export interface RebuildDeps {
  /** The environment the service reads (AGGREGATOR_TIME_ZONE: the same zone as the running service). */
  env: Env
  db: Kysely<Database>
  bus: Pick<Bus, 'read' | 'streamBounds'>
  logger: Logger
  clock?: Clock
  from?: Date | undefined
  stationId?: string | undefined
  archived?: (from: Date, beforeSeq: number) => AsyncIterable<readonly AggregatedEvent[]>
  onProgress?: (p: RebuildProgress) => void
  /** Stations computed and written at a time (memory against round trips; tests use 1 to cross chunks). */
  stationsPerWrite?: number
}

/**
 * Recomputes the rollups (all, or one station's) from DOMAIN and the archive, then swaps them in atomically. The
 * rebuild records itself in `aggregate_rebuilds` as it goes (progress about once a second, then its outcome), so
 * the aggregator's /metrics shows it wherever it runs.
 */
export async function rebuild(deps: RebuildDeps): Promise<RebuildSummary> {
  const config = loadConfig(AggregatorConfig, deps.env)
  const networkZone = resolveTimeZone(config.AGGREGATOR_TIME_ZONE)
  const clock = deps.clock ?? systemClock
  const journal = startRebuildJournal({
    db: deps.db,
    clock,
    logger: deps.logger,
    stationId: deps.stationId,
    from: deps.from,
  })
  try {
    const summary = await rebuildAggregates({
      db: deps.db,
      bus: deps.bus,
      clock,
      logger: deps.logger,
      networkZone,
      bucketingsOf: createBucketingsOf(),
      from: deps.from,
      stationId: deps.stationId,
      pageSize: config.AGGREGATOR_BATCH_SIZE * 2,
      archived: deps.archived,
      onProgress: (p) => {
        journal.update(p)
        deps.onProgress?.(p)
      },
      stationsPerWrite: deps.stationsPerWrite,
    })
    await journal.finish({ ok: true })
    return summary
  } catch (error) {
    await journal.finish({ ok: false, error })
    throw error
  }
}
