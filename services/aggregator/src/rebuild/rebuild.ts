import type { Bus, StreamPosition } from '@chargebus/bus'
import type { Database, Kysely, Transaction } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { type ApplyContext, applyEntityInputs, zoneResolver } from '../apply-inputs.ts'
import { copyCellSeries } from '../data-access/aggregates-store.ts'
import { copyRows } from '../data-access/columns.ts'
import {
  CONNECTOR_COLUMNS,
  RECORD_COLUMNS,
  SESSION_COLUMNS,
  stationZones,
} from '../data-access/entities-store.ts'
import type { Bucketing } from '../domain/buckets.ts'
import { type CellSums, createCellSums, type SeriesByKey } from '../domain/cell-sums.ts'
import { AGGREGATED_EVENTS } from '../entry-points/consumers/domain-events.ts'
import { type AggregatedEvent, entityInputOf, newestInstant } from '../event-inputs.ts'
import {
  addFoldedCells,
  createFold,
  type FoldedEntities,
  foldedEntities,
  foldInputs,
  type StationHistory,
} from './fold.ts'
import {
  analyzeShadow,
  createShadow,
  dropShadow,
  lockLiveWriters,
  SHADOW_SCHEMA,
  swapRows,
} from './shadow.ts'

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
  /** Events per page the swap's catch-up reads and applies in one go. */
  pageSize?: number
  /** Events per page read into the fold (no transaction per page: larger pages, fewer round trips). */
  foldPageSize?: number
  /** Stations whose entities and cells are computed, then written, at a time (default 100). */
  stationsPerWrite?: number
  /**
   * History older than DOMAIN's first message (the archive), in sequence order, up to `beforeSeq` exclusive.
   * Asked for only when `from` is older than the stream's first message.
   */
  archived?: (from: Date, beforeSeq: number) => AsyncIterable<readonly AggregatedEvent[]>
  onProgress?: (p: RebuildProgress) => void
}

export interface RebuildProgress {
  /** Folding the archive, then the stream; writing the folded rows; the swap. */
  phase: 'archive' | 'stream' | 'write' | 'swap'
  /** Stream sequence read last (archive: of the archived message). */
  seq: number
  /** The sequence the stream phase reads up to. */
  endSeq: number
  /** Events folded (and applied in the swap) so far. */
  events: number
  /** The write phase: stations written to the shadow tables, of `totalStations`. */
  stations?: number
  totalStations?: number
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
  /** Rows of the scope each live table holds after the swap (before the catch-up adds what arrived meanwhile). */
  rows: Record<string, number>
  /** What the swap wrote per table: only the difference between the live rows and the rebuilt ones. */
  written: Record<string, { inserted: number; updated: number; deleted: number }>
  /**
   * Seconds per phase: fold (read and gather), write (entities and cells computed and written), analyze (the
   * shadow's statistics), swap (the diff, then the catch-up).
   */
  seconds: Record<'fold' | 'write' | 'analyze' | 'swap', number>
  durationMs: number
}

