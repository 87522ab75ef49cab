import type { Bus, StreamPosition } from '@chargebus/bus'
import { type Database, type Kysely, sql, type Transaction } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { type ApplyContext, applyEntityInputs } from '../apply-inputs.ts'
import type { Bucketing } from '../domain/buckets.ts'
import { AGGREGATED_EVENTS } from '../entry-points/consumers/domain-events.ts'
import { type AggregatedEvent, type ConnectorKey, entityInputOf, newestInstant } from '../event-inputs.ts'
import { createShadow, dropShadow, lockLiveWriters, SHADOW_SCHEMA, swapRows, useShadow } from './shadow.ts'

export interface RebuildOptions {
  db: Kysely<Database>
  bus: Pick<Bus, 'read' | 'streamBounds'>
  clock: Clock
  logger: Logger
  networkZone: string
  bucketingsOf: (zone: string) => readonly Bucketing[]
  /** History starts here (default: the stream's first message). */
  from?: Date | undefined
  /** Only this station's cells and facts are rebuilt and swapped. */
  stationId?: string | undefined
  /** Events per shadow transaction. */
  pageSize?: number
  /**
   * History older than DOMAIN's first message (the archive), in sequence order, up to `beforeSeq` exclusive.
   * Asked for only when `from` is older than the stream's first message.
   */
  archived?: (from: Date, beforeSeq: number) => AsyncIterable<readonly AggregatedEvent[]>
  onProgress?: (p: RebuildProgress) => void
}

export interface RebuildProgress {
  phase: 'archive' | 'stream' | 'swap'
  /** Stream sequence read last (archive: of the archived message). */
  seq: number
  /** The sequence the stream phase reads up to. */
  endSeq: number
  /** Events applied to the shadow tables so far. */
  events: number
}

export interface RebuildSummary {
  stationId: string | null
  from: string | null
  /** Events applied (duplicates included) from the archive and from the stream. */
  archivedEvents: number
  streamEvents: number
  /** Stream messages read and not applied: other events, other stations, undecodable. */
  skipped: number
  firstSeq: number | null
  lastSeq: number | null
  /** Rows swapped in, per table. */
  rows: Record<string, number>
  durationMs: number
}

/**
 * Recomputes the rollups from the log into shadow tables with the service's own apply code, then swaps them in
 * atomically: see the README (Rebuild). The live aggregator keeps running; its writers wait for the swap's
 * short lock, then merge on top of the rebuilt facts (idempotent: what the rebuild already holds adds nothing).
 */
export async function rebuildAggregates(opts: RebuildOptions): Promise<RebuildSummary> {
  const { db, bus, clock, logger } = opts
  const started = performance.now()
  const log = logger.child({ component: 'rebuild' })
  const pageSize = opts.pageSize ?? 1000
  const summary: RebuildSummary = {
    stationId: opts.stationId ?? null,
    from: opts.from?.toISOString() ?? null,
    archivedEvents: 0,
    streamEvents: 0,
    skipped: 0,
    firstSeq: null,
    lastSeq: null,
    rows: {},
    durationMs: 0,
  }
  const ctx = (bookTo: number): ApplyContext => ({
    networkZone: opts.networkZone,
    bucketingsOf: opts.bucketingsOf,
    bookTo,
    onInvalidZone: (stationId, zone) =>
      log.warn({ stationId, zone }, 'station time zone is not an IANA name: using the network zone'),
  })
  // As the live applier: while reading history, connector time is booked up to the newest instant read (so a
  // status costs the stretch to its next record, not to now); the swap books everything up to now.
  let newestSeen = Number.NEGATIVE_INFINITY
  const ours = (e: AggregatedEvent) => opts.stationId === undefined || e.data.stationId === opts.stationId
  const applyToShadow = async (
    trx: Transaction<Database>,
    events: readonly AggregatedEvent[],
    advance: readonly ConnectorKey[] = [],
  ) => {
    await useShadow(trx)
    const inputs = events.map(entityInputOf)
    newestSeen = Math.max(newestSeen, newestInstant(inputs))
    const now = clock().getTime()
    await applyEntityInputs(trx, inputs, advance, ctx(advance.length > 0 ? now : Math.min(now, newestSeen)))
  }

  await createShadow(db)
  try {
    const bounds = await bus.streamBounds(Streams.DOMAIN)
    let endSeq = bounds.lastSeq
    const progress = (phase: RebuildProgress['phase'], seq: number) =>
      opts.onProgress?.({
        phase,
        seq,
        endSeq,
        events: summary.archivedEvents + summary.streamEvents,
      })

    // 1. What the archive holds before the stream's first message.
    const olderThanStream =
      opts.from !== undefined && (bounds.firstTime === undefined || opts.from < bounds.firstTime)
    if (olderThanStream && opts.archived && opts.from) {
      for await (const page of opts.archived(opts.from, bounds.firstSeq)) {
        const mine = page.filter(ours)
        if (mine.length > 0) await db.transaction().execute((trx) => applyToShadow(trx, mine))
        summary.archivedEvents += mine.length
        progress('archive', 0)
      }
    }

    // 2. The stream, up to its last message now; pages in one shadow transaction each.
    const start: StreamPosition =
      opts.from !== undefined && !olderThanStream ? { time: opts.from } : { seq: bounds.firstSeq }
    let lastSeq = 0
    const readStream = async (from: StreamPosition, toSeq: number, trx?: Transaction<Database>) => {
      for await (const page of bus.read(Streams.DOMAIN, AGGREGATED_EVENTS, { from, toSeq, pageSize })) {
        const mine = (page.events as AggregatedEvent[]).filter(ours)
        summary.skipped += page.skipped + (page.events.length - mine.length)
        if (mine.length > 0) {
          if (trx) await applyToShadow(trx, mine)
          else await db.transaction().execute((t) => applyToShadow(t, mine))
        }
        summary.streamEvents += mine.length
        summary.firstSeq ??= page.events[0]?.seq ?? null
        lastSeq = page.lastSeq
        summary.lastSeq = lastSeq
        progress('stream', lastSeq)
      }
    }
    if (bounds.messages > 0) await readStream(start, endSeq)

    // 3. Every connector's time booked to now, as the timer does, page by page BEFORE the swap: the live writers
    //    never wait for it. What the swap then leaves unbooked (the seconds it takes) the live timer books.
    const connectors = await sql<{ station_id: string; connector_id: number }>`
      select station_id, connector_id from ${sql.table(`${SHADOW_SCHEMA}.aggregator_connectors`)}`.execute(db)
    const keys = connectors.rows.map((r) => ({ stationId: r.station_id, connectorId: r.connector_id }))
    for (let i = 0; i < keys.length; i += pageSize) {
      await db.transaction().execute((trx) => applyToShadow(trx, [], keys.slice(i, i + pageSize)))
    }

    // 4. The swap, in ONE transaction: hold the live writers, apply what arrived since, then replace the live
    //    rows of the scope.
    summary.rows = await db.transaction().execute(async (trx) => {
      await lockLiveWriters(trx)
      const now = await bus.streamBounds(Streams.DOMAIN)
      endSeq = now.lastSeq
      if (now.messages > 0 && now.lastSeq > lastSeq)
        await readStream(lastSeq > 0 ? { seq: lastSeq + 1 } : start, now.lastSeq, trx)
      progress('swap', lastSeq)
      await sql`set local search_path to public`.execute(trx)
      return swapRows(trx, opts.stationId)
    })
  } finally {
    await dropShadow(db).catch((err) =>
      log.warn({ err }, 'shadow tables not dropped (the next rebuild does)'),
    )
  }
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}
