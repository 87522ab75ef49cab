import { type Database, type Kysely, sql } from '@chargebus/db'

/*
 * A network's data at a given size, generated inside Postgres (INSERT ... SELECT generate_series), for
 * query-plan tests: enough rows per table that the planner's choices are the ones it makes at scale.
 * Deterministic (no random()): the same size gives the same rows. Time-ordered inserts, as ingest writes them
 * (the BRIN index on meter_values.sampled_at relies on that correlation).
 */

export interface ScaleSize {
  /** The seeded period from SEED_START, in days (whole months are partitions). */
  days: number
  stations: number
  /** Sessions (transactions); each has `valuesPerSession` meter values. */
  sessions: number
  valuesPerSession: number
  statusEvents: number
  commands: number
  stationMessages: number
  /** Stations with hourly aggregate cells over `aggregateDays`. */
  aggregateStations: number
  aggregateDays: number
  files: number
}

/** Tens of thousands of rows per table: the planner prefers an index wherever one serves. */
export const PLAN_TEST_SIZE: ScaleSize = {
  days: 91,
  stations: 2_000,
  sessions: 60_000,
  valuesPerSession: 4,
  statusEvents: 80_000,
  commands: 30_000,
  stationMessages: 20_000,
  aggregateStations: 60,
  aggregateDays: 30,
  files: 5_000,
}

/** The seeded period starts here (UTC); PLAN_TEST_SIZE covers three whole months, each its own partition. */
export const SEED_START = '2026-10-01T00:00:00Z'

/** Station `i` (1-based): `PL-000001`. */
export const seededStation = (i: number) => `PL-${String(i).padStart(6, '0')}`

/**
 * The connector that holds station `i`'s seeded status events. Row r goes to station (13 r mod stations) + 1 and to
 * connector r mod 2 + 1; with an even number of stations, r has the parity of i - 1 for every row of station i.
 */
export const seededStatusConnector = (i: number) => ((i - 1) % 2) + 1

