import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 * It takes `Kysely<any>` and imports nothing from the package, so later type changes cannot alter it.
 *
 * What the REST API (services/api) needs:
 * - `api_keys`: API keys, stored as the sha256 of the key (the key itself is shown once at creation).
 * - the `bi` schema: documented, read-only views over the operational tables for BI tools, and the
 *   grants for the `bi_reader` role (usage on `bi`, select on its views, nothing else).
 *
 * Roles are cluster-global, databases are not: the role is created once per cluster by whoever may
 * (scripts/deps-up.sh and docker/postgres/init.sql, as superuser, with LOGIN and a password), and this
 * migration only grants, per database. When the role is missing and the migrating user may create roles,
 * it is created NOLOGIN (an operator enables login); concurrent migrations of many databases (tests) race
 * on that create, so "already exists" is fine. When the role is missing and cannot be created, the grants
 * are skipped with a notice: `grant usage on schema bi to bi_reader; grant select on all tables in schema
 * bi to bi_reader` fixes it later (deps-up.sh does).
 */

const VIEWS: Array<{ name: string; comment: string; select: string; columns: Record<string, string> }> = [
  {
    name: 'stations',
    comment:
      'Charging stations (charge points): identity, what they reported at boot, registration and liveness.',
    select: `select id as station_id, vendor, model, serial, firmware_version, ocpp_version, registration_status,
      registration_status_at, first_seen_at, last_seen_at, last_boot_at, heartbeat_interval_s, offline_since,
      (offline_since is null and last_seen_at is not null) as online, created_at
      from public.stations`,
    columns: {
      station_id: 'Charge box identity (the OCPP chargeBoxIdentity); unique.',
      vendor: 'chargePointVendor from the last BootNotification.',
      model: 'chargePointModel from the last BootNotification.',
      serial: 'chargePointSerialNumber (else chargeBoxSerialNumber).',
      firmware_version: 'Firmware version from the last BootNotification.',
      ocpp_version: "OCPP version the station last spoke: '1.5' or '1.6'.",
      registration_status: 'Accepted, Pending or Rejected: what the station is answered at boot.',
      registration_status_at: 'When the registration status was decided (boot or operator decision), UTC.',
      first_seen_at: 'First time the central system received anything from the station, UTC.',
      last_seen_at: 'Last time the central system received anything from the station, UTC.',
      last_boot_at: 'When the last BootNotification was received, UTC.',
      heartbeat_interval_s: 'Heartbeat interval (seconds) given at the last boot.',
      offline_since: 'Set while the station is overdue (missed heartbeats); null when online.',
      online: 'True when seen at least once and not declared offline.',
      created_at: 'When the station record was created, UTC.',
    },
  },
  {
    name: 'sessions',
    comment:
      'Charging sessions (OCPP transactions): one row per transaction id, with energy (Wh) and duration once stopped.',
    select: `select id as session_id, station_id, connector_id, id_tag, state, started_at, stopped_at,
      meter_start as meter_start_wh, meter_stop as meter_stop_wh, energy_wh, duration_s,
      coalesce(stop_reason, case when stopped_at is not null then 'Local' end) as stop_reason
      from public.transactions`,
    columns: {
      session_id: 'OCPP transaction id given by the central system; unique.',
      station_id: 'Station the session ran on (bi.stations.station_id).',
      connector_id: 'Connector number on the station (1, 2, ...).',
      id_tag: 'Authorization identifier (RFID card or app token) that started the session.',
      state: 'active (started, not stopped), completed, or stop_only (a stop whose start is unknown).',
      started_at: 'Start time as reported by the station, UTC.',
      stopped_at: 'Stop time as reported by the station, UTC; null while active.',
      meter_start_wh: 'Energy register at start (Wh).',
      meter_stop_wh: 'Energy register at stop (Wh).',
      energy_wh: 'meter_stop_wh - meter_start_wh (Wh); null until both are known.',
      duration_s: 'stopped_at - started_at in whole seconds.',
      stop_reason: 'OCPP stop reason (Local when the station sent none); null while active.',
    },
  },
  {
    name: 'meter_values',
    comment:
      'Every sampled meter value (MeterValues and StopTransaction data), normalised to base units. Large: filter on sampled_at.',
    select: `select station_id, connector_id, transaction_id as session_id, sampled_at, measurand, phase, location,
      context, value, base_unit as unit, value_raw, unit as unit_raw, received_at
      from public.meter_values`,
    columns: {
      station_id: 'Station that sent the value.',
      connector_id: 'Connector number (0 = the station as a whole).',
      session_id: 'Transaction id as sent by the station (bi.sessions.session_id); null outside sessions.',
      sampled_at: 'Sample time as reported by the station, UTC. Partition key: always filter on it.',
      measurand: 'OCPP measurand, e.g. Energy.Active.Import.Register, Power.Active.Import, Current.Import.',
      phase: 'OCPP phase (L1, L2, L3, L1-N, ...); null when not per phase.',
      location: 'OCPP location: Outlet, Inlet, Body, Cable, EV.',
      context: 'OCPP reading context, e.g. Sample.Periodic, Transaction.Begin, Transaction.End.',
      value: 'Numeric value normalised to unit (kWh to Wh, kW to W, ...); null when not a number.',
      unit: 'Base unit of value: Wh, W, varh, var, VA, A, V, Celsius, Percent, Hz.',
      value_raw: 'The value exactly as the station sent it.',
      unit_raw: 'The unit as the station sent it (OCPP default Wh when absent).',
      received_at: 'When the central system received the value, UTC.',
    },
  },
  {
    name: 'status_events',
    comment: 'Connector status history: every StatusNotification a station sent.',
    select: `select station_id, connector_id, status, error_code, info, vendor_error_code, status_at, received_at
      from public.status_events`,
    columns: {
      station_id: 'Station that sent the notification.',
      connector_id: 'Connector number (0 = the station as a whole).',
      status:
        'OCPP 1.6 ChargePointStatus: Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable, Faulted.',
      error_code: 'OCPP ChargePointErrorCode (NoError when fine).',
      info: 'Free-text information from the station.',
      vendor_error_code: 'Vendor-specific error code.',
      status_at: 'When the status began (station timestamp, else receive time), UTC. Partition key.',
      received_at: 'When the central system received the notification, UTC.',
    },
  },
]

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      prefix text not null,
      key_hash bytea not null unique,
      scopes text[] not null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      constraint api_keys_name_check check (name <> '' and length(name) <= 100),
      constraint api_keys_key_hash_check check (length(key_hash) = 32),
      constraint api_keys_scopes_check check (
        cardinality(scopes) > 0 and scopes <@ array['read', 'write', 'admin', 'bi']::text[]
      )
    )`.execute(db)
  await sql`create index api_keys_created_idx on api_keys (created_at, id)`.execute(db)

  await sql`create schema bi`.execute(db)
  await sql`comment on schema bi is 'Read-only, documented views for BI tools (role bi_reader). Stable contract: columns are only added.'`.execute(
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
      if not exists (select from pg_roles where rolname = 'bi_reader')
         and (select rolcreaterole or rolsuper from pg_roles where rolname = current_user) then
        begin
          create role bi_reader nologin;
        exception when duplicate_object or unique_violation then
          null; -- another database's migration created it meanwhile
        end;
      end if;
      if exists (select from pg_roles where rolname = 'bi_reader') then
        grant usage on schema bi to bi_reader;
        grant select on all tables in schema bi to bi_reader;
        alter default privileges in schema bi grant select on tables to bi_reader;
      else
        raise notice 'role bi_reader does not exist and % may not create it: create it (scripts/deps-up.sh does), then grant usage on schema bi and select on all tables in schema bi to it', current_user;
      end if;
    end
    $do$`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    do $do$
    begin
      if exists (select from pg_roles where rolname = 'bi_reader') then
        alter default privileges in schema bi revoke select on tables from bi_reader;
      end if;
    end
    $do$`.execute(db)
  // The role is cluster-global (other databases use it): it stays.
  await sql`drop schema bi cascade`.execute(db)
  await sql`drop table api_keys`.execute(db)
}
