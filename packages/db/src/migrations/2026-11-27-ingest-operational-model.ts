import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 * It takes `Kysely<any>` and imports nothing from the package, so later type changes cannot alter it.
 *
 * The operational data model ingest writes (and the API and BI read): station identity and liveness,
 * connector status and its history, id tags, transactions, every sampled meter value, the other station
 * messages, and ingest's outbox of domain events. `meter_values` and `status_events` are partitioned by
 * month (UTC) on the station's timestamp, with a DEFAULT partition so no row is ever refused;
 * `ensure_monthly_partitions()` creates months ahead (ingest calls it at start-up and daily).
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table stations
      add column charge_box_serial text,
      add column iccid text,
      add column imsi text,
      add column meter_type text,
      add column meter_serial text,
      add column registration_status_at timestamptz,
      add column last_boot_at timestamptz,
      add column heartbeat_interval_s integer,
      add column offline_since timestamptz,
      add column clock_skew_ms bigint,
      add column clock_skew_at timestamptz,
      add column firmware_status text,
      add column firmware_status_at timestamptz,
      add column diagnostics_status text,
      add column diagnostics_status_at timestamptz
  `.execute(db)

  await sql`
    alter table connectors
      add column vendor_id text,
      add column meter_register_wh numeric,
      add column meter_register_at timestamptz
  `.execute(db)

  await db.schema
    .createTable('id_tags')
    .addColumn('id_tag', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('Accepted'))
    .addColumn('expiry_date', 'timestamptz')
    .addColumn('parent_id_tag', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('id_tags_id_tag_check', sql`id_tag <> '' and length(id_tag) <= 20`)
    .addCheckConstraint(
      'id_tags_status_check',
      sql`status in ('Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx')`,
    )
    .execute()
  // OCPP id tags compare case-insensitively: one row per tag whatever its case.
  await sql`create unique index id_tags_upper_key on id_tags (upper(id_tag))`.execute(db)

  await sql`
    create table transactions (
      id integer primary key,
      station_id text not null references stations (id) on delete cascade,
      connector_id integer,
      id_tag text,
      id_tag_status text,
      reservation_id integer,
      meter_start integer,
      started_at timestamptz,
      start_message_id text,
      start_received_at timestamptz,
      stop_id_tag text,
      stop_id_tag_status text,
      meter_stop integer,
      stopped_at timestamptz,
      stop_reason text,
      stop_message_id text,
      stop_received_at timestamptz,
      overdue_reported_at timestamptz,
      energy_wh bigint generated always as (meter_stop::bigint - meter_start::bigint) stored,
      duration_s integer generated always as (floor(extract(epoch from (stopped_at - started_at)))::integer) stored,
      state text generated always as (
        case
          when started_at is not null and stopped_at is not null then 'completed'
          when started_at is not null then 'active'
          else 'stop_only'
        end
      ) stored,
      updated_at timestamptz not null default now(),
      constraint transactions_id_check check (id > 0)
    )`.execute(db)
  await sql`create index transactions_station_started_idx on transactions (station_id, started_at)`.execute(
    db,
  )
  await sql`create index transactions_active_idx on transactions (started_at) where state = 'active'`.execute(
    db,
  )
  await sql`create index transactions_id_tag_idx on transactions (upper(id_tag))`.execute(db)

  await sql`
    create table unmatched_stops (
      station_id text not null references stations (id) on delete cascade,
      source_message_id text not null,
      transaction_id integer not null,
      id_tag text,
      meter_stop integer not null,
      stopped_at timestamptz not null,
      stop_reason text,
      received_at timestamptz not null,
      resolved_transaction_id integer,
      primary key (station_id, source_message_id)
    )`.execute(db)

  await sql`
    create table status_events (
      station_id text not null,
      connector_id integer not null,
      status text not null,
      error_code text not null,
      info text,
      vendor_id text,
      vendor_error_code text,
      status_at timestamptz not null,
      station_timestamp boolean not null,
      received_at timestamptz not null,
      source_message_id text not null,
      unique (station_id, status_at, connector_id, source_message_id)
    ) partition by range (status_at)`.execute(db)
  await sql`create table status_events_default partition of status_events default`.execute(db)

  await sql`
    create table meter_values (
      station_id text not null,
      connector_id integer not null,
      transaction_id integer,
      sampled_at timestamptz not null,
      measurand text not null,
      phase text,
      location text not null,
      context text not null,
      format text not null,
      unit text not null,
      value_raw text not null,
      value numeric,
      base_unit text,
      received_at timestamptz not null,
      source_action text not null,
      source_message_id text not null,
      sample_index integer not null,
      unique (station_id, sampled_at, source_message_id, sample_index)
    ) partition by range (sampled_at)`.execute(db)
  await sql`create table meter_values_default partition of meter_values default`.execute(db)
  await sql`create index meter_values_transaction_idx on meter_values (transaction_id, sampled_at) where transaction_id is not null`.execute(
    db,
  )

  await sql`
    create table station_messages (
      station_id text not null references stations (id) on delete cascade,
      source_message_id text not null,
      action text not null,
      received_at timestamptz not null,
      vendor_id text,
      data_message_id text,
      data text,
      status text,
      payload jsonb not null,
      response jsonb,
      primary key (station_id, source_message_id)
    )`.execute(db)
  await sql`create index station_messages_station_received_idx on station_messages (station_id, received_at)`.execute(
    db,
  )

  await sql`
    create table ingest_outbox (
      id bigint generated always as identity primary key,
      msg_id text not null unique,
      event_name text not null,
      event_version integer not null,
      data jsonb not null,
      created_at timestamptz not null default now()
    )`.execute(db)

  // Creates the monthly (UTC) partition of `parent` holding `month`, unless it exists. Rows of that month
  // already in the DEFAULT partition are moved into it first (attaching would fail otherwise); the DEFAULT
  // partition is locked meanwhile, so concurrent writers wait rather than fail.
  await sql`
    create function ensure_monthly_partition(parent text, month timestamptz) returns boolean
    language plpgsql as $fn$
    declare
      start_at timestamptz := date_trunc('month', month at time zone 'UTC') at time zone 'UTC';
      end_at timestamptz := (date_trunc('month', month at time zone 'UTC') + interval '1 month') at time zone 'UTC';
      child text := parent || '_' || to_char(month at time zone 'UTC', 'YYYY_MM');
      default_child text := parent || '_default';
      key text;
    begin
      if to_regclass(child) is not null then
        return false;
      end if;
      select a.attname into key
        from pg_partitioned_table p
        join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
       where p.partrelid = parent::regclass;
      execute format('lock table %I in access exclusive mode', default_child);
      if to_regclass(child) is not null then
        return false;
      end if;
      execute format('create table %I (like %I including defaults including constraints)', child, parent);
      execute format(
        'with moved as (delete from %I where %I >= $1 and %I < $2 returning *) insert into %I select * from moved',
        default_child, key, key, child) using start_at, end_at;
      execute format('alter table %I attach partition %I for values from (%L) to (%L)', parent, child, start_at, end_at);
      return true;
    end
    $fn$`.execute(db)

  // The months `from_month` .. `from_month + months - 1` of every time-partitioned table. Returns the
  // partitions it created.
  await sql`
    create function ensure_monthly_partitions(from_month timestamptz default now() - interval '1 month', months integer default 3)
    returns setof text
    language plpgsql as $fn$
    declare
      parent text;
      i integer;
      m timestamptz;
    begin
      foreach parent in array array['meter_values', 'status_events'] loop
        for i in 0 .. months - 1 loop
          m := from_month + make_interval(months => i);
          if ensure_monthly_partition(parent, m) then
            return next parent || '_' || to_char(m at time zone 'UTC', 'YYYY_MM');
          end if;
        end loop;
      end loop;
    end
    $fn$`.execute(db)

  await sql`select ensure_monthly_partitions()`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function ensure_monthly_partitions(timestamptz, integer)`.execute(db)
  await sql`drop function ensure_monthly_partition(text, timestamptz)`.execute(db)
  for (const t of [
    'ingest_outbox',
    'station_messages',
    'meter_values',
    'status_events',
    'unmatched_stops',
    'transactions',
    'id_tags',
  ]) {
    await sql`drop table ${sql.table(t)}`.execute(db)
  }
  await sql`
    alter table connectors
      drop column vendor_id,
      drop column meter_register_wh,
      drop column meter_register_at
  `.execute(db)
  await sql`
    alter table stations
      drop column charge_box_serial, drop column iccid, drop column imsi, drop column meter_type,
      drop column meter_serial, drop column registration_status_at, drop column last_boot_at,
      drop column heartbeat_interval_s, drop column offline_since, drop column clock_skew_ms,
      drop column clock_skew_at, drop column firmware_status, drop column firmware_status_at,
      drop column diagnostics_status, drop column diagnostics_status_at
  `.execute(db)
}