/**
 * Recomputes the rollups from the log and swaps them in atomically: see the README (Rebuild). The log is folded in
 * memory (`fold.ts`), every entity built once and its cells written once into unindexed shadow tables; what
 * arrives meanwhile is applied with the service's own apply code in the swap. The live aggregator keeps running;
 * its writers wait for the swap's lock, then merge on top of the rebuilt facts (idempotent: what the rebuild
 * already holds adds nothing).
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
    written: {},
    seconds: { fold: 0, write: 0, analyze: 0, swap: 0 },
    durationMs: 0,
  }
  let phaseStarted = performance.now()
  const phaseDone = (phase: keyof RebuildSummary['seconds']) => {
    const now = performance.now()
    summary.seconds[phase] = Math.round(now - phaseStarted) / 1000
    phaseStarted = now
  }
  const ctx = (bookTo: number): ApplyContext => ({
    networkZone: opts.networkZone,
    bucketingsOf: opts.bucketingsOf,
    bookTo,
    onInvalidZone: (stationId, zone) =>
      log.warn({ stationId, zone }, 'station time zone is not an IANA name: using the network zone'),
  })
  const ours = (e: AggregatedEvent) => opts.stationId === undefined || e.data.stationId === opts.stationId
  // The newest instant read: the swap's catch-up books connector time no further, as the live applier does.
  let newestSeen = Number.NEGATIVE_INFINITY
  const fold = createFold()
  const foldPage = (events: readonly AggregatedEvent[]) => {
    const inputs = events.map(entityInputOf)
    newestSeen = Math.max(newestSeen, newestInstant(inputs))
    foldInputs(fold, inputs)
  }
  // What arrived since the fold goes through the live path's own code, onto the swapped-in live rows.
  const applyLive = async (trx: Transaction<Database>, events: readonly AggregatedEvent[]) => {
    const inputs = events.map(entityInputOf)
    newestSeen = Math.max(newestSeen, newestInstant(inputs))
    await applyEntityInputs(trx, inputs, [], ctx(Math.min(clock().getTime(), newestSeen)))
  }

  await createShadow(db)
  try {
    const bounds = await bus.streamBounds(Streams.DOMAIN)
    let endSeq = bounds.lastSeq
    const progress = (
      phase: RebuildProgress['phase'],
      seq: number,
      written?: { stations: number; totalStations: number },
    ) =>
      opts.onProgress?.({
        phase,
        seq,
        endSeq,
        events: summary.archivedEvents + summary.streamEvents,
        ...written,
      })

    // 1. Fold what the archive holds before the stream's first message.
    const olderThanStream =
      opts.from !== undefined && (bounds.firstTime === undefined || opts.from < bounds.firstTime)
    if (olderThanStream && opts.archived && opts.from) {
      for await (const page of opts.archived(opts.from, bounds.firstSeq)) {
        const mine = page.filter(ours)
        foldPage(mine)
        summary.archivedEvents += mine.length
        progress('archive', 0)
      }
    }

    // 2. Fold the stream, up to its last message now.
    const start: StreamPosition =
      opts.from !== undefined && !olderThanStream ? { time: opts.from } : { seq: bounds.firstSeq }
    let lastSeq = 0
    // The stream's pages report the fold, then (in the swap) the catch-up.
    let readPhase: RebuildProgress['phase'] = 'stream'
    const readStream = async (
      from: StreamPosition,
      toSeq: number,
      size: number,
      onPage: (events: readonly AggregatedEvent[]) => void | Promise<void>,
    ) => {
      for await (const page of bus.read(Streams.DOMAIN, AGGREGATED_EVENTS, { from, toSeq, pageSize: size })) {
        const mine = (page.events as AggregatedEvent[]).filter(ours)
        summary.skipped += page.skipped + (page.events.length - mine.length)
        if (mine.length > 0) await onPage(mine)
        summary.streamEvents += mine.length
        summary.firstSeq ??= page.events[0]?.seq ?? null
        lastSeq = page.lastSeq
        summary.lastSeq = lastSeq
        progress(readPhase, lastSeq)
      }
    }
    if (bounds.messages > 0) await readStream(start, endSeq, opts.foldPageSize ?? 5000, foldPage)
    phaseDone('fold')

    // 3. Station by station: every entity built once, connectors booked to now (the timer's rule), the cells
    //    they make written once into the unindexed shadow tables while the next stations are computed. The
    //    network's totals sum over all stations, so they are written last.
    const bookTo = clock().getTime()
    const stations = [...fold.keys()].sort()
    const zoneOf = zoneResolver(await zonesOf(db, stations), ctx(bookTo))
    const chunk = opts.stationsPerWrite ?? 100
    const network: SeriesByKey = new Map()
    let writing: Promise<void> = Promise.resolve()
    for (let i = 0; i < stations.length; i += chunk) {
      const ids = stations.slice(i, i + chunk)
      const entities = foldedEntities(
        ids.map((id) => fold.get(id) as StationHistory),
        zoneOf,
        bookTo,
      )
      for (const id of ids) fold.delete(id)
      const sums = createCellSums(network)
      addFoldedCells(sums, entities, opts.bucketingsOf)
      await writing
      writing = writeShadow(db, entities, sums).then(() =>
        progress('write', lastSeq, { stations: ids.length + i, totalStations: stations.length }),
      )
      writing.catch(() => {}) // awaited on the next turn or after the loop; not an unhandled rejection meanwhile
    }
    await writing
    await copyCellSeries(db, SHADOW_SCHEMA, 'aggregate_totals', network)
    phaseDone('write')
    await analyzeShadow(db)
    phaseDone('analyze')

    // 4. The swap, in ONE transaction: hold the live writers, make the live rows of the scope equal to the
    //    shadow's, then apply what arrived since the fold onto them with the live path's code (the incremental
    //    rule on top of the folded facts: the same result as folding those events too).
    readPhase = 'swap'
    progress('swap', lastSeq) // so the record says swap for as long as the transaction runs
    const swapped = await db.transaction().execute(async (trx) => {
      await lockLiveWriters(trx)
      const counts = await swapRows(trx, opts.stationId)
      const now = await bus.streamBounds(Streams.DOMAIN)
      endSeq = now.lastSeq
      if (now.messages > 0 && now.lastSeq > lastSeq)
        await readStream(lastSeq > 0 ? { seq: lastSeq + 1 } : start, now.lastSeq, pageSize, (events) =>
          applyLive(trx, events),
        )
      progress('swap', lastSeq)
      return counts
    })
    for (const [table, { rows, ...written }] of Object.entries(swapped)) {
      summary.rows[table] = rows
      summary.written[table] = written
    }
    phaseDone('swap')
  } finally {
    await dropShadow(db).catch((err) =>
      log.warn({ err }, 'shadow tables not dropped (the next rebuild does)'),
    )
  }
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}

/** The stations' own zones, a bounded number of stations per query. */
async function zonesOf(
  db: Kysely<Database>,
  stationIds: readonly string[],
): Promise<Map<string, string | null>> {
  const zones = new Map<string, string | null>()
  for (let i = 0; i < stationIds.length; i += 10_000)
    for (const [id, zone] of await stationZones(db, stationIds.slice(i, i + 10_000))) zones.set(id, zone)
  return zones
}

/** A group of stations' entities, connector cells and station totals into the empty shadow tables, with COPY. */
async function writeShadow(db: Kysely<Database>, entities: FoldedEntities, sums: CellSums): Promise<void> {
  await copyRows(db, `${SHADOW_SCHEMA}.aggregator_sessions`, SESSION_COLUMNS, entities.sessions)
  await copyRows(db, `${SHADOW_SCHEMA}.aggregator_connectors`, CONNECTOR_COLUMNS, entities.connectors)
  await copyRows(
    db,
    `${SHADOW_SCHEMA}.aggregator_connector_records`,
    RECORD_COLUMNS,
    entities.connectors.flatMap((c) => [...c.records.values()].map((record) => ({ key: c, record }))),
  )
  await copyCellSeries(db, SHADOW_SCHEMA, 'aggregates', sums.cells)
  await copyCellSeries(db, SHADOW_SCHEMA, 'aggregate_totals', sums.stations)
}
