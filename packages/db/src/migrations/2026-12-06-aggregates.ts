import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 * It takes `Kysely<any>` and imports nothing from the package, so later type changes cannot alter it.
 *
 * The aggregator's read contract (issue 15):
 * - `aggregates`: ONE table of rollup cells, the domain's Tally cells (metric, bucketing, bucket start, station,
 *   connector, dims) with a whole-number value. The aggregator only ever adds deltas to it
 *   (`insert ... on conflict do update set value = aggregates.value + excluded.value`), so applying events in any
 *   order is a sum of upserts.
 * - `aggregator_sessions` and `aggregator_connectors`: the facts of each entity the incremental rule needs
 *   (applying an event = lock the entity's row, merge, delta = contribution(after) - contribution(before),
 *   upsert the delta, in one transaction). Each row also keeps what its booked contribution was computed with
 *   (the time zone; for connectors the end of the booked window), so the next delta subtracts exactly what was
 *   booked even after the station's zone changed.
 * - `stations.time_zone`: the station's IANA zone for local days and months (null: the network default, the
 *   aggregator's AGGREGATOR_TIME_ZONE).
 * - `bi` views over `aggregates`, commented, readable by `bi_reader` (the default privileges granted by
 *   2026-11-28T07:00:00Z_api_keys_and_bi cover views created later in `bi` by the same owner; the grant below
 *   covers another owner).
 */

const METRICS = [
  'energy_wh',
  'sessions_started',
  'sessions_completed',
  'charging_ms',
  'idle_ms',
  'free_ms',
  'unavailable_ms',
  'faulted_ms',
  'unknown_ms',
  'faults',
]
const BUCKETINGS = ['utc:hour', 'utc:day', 'utc:month', 'local:day', 'local:month']

const list = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '))

/** Sums of one metric per group, as a column. */
const sumOf = (metric: string) => `coalesce(sum(value) filter (where metric = '${metric}'), 0)::bigint`

const COMMON_COLUMNS: Record<string, string> = {
  bucketing:
    "utc:hour, utc:day, utc:month (UTC), or local:day, local:month (the station's time zone, else the network default).",
  bucket_start: 'First instant of the bucket (half-open [start, end)), UTC.',
  time_zone: "IANA zone the bucket was computed in ('UTC' for utc:* buckets).",
  local_start: 'bucket_start as a wall-clock time in time_zone (a local day starts at 00:00 local time).',
}

const STATE_COLUMNS: Record<string, string> = {
  charging_ms: 'Milliseconds in Charging.',
  idle_ms: 'Milliseconds plugged in without charging (Preparing, SuspendedEV, SuspendedEVSE, Finishing).',
  free_ms: 'Milliseconds Available or Reserved.',
  unavailable_ms: 'Milliseconds Unavailable.',
  faulted_ms: 'Milliseconds Faulted.',
  unknown_ms: 'Milliseconds in a status OCPP 1.6 does not define.',
}

