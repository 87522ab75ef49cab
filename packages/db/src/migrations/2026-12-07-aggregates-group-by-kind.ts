import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * `aggregates_group_idx` ends with `metric`, and a connector-wide page asks for its kind's metrics as an `in`
 * list. Before Postgres 17 an `in` list on a column after the ordered ones is not an index condition of an
 * ordered walk, so the list was a filter checked on the table row: the walk fetched the row of every cell of
 * every kind in the bucket's range and kept its kind's. One partial index per kind, in the same group order and
 * with the list the API asks for (`KIND_METRICS`) as its predicate, holds only that kind's cells, so a page fetches
 * only the rows it returns. Every cell is in exactly one of them, as it was in the one index they replace, and
 * the indexed columns never change on update, so the aggregator's `value = value + delta` stays HOT. Measured on
 * bench/api's year (2026-12-07), utilisation by connector over a month: 1,030 -> 208 buffers, 1.07 -> 0.56 ms.
 * The same for the totals' faults: in their key (`metric` after `station_id`) a page of faults by station walked
 * every station's totals of the range to find the few with faults, as many as the network has stations (the plan
 * test's twice-the-network check: 52 -> 101 buffers when no station had any); partial on `metric = 'faults'`, the
 * walk meets only those.
 * Plain (not CONCURRENTLY) because migrations run in a transaction: on a large live table, create them
 * concurrently by hand first.
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index aggregates_energy_group_idx
      on aggregates (bucketing, bucket_start, time_zone, station_id, connector_id, dim)
     where metric in ('energy_wh', 'sessions_started', 'sessions_completed')`.execute(db)
  await sql`
    create index aggregates_time_group_idx
      on aggregates (bucketing, bucket_start, time_zone, station_id, connector_id)
     where metric in ('charging_ms', 'idle_ms', 'free_ms', 'unavailable_ms', 'faulted_ms', 'unknown_ms')`.execute(
    db,
  )
  await sql`
    create index aggregates_faults_group_idx
      on aggregates (bucketing, bucket_start, time_zone, station_id, connector_id, dim, sub_dim)
     where metric = 'faults'`.execute(db)
  await sql`drop index aggregates_group_idx`.execute(db)
  await sql`
    create index aggregate_totals_faults_idx
      on aggregate_totals (bucketing, bucket_start, time_zone, station_id, dim, sub_dim)
     where metric = 'faults'`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index aggregate_totals_faults_idx`.execute(db)
  await sql`
    create index aggregates_group_idx
      on aggregates (bucketing, bucket_start, time_zone, station_id, connector_id, dim, sub_dim, metric)`.execute(
    db,
  )
  await sql`drop index aggregates_faults_group_idx`.execute(db)
  await sql`drop index aggregates_time_group_idx`.execute(db)
  await sql`drop index aggregates_energy_group_idx`.execute(db)
}
