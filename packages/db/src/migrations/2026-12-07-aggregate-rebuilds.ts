import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * `chargebus aggregates rebuild` runs in the CLI, on whatever machine an operator uses, so the aggregator's
 * /metrics cannot see it in memory. The rebuild records itself here instead: one row per rebuild, written by its
 * heartbeat (about once a second: phase, position, events, stations) and finished with its outcome. Every
 * aggregator replica reads the newest rows at scrape time. A rebuild whose process died stays `running` with an
 * old `updated_at`: readers call it abandoned after a while (the aggregator's README, Rebuild).
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table aggregate_rebuilds (
      id uuid primary key,
      runner text not null check (length(runner) between 1 and 255),
      station_id text check (length(station_id) between 1 and 255),
      history_from timestamptz,
      phase text check (phase in ('archive', 'stream', 'write', 'swap')),
      seq bigint not null default 0 check (seq >= 0),
      end_seq bigint not null default 0 check (end_seq >= 0),
      events bigint not null default 0 check (events >= 0),
      stations_written integer check (stations_written >= 0),
      stations_total integer check (stations_total >= 0),
      started_at timestamptz not null,
      updated_at timestamptz not null,
      finished_at timestamptz,
      outcome text not null default 'running' check (outcome in ('running', 'succeeded', 'failed')),
      error_code text check (length(error_code) between 1 and 64),
      check ((outcome = 'running') = (finished_at is null)),
      check (error_code is null or outcome = 'failed')
    )`.execute(db)
  await sql`create index aggregate_rebuilds_started_idx on aggregate_rebuilds (started_at desc)`.execute(db)
  await sql`create index aggregate_rebuilds_succeeded_idx on aggregate_rebuilds (finished_at desc)
    where outcome = 'succeeded'`.execute(db)
  await sql`comment on table aggregate_rebuilds is
    'One row per aggregates rebuild (chargebus aggregates rebuild): scope (station_id null = every station; history_from null = the whole log), who runs it (runner: host:pid), its progress (phase, seq of end_seq, events folded, stations written of stations_total) refreshed about once a second (updated_at), then its outcome. A running row whose updated_at stopped moving belongs to a rebuild that died. Private to the aggregator; not a BI contract.'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table aggregate_rebuilds`.execute(db)
}
