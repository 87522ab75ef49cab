import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Database, Kysely } from '@chargebus/db'
import { type Clock, createSerialTimer } from '@chargebus/platform'
import type { Logger } from 'pino'
import { type RebuildRow, saveRebuild } from '../data-access/rebuilds-store.ts'
import { failureCodeOf, REBUILD_HEARTBEAT_MS } from '../domain/rebuild-status.ts'
import type { RebuildProgress } from './rebuild.ts'

/** A rebuild's record in `aggregate_rebuilds`, kept up to date while it runs. */
export interface RebuildJournal {
  /** The row's id. */
  readonly id: string
  /** The latest progress: kept in memory, written by the next heartbeat (never waited for). */
  update(p: RebuildProgress): void
  /** Stops the heartbeat and writes the outcome. Never throws: a failed write is logged. */
  finish(outcome: { ok: true } | { ok: false; error: unknown }): Promise<void>
}

export interface RebuildJournalOptions {
  db: Kysely<Database>
  clock: Clock
  logger: Logger
  stationId: string | undefined
  from: Date | undefined
  heartbeatMs?: number
}

/**
 * Starts recording a rebuild: its row is written at once and then every `heartbeatMs` (one write at a time, on a
 * timer that keeps no process alive), so the aggregator's /metrics on any machine can show it. A failed write is
 * logged (once until one succeeds again) and never fails the rebuild: the row is the operator's view, not part of
 * the result.
 *
 * ### Examples
 * ```ts
 * const journal = startRebuildJournal({ db, clock, logger, stationId, from })
 * try {
 *   const summary = await rebuildAggregates({ ...opts, onProgress: (p) => journal.update(p) })
 *   await journal.finish({ ok: true })
 * } catch (error) {
 *   await journal.finish({ ok: false, error })
 *   throw error
 * }
 * ```
 */
export function startRebuildJournal(opts: RebuildJournalOptions): RebuildJournal {
  const { db, clock } = opts
  const log = opts.logger.child({ component: 'rebuild-journal' })
  const startedAt = clock()
  const row: RebuildRow = {
    id: randomUUID(),
    runner: `${hostname()}:${process.pid}`.slice(0, 255),
    stationId: opts.stationId ?? null,
    historyFrom: opts.from ?? null,
    phase: null,
    seq: 0,
    endSeq: 0,
    events: 0,
    stationsWritten: null,
    stationsTotal: null,
    startedAt,
    updatedAt: startedAt,
    finishedAt: null,
    outcome: 'running',
    errorCode: null,
  }
  let failing = false
  const write = async () => {
    try {
      await saveRebuild(db, { ...row, updatedAt: row.finishedAt ?? clock() })
      failing = false
    } catch (err) {
      if (!failing) log.warn({ err, rebuild: row.id }, 'rebuild progress not recorded (the rebuild goes on)')
      failing = true
    }
  }
  const heartbeat = createSerialTimer(write, opts.heartbeatMs ?? REBUILD_HEARTBEAT_MS)
  heartbeat.start()
  return {
    id: row.id,
    update(p) {
      row.phase = p.phase
      row.seq = p.seq
      row.endSeq = p.endSeq
      row.events = p.events
      if (p.totalStations !== undefined) {
        row.stationsWritten = p.stations ?? 0
        row.stationsTotal = p.totalStations
      }
    },
    async finish(outcome) {
      await heartbeat.stop()
      row.finishedAt = clock()
      row.outcome = outcome.ok ? 'succeeded' : 'failed'
      row.errorCode = outcome.ok ? null : failureCodeOf(outcome.error)
      failing = false
      await write()
    },
  }
}
