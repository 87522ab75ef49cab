import { type Kysely, sql } from 'kysely'

/*
 * Frozen in time: never edit after it shipped; change the schema with a new migration.
 *
 * The rollups keep fewer buckets (issue 15, write throughput and storage):
 * - no `utc:day` or `utc:month`: hours are UTC, days and months are local (the station's zone, else the network's,
 *   UTC unless configured). With the default zone they duplicated the local ones; in another zone a UTC day is the
 *   sum of its 24 UTC hours. They were 40% of the rows every delta wrote.
 * - per hour, only energy, sessions, charging time and plugged-in idle time (the issue's hourly rollups); status
 *   time (free, unavailable, faulted, unknown) and faults are daily and monthly. A free connector made a row per
 *   hour, most of the table.
 * Checks make the contract hold for every writer (the rebuild's shadow tables copy them). `down` restores the old
 * checks only: the deleted rows come back from `chargebus aggregates rebuild` with the older aggregator.
 */

const TOTALS = ['aggregates', 'aggregate_totals']
const DAILY_ONLY = "'free_ms', 'unavailable_ms', 'faulted_ms', 'unknown_ms', 'faults'"

// biome-ignore lint/suspicious/noExplicitAny: frozen in time, so independent of today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TOTALS) {
    await sql`delete from ${sql.table(table)}
      where bucketing in ('utc:day', 'utc:month')
         or (bucketing = 'utc:hour' and metric in (${sql.raw(DAILY_ONLY)}))`.execute(db)
  }
  await sql`alter table aggregates drop constraint aggregates_bucketing_check`.execute(db)
  for (const table of TOTALS) {
    await sql`alter table ${sql.table(table)} add constraint ${sql.id(`${table}_kept_buckets_check`)}
      check (bucketing in ('utc:hour', 'local:day', 'local:month')
             and (bucketing <> 'utc:hour' or metric not in (${sql.raw(DAILY_ONLY)})))`.execute(db)
  }
  const bucketing =
    "utc:hour (UTC), or local:day, local:month (the station's time zone, else the network default)."
  for (const view of ['energy', 'connector_availability', 'faults', 'network_totals']) {
    await sql`comment on column ${sql.ref(`bi.${view}.bucketing`)} is ${sql.lit(bucketing)}`.execute(db)
  }
  await sql`comment on column bi.id_tag_usage.bucketing is 'local:month.'`.execute(db)
  await sql`comment on view bi.id_tag_usage is
    'Per id tag and local month: sessions, energy and how many stations it was used on.'`.execute(db)
  await sql`comment on column aggregates.bucketing is
    'utc:hour (energy, sessions, charging and idle time), local:day, local:month (every metric).'`.execute(db)
}

// biome-ignore lint/suspicious/noExplicitAny: frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TOTALS) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.id(`${table}_kept_buckets_check`)}`.execute(
      db,
    )
  }
  await sql`alter table aggregates add constraint aggregates_bucketing_check
    check (bucketing in ('utc:hour', 'utc:day', 'utc:month', 'local:day', 'local:month'))`.execute(db)
}
