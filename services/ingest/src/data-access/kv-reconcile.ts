import type { Database, Kysely } from '@chargebus/db'
import {
  type KvBucketHandles,
  type MirrorOutcome,
  mirrorIdTag,
  mirrorRegistration,
} from '@chargebus/station-registry'

/*
 * Postgres is where operators' decisions are recorded (id tags, station registration); the gateway answers
 * from NATS KV caches. The API copies each decision into KV right after its Postgres write
 * (`@chargebus/station-registry`); this sweep re-mirrors, with the same writers, what changed since its
 * last pass (everything at start-up), so a KV write lost after a commit is repaired. The newer side wins: a
 * KV record whose `updatedAt` is later than the row's (e.g. written by `pnpm chargebus id-tags`) is left
 * alone. Deleted id tags are not seen here (the API removes them).
 */

/** Where the last `mirrorChangedSince` got to, per table (their times come from different clocks). */
export interface MirrorWatermark {
  idTags?: Date
  stations?: Date
}

/**
 * Rows committed out of order can carry a time just before the watermark: each pass looks back this far again
 * (mirroring is idempotent, a record already in KV is `unchanged`).
 */
const OVERLAP_MS = 5 * 60_000

/**
 * Mirrors every id tag updated, and every registration decided, since the watermark (everything without one).
 * Returns the next watermark and how many records were written.
 *
 * ### Examples
 * ```ts
 * let since: MirrorWatermark = {}
 * since = (await mirrorChangedSince(db, await openKvBuckets(bus), since)).until
 * ```
 */
export async function mirrorChangedSince(
  db: Kysely<Database>,
  kvs: KvBucketHandles,
  since: MirrorWatermark,
): Promise<{ until: MirrorWatermark; written: number }> {
  let tags = db
    .selectFrom('id_tags')
    .select(['id_tag', 'status', 'expiry_date', 'parent_id_tag', 'updated_at'])
  const tagsSince = lookBack(since.idTags)
  if (tagsSince !== undefined) tags = tags.where('updated_at', '>', tagsSince)
  const idTags = await mirrorEach(await tags.execute(), since.idTags, (tag) => ({
    at: tag.updated_at,
    mirror: () =>
      mirrorIdTag(kvs.idTags, {
        idTag: tag.id_tag,
        status: tag.status,
        expiryDate: tag.expiry_date,
        parentIdTag: tag.parent_id_tag,
        updatedAt: tag.updated_at,
      }),
  }))
  let decided = db
    .selectFrom('stations')
    .select(['id', 'registration_status', 'registration_status_at'])
    .where('registration_status_at', 'is not', null)
  const stationsSince = lookBack(since.stations)
  if (stationsSince !== undefined) decided = decided.where('registration_status_at', '>', stationsSince)
  const stations = await mirrorEach(await decided.execute(), since.stations, (s) => ({
    at: s.registration_status_at,
    mirror: () =>
      mirrorRegistration(kvs.stations, {
        stationId: s.id,
        registrationStatus: s.registration_status,
        decidedAt: s.registration_status_at,
        source: 'ingest',
      }),
  }))
  return {
    until: { idTags: idTags.until, stations: stations.until },
    written: idTags.written + stations.written,
  }
}

function lookBack(d: Date | undefined): Date | undefined {
  return d === undefined ? undefined : new Date(d.getTime() - OVERLAP_MS)
}

/** Mirrors the rows one after the other; counts the writes and moves the watermark to the latest row time. */
async function mirrorEach<R>(
  rows: R[],
  since: Date | undefined,
  each: (row: R) => { at: Date | null; mirror: () => Promise<MirrorOutcome> },
): Promise<{ until: Date | undefined; written: number }> {
  let until = since
  let written = 0
  for (const row of rows) {
    const { at, mirror } = each(row)
    if ((await mirror()) === 'written') written++
    if (at !== null && (until === undefined || at > until)) until = at
  }
  return { until, written }
}