/** Runs every insert (one statement per table), then VACUUM (ANALYZE). `report` hears each table as it is done. */
export async function seedAtScale(
  db: Kysely<Database>,
  size: ScaleSize,
  report: (table: string, rows: number) => void = () => {},
): Promise<void> {
  const start = sql.lit(SEED_START)
  // Seconds into the period of row i of n, spread evenly, in order.
  const spread = (i: string, n: number) =>
    sql`(${start}::timestamptz + (${sql.raw(i)}::float8 * ${sql.lit(size.days * 86_400)} / ${sql.lit(n)}) * interval '1 second')`
  const station = (expr: string) =>
    sql`'PL-' || lpad(((${sql.raw(expr)}) % ${sql.lit(size.stations)} + 1)::text, 6, '0')`
  // When station i was last seen: spread over the period in an order unrelated to its id (a network does not see
  // its stations in the order they were installed; seen in id order, an id-ordered page filtered by last_seen_at
  // walks more rows the larger the network). 7919 is prime, so i -> 7919 i mod n visits every station once.
  const lastSeen = spread(`((i * 7919) % ${size.stations})`, size.stations)
  // The id tag of an energy cell: a connector serves a new driver every three hours, drawn from 5,000 tags, so
  // a tag's energy of a day sits in a few cells (with one tag on every cell, energy by id tag was one group summing
  // the whole network).
  const tagOfCell = sql`'TAG' || lpad((((s * 2 + c) * 8 + h / 3) % 5000 + 1)::text, 6, '0')`
  const steps: Array<[string, number, ReturnType<typeof sql>]> = [
    [
      'partitions',
      0,
      sql`select ensure_monthly_partitions(${start}::timestamptz, ${sql.lit(Math.ceil(size.days / 30) + 1)})`,
    ],
    [
      'stations',
      size.stations,
      sql`insert into stations (id, vendor, model, ocpp_version, registration_status, first_seen_at, last_seen_at,
                                heartbeat_interval_s, offline_since)
          select ${station('i - 1')}, (array['ACME','Volta','Ohm','Ampere','Tesla'])[i % 5 + 1], 'Model ' || (i % 7),
                 '1.6', (array['Accepted','Accepted','Accepted','Pending','Rejected'])[i % 5 + 1],
                 ${start}::timestamptz, ${lastSeen}, 300,
                 case when i % 10 = 0 then ${lastSeen} end
            from generate_series(1, ${sql.lit(size.stations)}) i`,
    ],
    [
      'connectors',
      size.stations * 2,
      sql`insert into connectors (station_id, connector_id, status, status_at)
          select s.id, c, (array['Available','Charging','Faulted','Unavailable','Available'])[(c + length(s.id)) % 5 + 1],
                 ${start}::timestamptz
            from stations s, generate_series(1, 2) c`,
    ],
    [
      'id_tags',
      5_000,
      sql`insert into id_tags (id_tag) select 'TAG' || lpad(i::text, 6, '0') from generate_series(1, 5000) i`,
    ],
    [
      // Completed sessions of an hour; every 50th still active, one in 200 known by its stop only.
      'transactions',
      size.sessions,
      sql`insert into transactions (id, station_id, connector_id, id_tag, id_tag_status, meter_start, started_at,
                                    meter_stop, stopped_at, stop_reason)
          select i, ${station('i * 7')}, i % 2 + 1, 'TAG' || lpad((i % 5000 + 1)::text, 6, '0'), 'Accepted',
                 case when i % 200 <> 1 then 1000 end,
                 case when i % 200 <> 1 then ${spread('i', size.sessions)} end,
                 case when i % 50 <> 0 then 1000 + i % 40000 end,
                 case when i % 50 <> 0 then ${spread('i', size.sessions)} + interval '1 hour' end,
                 case when i % 50 <> 0 then 'Local' end
            from generate_series(1, ${sql.lit(size.sessions)}) i`,
    ],
    [
      // No ORDER BY (a sort of 20M rows at a year's size): transactions are read in id order, which is time
      // order, so the values come out nearly time-ordered, as ingest writes them.
      'meter_values',
      size.sessions * size.valuesPerSession,
      sql`insert into meter_values (station_id, connector_id, transaction_id, sampled_at, measurand, location, context,
                                    format, unit, value_raw, value, base_unit, received_at, source_action,
                                    source_message_id, sample_index)
          select t.station_id, t.connector_id, t.id, t.started_at + k * interval '15 minutes',
                 'Energy.Active.Import.Register', 'Outlet', 'Sample.Periodic', 'Raw', 'Wh', (1000 + k * 100)::text,
                 1000 + k * 100, 'Wh', t.started_at + k * interval '15 minutes', 'MeterValues',
                 'mv-' || t.id || '-' || k, 0
            from transactions t, generate_series(0, ${sql.lit(size.valuesPerSession - 1)}) k
           where t.started_at is not null`,
    ],
    [
      'status_events',
      size.statusEvents,
      sql`insert into status_events (station_id, connector_id, status, error_code, status_at, station_timestamp,
                                     received_at, source_message_id)
          select ${station('i * 13')}, i % 2 + 1, (array['Available','Charging','Faulted','Available'])[i % 4 + 1],
                 case when i % 4 = 2 then 'GroundFailure' else 'NoError' end, ${spread('i', size.statusEvents)}, true,
                 ${spread('i', size.statusEvents)}, 'se-' || i
            from generate_series(1, ${sql.lit(size.statusEvents)}) i`,
    ],
    [
      'commands',
      size.commands,
      sql`insert into commands (id, station_id, operation, payload, status, origin, requested_at, updated_at)
          select md5('command' || i)::uuid, ${station('i * 11')}, 'Reset', '{"type":"Soft"}',
                 (array['accepted','accepted','rejected','failed','expired','queued'])[i % 6 + 1], 'api',
                 ${spread('i', size.commands)}, ${spread('i', size.commands)}
            from generate_series(1, ${sql.lit(size.commands)}) i`,
    ],
    [
      'station_messages',
      size.stationMessages,
      sql`insert into station_messages (station_id, source_message_id, action, received_at, vendor_id, data, payload)
          select ${station('i * 17')}, 'dt-' || i, 'DataTransfer', ${spread('i', size.stationMessages)}, 'ACME', 'x',
                 '{}'::jsonb
            from generate_series(1, ${sql.lit(size.stationMessages)}) i`,
    ],
    [
      'aggregates',
      size.aggregateStations * size.aggregateDays * 24 * 2 * 3,
      sql`insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
          select m, 'utc:hour', ${start}::timestamptz + h * interval '1 hour', ${station('s')}, c,
                 case when m = 'energy_wh' then ${tagOfCell} else '' end, '', 'UTC', h + s
            from generate_series(1, ${sql.lit(size.aggregateStations)}) s,
                 generate_series(0, ${sql.lit(size.aggregateDays * 24 - 1)}) h,
                 generate_series(1, 2) c,
                 unnest(array['energy_wh', 'charging_ms', 'idle_ms']) m
           order by 3`,
    ],
    [
      'aggregates (daily)',
      size.aggregateStations * size.aggregateDays * 2 * 3,
      sql`insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
          select metric, 'local:day', date_trunc('day', bucket_start), station_id, connector_id, dim, sub_dim, time_zone,
                 sum(value)
            from aggregates group by 1, 3, 4, 5, 6, 7, 8`,
    ],
    [
      // The totals: per station and for the network (station_id ''), stored in their key's order as the aggregator
      // writes them, bucket after bucket (left to the plan, their order on disk changed with the indexes of
      // aggregates, and so did the buffers a page of them reads).
      'aggregate_totals',
      (size.aggregateStations + 1) * size.aggregateDays * 25 * 3,
      sql`insert into aggregate_totals (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim, value)
          select * from (
            select bucketing, bucket_start, time_zone, station_id, metric, '', '', sum(value)
              from aggregates group by 1, 2, 3, 4, 5
            union all
            select bucketing, bucket_start, time_zone, '', metric, '', '', sum(value)
              from aggregates group by 1, 2, 3, 5
          ) totals order by 1, 2, 3, 4, 5`,
    ],
    [
      'ftp_files',
      size.files,
      sql`insert into ftp_files (id, station_id, name, object_key, size, sha256, received_at)
          select md5('file' || i)::uuid, ${station('i * 19')}, 'log-' || i || '.csv', 'files/' || i, 100,
                 md5('content' || i) || md5('more' || i), ${spread('i', size.files)}
            from generate_series(1, ${sql.lit(size.files)}) i`,
    ],
  ]
  for (const [table, rows, statement] of steps) {
    await statement.execute(db)
    report(table, rows)
  }
  // A network's year-old tables have long been vacuumed (visibility map set, hint bits written): without this
  // the first read of each freshly inserted page writes it, and autovacuum runs while routes are measured.
  await sql`vacuum (analyze)`.execute(db)
  report('vacuum (analyze)', 0)
}
