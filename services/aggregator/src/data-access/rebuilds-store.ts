import type { Database, Kysely } from '@chargebus/db'
import type { RecordedRebuild } from '../domain/rebuild-status.ts'

/** A rebuild's row as its journal writes it, whole, each time: the recorded rebuild with its identity, as dates. */
export interface RebuildRow extends Omit<RecordedRebuild, 'startedAt' | 'updatedAt' | 'finishedAt'> {
  id: string
  runner: string
  stationId: string | null
  historyFrom: Date | null
  startedAt: Date
  updatedAt: Date
  finishedAt: Date | null
}

/**
 * Inserts the rebuild's row, or brings it up to date: one statement whatever came before (a first write that
 * failed is made by the next). A finished row is never changed again, so a late heartbeat cannot undo an outcome.
 */
export async function saveRebuild(db: Kysely<Database>, r: RebuildRow): Promise<void> {
  const progress = {
    phase: r.phase,
    seq: r.seq,
    end_seq: r.endSeq,
    events: r.events,
    stations_written: r.stationsWritten,
    stations_total: r.stationsTotal,
    updated_at: r.updatedAt,
    finished_at: r.finishedAt,
    outcome: r.outcome,
    error_code: r.errorCode,
  }
  await db
    .insertInto('aggregate_rebuilds')
    .values({
      id: r.id,
      runner: r.runner,
      station_id: r.stationId,
      history_from: r.historyFrom,
      started_at: r.startedAt,
      ...progress,
    })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          phase: eb.ref('excluded.phase'),
          seq: eb.ref('excluded.seq'),
          end_seq: eb.ref('excluded.end_seq'),
          events: eb.ref('excluded.events'),
          stations_written: eb.ref('excluded.stations_written'),
          stations_total: eb.ref('excluded.stations_total'),
          updated_at: eb.ref('excluded.updated_at'),
          finished_at: eb.ref('excluded.finished_at'),
          outcome: eb.ref('excluded.outcome'),
          error_code: eb.ref('excluded.error_code'),
        }))
        .where('aggregate_rebuilds.outcome', '=', 'running'),
    )
    .execute()
}

/** The newest rebuild (by start) and when the newest successful one ran; undefined when none was recorded. */
export interface RebuildHistory {
  latest: RecordedRebuild
  lastSuccess: { startedAt: number; finishedAt: number } | undefined
}

/** {@link RebuildHistory} in one statement (two index walks of one row each). */
export async function readRebuildHistory(db: Kysely<Database>): Promise<RebuildHistory | undefined> {
  const row = await db
    .selectFrom('aggregate_rebuilds as r')
    .selectAll('r')
    .select((eb) => [
      eb
        .selectFrom('aggregate_rebuilds as s')
        .select('s.started_at')
        .where('s.outcome', '=', 'succeeded')
        .orderBy('s.finished_at', 'desc')
        .limit(1)
        .as('success_started_at'),
      eb
        .selectFrom('aggregate_rebuilds as s')
        .select('s.finished_at')
        .where('s.outcome', '=', 'succeeded')
        .orderBy('s.finished_at', 'desc')
        .limit(1)
        .as('success_finished_at'),
    ])
    .orderBy('r.started_at', 'desc')
    .orderBy('r.id')
    .limit(1)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const ms = (d: Date | null) => (d === null ? null : d.getTime())
  return {
    latest: {
      phase: row.phase,
      seq: Number(row.seq),
      endSeq: Number(row.end_seq),
      events: Number(row.events),
      stationsWritten: row.stations_written,
      stationsTotal: row.stations_total,
      startedAt: row.started_at.getTime(),
      updatedAt: row.updated_at.getTime(),
      finishedAt: ms(row.finished_at),
      outcome: row.outcome,
      errorCode: row.error_code,
    },
    lastSuccess:
      row.success_started_at && row.success_finished_at
        ? { startedAt: row.success_started_at.getTime(), finishedAt: row.success_finished_at.getTime() }
        : undefined,
  }
}
