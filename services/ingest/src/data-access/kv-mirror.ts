import type { Database, IdTagStatus, Kysely, RegistrationStatus } from '@chargebus/db'
import {
  type IdTagRecord,
  idTagKey,
  KvBuckets,
  kvKey,
  type StationRecord,
  stationRecordValidator,
} from '@chargebus/ocpp-gateway/kv-records'
import type { KV } from '@nats-io/kv'

/*
 * Postgres is where operators' decisions are recorded (id tags, station registration); the gateway answers from
 * NATS KV caches (`@chargebus/ocpp-gateway/kv-records`). These functions copy a decision into KV. The API calls
 * them right after its own commit; ingest's sweep calls `mirrorChangedSince` periodically (and at start-up), so
 * a KV write that failed after a commit is repaired. The newer side wins: a KV record whose `updatedAt` is later
 * than the row's (e.g. written by `pnpm chargebus id-tags`) is left alone.
 *
 * ### Examples
 * ```ts
 * import { mirrorIdTag, openMirrorBuckets } from '@chargebus/ingest/kv-mirror'
 * const kvs = await openMirrorBuckets(bus)
 * await mirrorIdTag(kvs.idTags, await db.selectFrom('id_tags').selectAll().where('id_tag', '=', 'TAG-1').executeTakeFirstOrThrow())
 * ```
 */

export type MirrorOutcome = 'written' | 'unchanged' | 'kv-newer' | 'removed'

/** The id-tag fields the gateway needs (an `id_tags` row fits). */
export interface IdTagDecision {
  id_tag: string
  status: IdTagStatus
  expiry_date: Date | null
  parent_id_tag: string | null
  updated_at: Date
}

/** A station's registration decision (a `stations` row fits). */
export interface StationDecision {
  id: string
  registration_status: RegistrationStatus
  /** When it was decided; a row without it is mirrored only when KV has no record for the station. */
  registration_status_at: Date | null
}

/** Opens the two buckets (created when missing) on a bus (`bus.kv`). */
export async function openMirrorBuckets(bus: {
  kv(bucket: string): Promise<KV>
}): Promise<{ idTags: KV; stations: KV }> {
  return { idTags: await bus.kv(KvBuckets.idTags), stations: await bus.kv(KvBuckets.stations) }
}

/** Copies an id tag into the gateway's cache, unless the cache holds a newer record. */
export async function mirrorIdTag(kv: KV, tag: IdTagDecision): Promise<MirrorOutcome> {
  const record: IdTagRecord = { status: tag.status, updatedAt: tag.updated_at.toISOString() }
  if (tag.expiry_date !== null) record.expiryDate = tag.expiry_date.toISOString()
  if (tag.parent_id_tag !== null) record.parentIdTag = tag.parent_id_tag
  return writeNewer(kv, idTagKey(tag.id_tag), tag.updated_at, () => record)
}

/** Removes an id tag from the gateway's cache (the tag was deleted at `removedAt`), unless KV is newer. */
export async function unmirrorIdTag(kv: KV, idTag: string, removedAt: Date): Promise<MirrorOutcome> {
  const key = idTagKey(idTag)
  const entry = await kv.get(key)
  if (entry === null || entry.operation !== 'PUT') return 'unchanged'
  const current = parse(entry.string())
  if (isNewer(current, removedAt)) return 'kv-newer'
  await kv.delete(key, { previousSeq: entry.revision })
  return 'removed'
}

/**
 * Copies a registration decision into the gateway's station cache, keeping what else the record holds (the
 * HTTP Basic password hash, firstSeenAt).
 */
export async function mirrorStationDecision(
  kv: KV,
  station: StationDecision,
  source = 'api',
): Promise<MirrorOutcome> {
  const decidedAt = station.registration_status_at
  return writeNewer(kv, kvKey(station.id), decidedAt ?? new Date(0), (current) => {
    if (decidedAt === null && current !== undefined) return undefined
    const base =
      current !== undefined && stationRecordValidator.Check(current) ? (current as StationRecord) : undefined
    const record: StationRecord = { ...base, registrationStatus: station.registration_status, source }
    if (decidedAt !== null) record.updatedAt = decidedAt.toISOString()
    return record
  })
}

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
 * Returns the next watermark.
 */
export async function mirrorChangedSince(
  db: Kysely<Database>,
  kvs: { idTags: KV; stations: KV },
  since: MirrorWatermark,
): Promise<{ until: MirrorWatermark; written: number }> {
  const until: MirrorWatermark = { ...since }
  const lookBack = (d: Date | undefined) => (d === undefined ? undefined : new Date(d.getTime() - OVERLAP_MS))
  let written = 0
  let tags = db
    .selectFrom('id_tags')
    .select(['id_tag', 'status', 'expiry_date', 'parent_id_tag', 'updated_at'])
  const tagsSince = lookBack(since.idTags)
  if (tagsSince !== undefined) tags = tags.where('updated_at', '>', tagsSince)
  for (const tag of await tags.execute()) {
    if ((await mirrorIdTag(kvs.idTags, tag)) === 'written') written++
    if (until.idTags === undefined || tag.updated_at > until.idTags) until.idTags = tag.updated_at
  }
  let stations = db
    .selectFrom('stations')
    .select(['id', 'registration_status', 'registration_status_at'])
    .where('registration_status_at', 'is not', null)
  const stationsSince = lookBack(since.stations)
  if (stationsSince !== undefined) stations = stations.where('registration_status_at', '>', stationsSince)
  for (const s of await stations.execute()) {
    if ((await mirrorStationDecision(kvs.stations, s, 'ingest')) === 'written') written++
    const at = s.registration_status_at
    if (at !== null && (until.stations === undefined || at > until.stations)) until.stations = at
  }
  return { until, written }
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text)
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function isNewer(current: Record<string, unknown> | undefined, than: Date): boolean {
  const at = typeof current?.updatedAt === 'string' ? Date.parse(current.updatedAt) : Number.NaN
  return Number.isFinite(at) && at > than.getTime()
}

/** Compare-and-set: retried when another writer got in between. `build` returns undefined to write nothing. */
async function writeNewer(
  kv: KV,
  key: string,
  at: Date,
  build: (current: Record<string, unknown> | undefined) => object | undefined,
): Promise<MirrorOutcome> {
  for (let attempt = 0; ; attempt++) {
    const entry = await kv.get(key)
    const live = entry !== null && entry.operation === 'PUT'
    const current = live ? parse(entry.string()) : undefined
    if (isNewer(current, at)) return 'kv-newer'
    const record = build(current)
    if (record === undefined) return 'unchanged'
    const json = JSON.stringify(record)
    if (live && entry.string() === json) return 'unchanged'
    try {
      // create also succeeds over a deleted key; update is compare-and-set on the revision read.
      if (!live) await kv.create(key, json)
      else await kv.update(key, json, entry.revision)
      return 'written'
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}
