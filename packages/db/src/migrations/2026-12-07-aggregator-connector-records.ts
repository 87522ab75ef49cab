import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * The aggregator kept a connector's status records whole in one jsonb value of its facts row, and read, merged
 * and rewrote all of them for every batch that named the connector. A connector reports thousands of statuses a
 * year, so a status cost more the older the connector was: 2,600 statuses/s without history, 15/s with 1,000
 * records per connector (bench/aggregator/history.ts, 2026-12-07). A status changes the connector's time only
 * between its neighbours, so the records move to a table of their own, one row each, keyed by connector and
 * instant: the aggregator reads the records around what a batch changes and inserts the new ones.
 * `first_at` (the connector's first record) stays on the facts row: it is where the connector's booked time starts,
 * and finding it must not read the history either.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table aggregator_connector_records (
      station_id text not null,
      connector_id integer not null,
      at timestamptz not null,
      status text not null,
      error_code text not null,
      vendor_error_code text not null,
      primary key (station_id, connector_id, at, status, error_code, vendor_error_code)
    )`.execute(db)
  await sql`
    comment on table aggregator_connector_records is
      'The aggregator''s facts: every status record of every connector, once (keyed by its content). vendor_error_code is '''' when the station sent none. Private to the aggregator; not a BI contract.'`.execute(
    db,
  )
  await sql`
    insert into aggregator_connector_records
    select distinct c.station_id, c.connector_id, 'epoch'::timestamptz + (r->>'at')::bigint * interval '1 millisecond',
           r->>'status', r->>'errorCode', coalesce(r->>'vendorErrorCode', '')
      from aggregator_connectors c, jsonb_array_elements(c.records) r`.execute(db)
  await sql`alter table aggregator_connectors add column first_at timestamptz`.execute(db)
  await sql`
    update aggregator_connectors c set first_at = f.first_at
      from (select station_id, connector_id, min(at) as first_at
              from aggregator_connector_records group by 1, 2) f
     where f.station_id = c.station_id and f.connector_id = c.connector_id`.execute(db)
  await sql`alter table aggregator_connectors drop column records`.execute(db)
  await sql`
    comment on column aggregator_connectors.first_at is
      'The instant of the connector''s first status record (aggregator_connector_records): its booked time starts there. Null before any record.'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table aggregator_connectors add column records jsonb not null default '[]'`.execute(db)
  await sql`
    update aggregator_connectors c set records = r.records
      from (select station_id, connector_id,
                   jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                     'at', (extract(epoch from at) * 1000)::bigint, 'status', status, 'errorCode', error_code,
                     'vendorErrorCode', nullif(vendor_error_code, '')))
                     order by at, status, error_code, vendor_error_code) as records
              from aggregator_connector_records group by 1, 2) r
     where r.station_id = c.station_id and r.connector_id = c.connector_id`.execute(db)
  await sql`alter table aggregator_connectors drop column first_at`.execute(db)
  await sql`drop table aggregator_connector_records`.execute(db)
}
