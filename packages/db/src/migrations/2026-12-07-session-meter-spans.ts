import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * A session's meter values (`GET /v1/sessions/{id}/meter-values`, raw and bucketed) are a few rows in one or two
 * months, but the query named no time, so Postgres planned and opened every month of `meter_values` (18 partitions
 * on bench/api's year, 0.37 ms of planning alone): the route's Postgres cost grew with the table's age (1.1 ms per
 * request on a year of data against 0.2-0.5 ms for other lists, bench/api 2026-12-07). `session_meter_spans` keeps,
 * per station and transaction id as the station sent them, the first and last `sampled_at` of its values; the API
 * reads it with the session and bounds the query by it, so only the months the session's values lie in are planned.
 *
 * Kept by a statement trigger on `meter_values` rather than by each writer: every path that stores values (ingest's
 * batches, the FTP meter logs, benches' and tests' seeds, a manual COPY) then keeps the span exact, which the API
 * relies on to answer from it alone. The trigger sees only the rows really inserted (ON CONFLICT DO NOTHING leaves
 * the others out of the transition table) and writes a span row only when it widens, in key order so concurrent
 * batches lock in one order. Rows are never updated or deleted except by retiring a month, after which a span may
 * be wider than its rows: still a correct bound.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table session_meter_spans (
      transaction_id integer not null,
      station_id text not null,
      first_sampled_at timestamptz not null,
      last_sampled_at timestamptz not null,
      primary key (transaction_id, station_id)
    )`.execute(db)
  await sql`
    comment on table session_meter_spans is
      'Per transaction id (as the station sent it) and station: the first and last sampled_at of its meter_values, kept by a trigger on meter_values. Bounds a session''s values query to the months they lie in.'`.execute(
    db,
  )
  await sql`
    insert into session_meter_spans
    select transaction_id, station_id, min(sampled_at), max(sampled_at)
      from meter_values
     where transaction_id is not null
     group by 1, 2`.execute(db)
  await sql`
    create function widen_session_meter_spans() returns trigger
    language plpgsql as $fn$
    begin
      insert into session_meter_spans as s (transaction_id, station_id, first_sampled_at, last_sampled_at)
      select transaction_id, station_id, min(sampled_at), max(sampled_at)
        from inserted
       where transaction_id is not null
       group by 1, 2
       order by 1, 2
      on conflict (transaction_id, station_id) do update
         set first_sampled_at = least(s.first_sampled_at, excluded.first_sampled_at),
             last_sampled_at = greatest(s.last_sampled_at, excluded.last_sampled_at)
       where excluded.first_sampled_at < s.first_sampled_at or excluded.last_sampled_at > s.last_sampled_at;
      return null;
    end
    $fn$`.execute(db)
  await sql`
    create trigger meter_values_widen_session_spans
     after insert on meter_values
     referencing new table as inserted
     for each statement execute function widen_session_meter_spans()`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger meter_values_widen_session_spans on meter_values`.execute(db)
  await sql`drop function widen_session_meter_spans()`.execute(db)
  await sql`drop table session_meter_spans`.execute(db)
}