const VIEWS: Array<{ name: string; comment: string; select: string; columns: Record<string, string> }> = [
  {
    name: 'energy',
    comment:
      'Energy and sessions per bucket (hour, day, month; UTC and local) per station, connector and id tag. A session spanning buckets has its energy spread over them along its meter values. Sum over id_tag (or connector) for coarser groups.',
    select: `select bucketing, bucket_start, time_zone, bucket_start at time zone time_zone as local_start,
      station_id, connector_id, dim as id_tag,
      ${sumOf('energy_wh')} as energy_wh, ${sumOf('sessions_started')} as sessions_started,
      ${sumOf('sessions_completed')} as sessions_completed
      from public.aggregates where metric in ('energy_wh', 'sessions_started', 'sessions_completed')
      group by bucketing, bucket_start, time_zone, station_id, connector_id, dim`,
    columns: {
      ...COMMON_COLUMNS,
      station_id: 'Station (bi.stations.station_id).',
      connector_id: 'Connector the sessions ran on.',
      id_tag: 'Id tag that started the sessions.',
      energy_wh:
        'Energy delivered in the bucket (Wh); a session whose meterStop is below its meterStart books 0.',
      sessions_started: 'Sessions started in the bucket.',
      sessions_completed: 'Sessions stopped in the bucket.',
    },
  },
  {
    name: 'connector_availability',
    comment:
      'Connector time per state per bucket (day and month, also hour in UTC), with availability (time not Faulted or Unavailable over known time) and utilisation (charging over available time). Connector 0 is the station as a whole. To aggregate, add the times, then divide: never average the ratios.',
    select: `select bucketing, bucket_start, time_zone, bucket_start at time zone time_zone as local_start,
      station_id, connector_id, charging_ms, idle_ms, free_ms, unavailable_ms, faulted_ms, unknown_ms,
      (charging_ms + idle_ms + free_ms)::double precision
        / nullif(charging_ms + idle_ms + free_ms + unavailable_ms + faulted_ms, 0) as availability,
      charging_ms::double precision / nullif(charging_ms + idle_ms + free_ms, 0) as utilisation
      from (select bucketing, bucket_start, time_zone, station_id, connector_id,
        ${sumOf('charging_ms')} as charging_ms, ${sumOf('idle_ms')} as idle_ms, ${sumOf('free_ms')} as free_ms,
        ${sumOf('unavailable_ms')} as unavailable_ms, ${sumOf('faulted_ms')} as faulted_ms,
        ${sumOf('unknown_ms')} as unknown_ms
        from public.aggregates
        where metric in ('charging_ms', 'idle_ms', 'free_ms', 'unavailable_ms', 'faulted_ms', 'unknown_ms')
        group by bucketing, bucket_start, time_zone, station_id, connector_id) t`,
    columns: {
      ...COMMON_COLUMNS,
      station_id: 'Station (bi.stations.station_id).',
      connector_id: 'Connector number (0 = the station as a whole).',
      ...STATE_COLUMNS,
      availability:
        '(charging + idle + free) / (all but unknown time); null when nothing is known. Unknown time is neither up nor down.',
      utilisation: 'charging / (charging + idle + free); null when the connector was never available.',
    },
  },
  {
    name: 'faults',
    comment:
      'Faults per bucket by error code and vendor error code: a connector entering an error condition (a repeated notification of the same error is one fault).',
    select: `select bucketing, bucket_start, time_zone, bucket_start at time zone time_zone as local_start,
      station_id, connector_id, dim as error_code, sub_dim as vendor_error_code, value as faults
      from public.aggregates where metric = 'faults'`,
    columns: {
      ...COMMON_COLUMNS,
      station_id: 'Station (bi.stations.station_id).',
      connector_id: 'Connector number (0 = the station as a whole).',
      error_code: 'OCPP ChargePointErrorCode.',
      vendor_error_code: "Vendor error code ('' when none was sent).",
      faults: 'Faults that began in the bucket.',
    },
  },
  {
    name: 'id_tag_usage',
    comment: 'Per id tag and month (UTC and local): sessions, energy and how many stations it was used on.',
    select: `select bucketing, bucket_start, time_zone, bucket_start at time zone time_zone as local_start,
      dim as id_tag, ${sumOf('sessions_started')} as sessions_started,
      ${sumOf('sessions_completed')} as sessions_completed, ${sumOf('energy_wh')} as energy_wh,
      count(distinct station_id) filter (where metric = 'sessions_started' and value > 0) as stations
      from public.aggregates
      where bucketing in ('utc:month', 'local:month')
        and metric in ('energy_wh', 'sessions_started', 'sessions_completed')
      group by bucketing, bucket_start, time_zone, dim`,
    columns: {
      ...COMMON_COLUMNS,
      bucketing: 'utc:month or local:month.',
      id_tag: 'Id tag that started the sessions.',
      sessions_started: 'Sessions it started in the month.',
      sessions_completed: 'Its sessions stopped in the month.',
      energy_wh: 'Energy its sessions delivered in the month (Wh).',
      stations: 'Stations it started a session on in the month.',
    },
  },
  {
    name: 'network_totals',
    comment:
      'The whole network per bucket: energy, sessions, connector time and faults. Local buckets are grouped by time zone (stations in different zones have different local days).',
    select: `select bucketing, bucket_start, time_zone, bucket_start at time zone time_zone as local_start,
      ${sumOf('energy_wh')} as energy_wh, ${sumOf('sessions_started')} as sessions_started,
      ${sumOf('sessions_completed')} as sessions_completed, ${sumOf('charging_ms')} as charging_ms,
      ${sumOf('idle_ms')} as idle_ms, ${sumOf('free_ms')} as free_ms, ${sumOf('unavailable_ms')} as unavailable_ms,
      ${sumOf('faulted_ms')} as faulted_ms, ${sumOf('unknown_ms')} as unknown_ms, ${sumOf('faults')} as faults,
      count(distinct station_id) as stations
      from public.aggregates group by bucketing, bucket_start, time_zone`,
    columns: {
      ...COMMON_COLUMNS,
      energy_wh: 'Energy delivered in the bucket (Wh).',
      sessions_started: 'Sessions started in the bucket.',
      sessions_completed: 'Sessions stopped in the bucket.',
      ...STATE_COLUMNS,
      faults: 'Faults that began in the bucket.',
      stations: 'Stations with any rollup cell in the bucket.',
    },
  },
]

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table stations add column time_zone text`.execute(db)
  await sql`
    alter table stations add constraint stations_time_zone_check
      check (time_zone is null or (time_zone <> '' and length(time_zone) <= 64))`.execute(db)
  await sql`comment on column stations.time_zone is
    'IANA time zone of the station for local daily and monthly rollups; null: the network default (AGGREGATOR_TIME_ZONE).'`.execute(
    db,
  )

  await sql`
    create table aggregates (
      metric text not null check (metric in (${list(METRICS)})),
      bucketing text not null check (bucketing in (${list(BUCKETINGS)})),
      bucket_start timestamptz not null,
      station_id text not null,
      connector_id integer not null default 0 check (connector_id >= 0),
      dim text not null default '',
      sub_dim text not null default '',
      time_zone text not null,
      value bigint not null,
      primary key (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim)
    )`.execute(db)
  await sql`create index aggregates_station_idx on aggregates (station_id, metric, bucketing, bucket_start)`.execute(
    db,
  )
  await sql`create index aggregates_bucket_idx on aggregates (bucketing, bucket_start)`.execute(db)
  await sql`comment on table aggregates is
    'Rollup cells maintained incrementally by the aggregator (value = value + delta). dim: id tag for energy/session metrics, error code for faults; sub_dim: vendor error code for faults.'`.execute(
    db,
  )

  await sql`
    create table aggregator_sessions (
      station_id text not null,
      transaction_id integer not null,
      connector_id integer,
      id_tag text,
      started_at timestamptz,
      meter_start_wh bigint,
      stopped_at timestamptz,
      meter_stop_wh bigint,
      samples jsonb not null default '[]',
      time_zone text not null,
      updated_at timestamptz not null default now(),
      primary key (station_id, transaction_id)
    )`.execute(db)
  await sql`comment on table aggregator_sessions is
    'The aggregator''s facts per session: start, stop and energy register samples [[epoch ms, Wh], ...]; time_zone is the zone its booked cells were computed in.'`.execute(
    db,
  )

  await sql`
    create table aggregator_connectors (
      station_id text not null,
      connector_id integer not null check (connector_id >= 0),
      records jsonb not null default '[]',
      booked_to timestamptz,
      time_zone text not null,
      updated_at timestamptz not null default now(),
      primary key (station_id, connector_id)
    )`.execute(db)
  await sql`create index aggregator_connectors_booked_idx on aggregator_connectors (booked_to)`.execute(db)
  await sql`comment on table aggregator_connectors is
    'The aggregator''s facts per connector: its status records; booked_to is the end of the window its booked connector time covers, time_zone the zone it was computed in.'`.execute(
    db,
  )

  for (const view of VIEWS) {
    await sql`create view ${sql.table(`bi.${view.name}`)} as ${sql.raw(view.select)}`.execute(db)
    await sql`comment on view ${sql.table(`bi.${view.name}`)} is ${sql.lit(view.comment)}`.execute(db)
    for (const [column, comment] of Object.entries(view.columns)) {
      await sql`comment on column ${sql.ref(`bi.${view.name}.${column}`)} is ${sql.lit(comment)}`.execute(db)
    }
  }
  await sql`
    do $do$
    begin
      if exists (select from pg_roles where rolname = 'bi_reader') then
        grant select on all tables in schema bi to bi_reader;
      end if;
    end
    $do$`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  for (const view of [...VIEWS].reverse()) await sql`drop view ${sql.table(`bi.${view.name}`)}`.execute(db)
  await sql`drop table aggregator_connectors`.execute(db)
  await sql`drop table aggregator_sessions`.execute(db)
  await sql`drop table aggregates`.execute(db)
  await sql`alter table stations drop column time_zone`.execute(db)
}
