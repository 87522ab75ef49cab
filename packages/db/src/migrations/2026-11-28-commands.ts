import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 * It takes `Kysely<any>` and imports nothing from the package, so later type changes cannot alter it.
 *
 * Commands to stations (the audit of the durable outbox on JetStream's COMMANDS stream), what the gateway
 * learnt about each station's capabilities (GetConfiguration after a boot), and the local authorization list
 * each station holds (SendLocalList versions).
 */

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table commands (
      id uuid primary key,
      station_id text not null,
      operation text not null,
      payload jsonb not null,
      status text not null default 'queued',
      origin text not null default 'api',
      requested_by text,
      idempotency_key text,
      requested_at timestamptz not null,
      expires_at timestamptz,
      stream_seq bigint,
      attempts integer not null default 0,
      ocpp_version text,
      endpoint_url text,
      message_id text,
      sent_payload jsonb,
      response jsonb,
      error_code text,
      error_message text,
      next_attempt_at timestamptz,
      sent_at timestamptz,
      completed_at timestamptz,
      updated_at timestamptz not null default now(),
      constraint commands_status_check
        check (status in ('queued', 'sent', 'accepted', 'rejected', 'failed', 'expired')),
      constraint commands_origin_check check (origin in ('api', 'system')),
      constraint commands_ocpp_version_check check (ocpp_version in ('1.5', '1.6')),
      constraint commands_idempotency_key unique (station_id, idempotency_key)
    )
  `.execute(db)
  await sql`create index commands_station_requested on commands (station_id, requested_at desc)`.execute(db)
  // The dispatcher's ordering guard: unfinished commands of a station.
  await sql`
    create index commands_station_open on commands (station_id, stream_seq)
      where status in ('queued', 'sent')
  `.execute(db)

  await sql`
    create table station_capabilities (
      station_id text primary key,
      ocpp_version text,
      feature_profiles text[],
      configuration jsonb not null default '{}'::jsonb,
      unknown_keys text[] not null default '{}',
      learned_at timestamptz not null,
      source_command_id uuid,
      updated_at timestamptz not null default now(),
      constraint station_capabilities_ocpp_version_check check (ocpp_version in ('1.5', '1.6'))
    )
  `.execute(db)

  await sql`
    create table station_local_lists (
      station_id text primary key,
      list_version integer not null,
      entries jsonb not null default '{}'::jsonb,
      source_command_id uuid,
      updated_at timestamptz not null default now()
    )
  `.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table station_local_lists`.execute(db)
  await sql`drop table station_capabilities`.execute(db)
  await sql`drop table commands`.execute(db)
}
