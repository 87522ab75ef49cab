import type { Database, Kysely } from '@chargebus/db'
import { sql } from '@chargebus/db'
import type { OcppVersion } from '@chargebus/ocpp'
import type { LearnedConfiguration } from '../domain/capabilities.ts'
import type { IdTagSource, LocalList, LocalListEntry } from '../domain/local-list.ts'

/**
 * What the dispatcher knows about stations besides their commands: where they are (as ingest recorded them),
 * what they can do (`station_capabilities`, learnt by GetConfiguration), which local list they hold
 * (`station_local_lists`) and the id tags a SendLocalList is built from.
 */
export interface StationFacts {
  /** The station's ChargePointService address and version as ingest recorded them. */
  findStation(
    stationId: string,
  ): Promise<{ endpointUrl: string | null; ocppVersion: OcppVersion | null } | undefined>
  /** When the station's capabilities were learnt, and in which OCPP version. */
  capabilitiesLearned(stationId: string): Promise<{ ocppVersion: string | null; learnedAt: Date } | undefined>
  /** After a firmware update: keep what is known, but learn it again at the next boot. */
  markCapabilitiesStale(stationId: string): Promise<void>
  saveCapabilities(
    stationId: string,
    ocppVersion: OcppVersion,
    learned: LearnedConfiguration,
    commandId: string,
    at: Date,
  ): Promise<void>
  /** The local list the station accepted last. */
  loadLocalList(stationId: string): Promise<LocalList | undefined>
  saveLocalList(
    stationId: string,
    version: number,
    entries: Record<string, LocalListEntry>,
    commandId: string,
  ): Promise<void>
  /** Every id tag (the operational model's `id_tags`), for SendLocalList. */
  listIdTags(): Promise<IdTagSource[]>
}

export function createStationFacts(db: Kysely<Database>): StationFacts {
  const json = (v: unknown) => JSON.stringify(v)
  return {
    async findStation(stationId) {
      const row = await db
        .selectFrom('stations')
        .select(['endpoint_url', 'ocpp_version'])
        .where('id', '=', stationId)
        .executeTakeFirst()
      return row === undefined ? undefined : { endpointUrl: row.endpoint_url, ocppVersion: row.ocpp_version }
    },

    async capabilitiesLearned(stationId) {
      const row = await db
        .selectFrom('station_capabilities')
        .select(['ocpp_version', 'learned_at'])
        .where('station_id', '=', stationId)
        .executeTakeFirst()
      return row === undefined ? undefined : { ocppVersion: row.ocpp_version, learnedAt: row.learned_at }
    },

    async markCapabilitiesStale(stationId) {
      await db
        .updateTable('station_capabilities')
        .set({ learned_at: new Date(0) })
        .where('station_id', '=', stationId)
        .execute()
    },

    async saveCapabilities(stationId, ocppVersion, learned, commandId, at) {
      await db
        .insertInto('station_capabilities')
        .values({
          station_id: stationId,
          ocpp_version: ocppVersion,
          feature_profiles: learned.profiles,
          configuration: json(learned.configuration),
          unknown_keys: learned.unknownKeys,
          learned_at: at,
          source_command_id: commandId,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.column('station_id').doUpdateSet({
            ocpp_version: ocppVersion,
            // A GetConfiguration for some keys adds to what is known; profiles only change when reported.
            configuration: sql`station_capabilities.configuration || excluded.configuration`,
            feature_profiles: sql`coalesce(excluded.feature_profiles, station_capabilities.feature_profiles)`,
            unknown_keys: learned.unknownKeys,
            learned_at: at,
            source_command_id: commandId,
            updated_at: at,
          }),
        )
        .execute()
    },

    async loadLocalList(stationId) {
      const row = await db
        .selectFrom('station_local_lists')
        .select(['list_version', 'entries'])
        .where('station_id', '=', stationId)
        .executeTakeFirst()
      return row === undefined ? undefined : { version: row.list_version, entries: row.entries }
    },

    async saveLocalList(stationId, version, entries, commandId) {
      await db
        .insertInto('station_local_lists')
        .values({
          station_id: stationId,
          list_version: version,
          entries: json(entries),
          source_command_id: commandId,
        })
        .onConflict((oc) =>
          oc.column('station_id').doUpdateSet({
            list_version: version,
            entries: json(entries),
            source_command_id: commandId,
            updated_at: sql`now()`,
          }),
        )
        .execute()
    },

    async listIdTags() {
      const rows = await db
        .selectFrom('id_tags')
        .select(['id_tag', 'status', 'expiry_date', 'parent_id_tag'])
        .orderBy('id_tag')
        .execute()
      return rows.map((r) => {
        const tag: IdTagSource = { idTag: r.id_tag, status: r.status }
        if (r.expiry_date !== null) tag.expiryDate = r.expiry_date.toISOString()
        if (r.parent_id_tag !== null) tag.parentIdTag = r.parent_id_tag
        return tag
      })
    },
  }
}
