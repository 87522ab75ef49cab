import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * Every list route of the API is keyset-paginated; each needs an index in its order, led by its equality
 * filters, or Postgres reads and sorts the whole table before the first page (issue 20: the unfiltered session
 * list sorted every transaction on `coalesce(started_at, stopped_at), id`).
 *
 * - sessions: `(coalesce(started_at, stopped_at), id)`, alone, after `station_id`, after `upper(id_tag)`
 *   (replaces `transactions_id_tag_idx`, its prefix), and the active sessions' partial one. The expression
 *   is written exactly as the queries write it, or the planner does not match it.
 * - meter values of a session: `(transaction_id, station_id, sampled_at, source_message_id, sample_index)`,
 *   the list's filter and order (replaces `meter_values_transaction_idx`, its prefix in all but
 *   station_id); a BRIN on `sampled_at` for exports of a time range across stations (rows arrive in time
 *   order, so a few blocks' summary per range is enough, at a fraction of a btree's size and write cost).
 * - status history of a connector: `(station_id, connector_id, status_at, source_message_id)`.
 * - commands of a station: `(station_id, requested_at, id)` (replaces `commands_station_requested`, which
 *   lacked the id tie-breaker), and with the status filter `(station_id, status, requested_at, id)`.
 * - stations filtered by registration status or vendor, ordered by id.
 *
 * Plain (not CONCURRENTLY) because migrations run in a transaction: on a large live database, create them
 * concurrently by hand first (the names match, `if not exists` skips them).
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`create index if not exists transactions_at_idx on transactions ((coalesce(started_at, stopped_at)), id)`,
    sql`create index if not exists transactions_station_at_idx
          on transactions (station_id, (coalesce(started_at, stopped_at)), id)`,
    sql`create index if not exists transactions_id_tag_at_idx
          on transactions (upper(id_tag), (coalesce(started_at, stopped_at)), id)`,
    sql`create index if not exists transactions_active_at_idx
          on transactions ((coalesce(started_at, stopped_at)), id) where state = 'active'`,
    sql`drop index transactions_id_tag_idx`,
    sql`create index if not exists meter_values_session_idx
          on meter_values (transaction_id, station_id, sampled_at, source_message_id, sample_index)
          where transaction_id is not null`,
    sql`drop index meter_values_transaction_idx`,
    sql`create index if not exists meter_values_sampled_brin on meter_values using brin (sampled_at)`,
    sql`create index if not exists status_events_connector_idx
          on status_events (station_id, connector_id, status_at, source_message_id)`,
    sql`create index if not exists commands_station_requested_id_idx on commands (station_id, requested_at, id)`,
    sql`create index if not exists commands_station_status_idx on commands (station_id, status, requested_at, id)`,
    sql`drop index commands_station_requested`,
    sql`create index if not exists stations_registration_idx on stations (registration_status, id)`,
    sql`create index if not exists stations_vendor_idx on stations (vendor, id)`,
  ]
  for (const statement of statements) await statement.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`drop index stations_vendor_idx`,
    sql`drop index stations_registration_idx`,
    sql`create index commands_station_requested on commands (station_id, requested_at desc)`,
    sql`drop index commands_station_status_idx`,
    sql`drop index commands_station_requested_id_idx`,
    sql`drop index status_events_connector_idx`,
    sql`drop index meter_values_sampled_brin`,
    sql`create index meter_values_transaction_idx on meter_values (transaction_id, sampled_at)
          where transaction_id is not null`,
    sql`drop index meter_values_session_idx`,
    sql`create index transactions_id_tag_idx on transactions (upper(id_tag))`,
    sql`drop index transactions_active_at_idx`,
    sql`drop index transactions_id_tag_at_idx`,
    sql`drop index transactions_station_at_idx`,
    sql`drop index transactions_at_idx`,
  ]
  for (const statement of statements) await statement.execute(db)
}
