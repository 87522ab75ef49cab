import type { Database, Kysely } from '@chargebus/db'

/** The station's OCPP version and what the dispatcher learnt about it (undefined: no such station). */
export async function findCommandTarget(
  db: Kysely<Database>,
  stationId: string,
): Promise<{ ocppVersion: '1.5' | '1.6' | null; profiles: string[] | null } | undefined> {
  const row = await db
    .selectFrom('stations')
    .leftJoin('station_capabilities', 'station_capabilities.station_id', 'stations.id')
    .select([
      'stations.ocpp_version as stationVersion',
      'station_capabilities.ocpp_version as learntVersion',
      'station_capabilities.feature_profiles as profiles',
    ])
    .where('stations.id', '=', stationId)
    .executeTakeFirst()
  if (row === undefined) return undefined
  return { ocppVersion: row.learntVersion ?? row.stationVersion, profiles: row.profiles ?? null }
}
