import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * Station and network totals of the rollup cells (issue 15, reads at scale): a network-wide series summed from
 * every connector's cells at read time cannot answer within 50 ms over 10,000 connectors (the network's month of
 * hours over 1,000 connectors took 389 ms). The aggregator adds every connector cell's delta to its station's
 * total and to the network's total in the same transaction (the incremental rule at three levels), so each
 * level equals the sum of the level below.
 *
 * - `station_id` = the station, or '' for the network;
 * - `dim`, `sub_dim`: '' for session metrics and connector time (summed over id tags and connectors), error code
 *   and vendor error code for faults;
 * - connector time sums connectors > 0 only (connector 0, the station as a whole, is its own series);
 * - `time_zone` is in the key: stations in different zones whose local days start at the same instant
 *   (Europe/Berlin and Europe/Paris) keep separate network cells, as the API groups by bucket and zone.
 *
 * The primary key leads with the bucket so "every station, in bucket order" is an ordered walk that stops at a
 * page's limit; the second index serves one station's (or the network's) series.
 */

const TIME_METRICS = "'charging_ms', 'idle_ms', 'free_ms', 'unavailable_ms', 'faulted_ms', 'unknown_ms'"

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table aggregate_totals (
      bucketing text not null,
      bucket_start timestamptz not null,
      time_zone text not null,
      station_id text not null,
      metric text not null,
      dim text not null default '',
      sub_dim text not null default '',
      value bigint not null,
      primary key (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim)
    )`.execute(db)
  await sql`create index aggregate_totals_station_idx
    on aggregate_totals (station_id, bucketing, metric, bucket_start)`.execute(db)
  await sql`comment on table aggregate_totals is
    'Station totals (station_id = the station) and network totals (station_id = '''') of the aggregates cells, kept by the aggregator with the same deltas. dim/sub_dim: error code and vendor error code for faults, else ''''; connector time sums connectors > 0.'`.execute(
    db,
  )
  // Existing cells get their totals now; from here on the aggregator keeps them.
  for (const station of [sql`station_id`, sql`''`]) {
    await sql`
      insert into aggregate_totals (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim, value)
      select bucketing, bucket_start, time_zone, ${station}, metric,
             case when metric = 'faults' then dim else '' end,
             case when metric = 'faults' then sub_dim else '' end,
             sum(value)
        from aggregates
       where not (metric in (${sql.raw(TIME_METRICS)}) and connector_id = 0)
       group by 1, 2, 3, 4, 5, 6, 7
      having sum(value) <> 0`.execute(db)
  }
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table aggregate_totals`.execute(db)
}
