import { type Database, type Kysely, sql } from '@chargebus/db'
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

export interface MirrorOptions {
  /** Rows per page (one query, then their KV writes at once). */
  pageSize: number
  /** After each page: rows read and KV records written. */
  onPage?: (page: { table: 'id_tags' | 'stations'; read: number; written: number }) => void
  /** Asked before each page: true stops early (shutdown); the watermark then stays where it was. */
  stopped?: () => boolean
}

/** Where a page ended: Postgres's own text of the row time (microseconds kept, unlike a JS Date) and key. */
interface Cursor {
  at: string
  key: string
}

interface Page<R> {
  rows: R[]
  last: (Cursor & { date: Date }) | undefined
}

/**
 * Mirrors every id tag updated, and every registration decided, since the watermark (everything without one),
 * page by page in (time, key) order, the KV writes of a page at once. Returns the next watermark, how many
 * records were written and whether it stopped early.
 *
 * ### Examples
 * ```ts
 * let since: MirrorWatermark = {}
 * since = (await mirrorChangedSince(db, await openKvBuckets(bus), since, { pageSize: 500 })).until
 * ```
 */
export async function mirrorChangedSince(
  db: Kysely<Database>,
  kvs: KvBucketHandles,
  since: MirrorWatermark,
  opts: MirrorOptions,
): Promise<{ until: MirrorWatermark; written: number; stopped: boolean }> {
  const idTags = await mirrorPages(
    since.idTags,
    opts,
    'id_tags',
    (after) => idTagPage(db, after, opts.pageSize),
    (tag) =>
      mirrorIdTag(kvs.idTags, {
        idTag: tag.id_tag,
        status: tag.status,
        expiryDate: tag.expiry_date,
        parentIdTag: tag.parent_id_tag,
        updatedAt: tag.updated_at,
      }),
  )
  if (idTags.stopped) return { until: since, written: idTags.written, stopped: true }
  const stations = await mirrorPages(
    since.stations,
    opts,
    'stations',
    (after) => registrationPage(db, after, opts.pageSize),
    (s) =>
      mirrorRegistration(kvs.stations, {
        stationId: s.id,
        registrationStatus: s.registration_status,
        decidedAt: s.registration_status_at,
        source: 'ingest',
      }),
  )
  return {
    until: { idTags: idTags.until, stations: stations.stopped ? since.stations : stations.until },
    written: idTags.written + stations.written,
    stopped: stations.stopped,
  }
}

async function idTagPage(db: Kysely<Database>, after: Cursor | undefined, limit: number) {
  let q = db
    .selectFrom('id_tags')
    .select(['id_tag', 'status', 'expiry_date', 'parent_id_tag', 'updated_at'])
    .select(sql<string>`updated_at::text`.as('at_text'))
  if (after !== undefined)
    q = q.where(sql<boolean>`(updated_at, id_tag) > (${after.at}::timestamptz, ${after.key})`)
  const rows = await q.orderBy('updated_at').orderBy('id_tag').limit(limit).execute()
  return pageOf(rows, (r) => ({ at: r.at_text, key: r.id_tag, date: r.updated_at }))
}

async function registrationPage(db: Kysely<Database>, after: Cursor | undefined, limit: number) {
  let q = db
    .selectFrom('stations')
    .select(['id', 'registration_status', 'registration_status_at'])
    .select(sql<string>`registration_status_at::text`.as('at_text'))
    .where('registration_status_at', 'is not', null)
  if (after !== undefined)
    q = q.where(sql<boolean>`(registration_status_at, id) > (${after.at}::timestamptz, ${after.key})`)
  const rows = await q.orderBy('registration_status_at').orderBy('id').limit(limit).execute()
  return pageOf(rows, (r) => ({ at: r.at_text, key: r.id, date: r.registration_status_at as Date }))
}

function pageOf<R>(rows: R[], cursorOf: (row: R) => Cursor & { date: Date }): Page<R> {
  const lastRow = rows.at(-1)
  return { rows, last: lastRow === undefined ? undefined : cursorOf(lastRow) }
}

/**
 * Mirrors a table page by page from the watermark (looked back by OVERLAP_MS); the rows of a page are
 * independent keys, so their KV writes go at once. The watermark moves to the last row's time.
 */
async function mirrorPages<R>(
  since: Date | undefined,
  opts: MirrorOptions,
  table: 'id_tags' | 'stations',
  page: (after: Cursor | undefined) => Promise<Page<R>>,
  mirror: (row: R) => Promise<MirrorOutcome>,
): Promise<{ until: Date | undefined; written: number; stopped: boolean }> {
  const from = lookBack(since)
  let after: Cursor | undefined = from === undefined ? undefined : { at: from.toISOString(), key: '' }
  let until = since
  let written = 0
  for (;;) {
    if (opts.stopped?.()) return { until: since, written, stopped: true }
    const { rows, last } = await page(after)
    const outcomes = await Promise.all(rows.map(mirror))
    const pageWritten = outcomes.filter((o) => o === 'written').length
    written += pageWritten
    opts.onPage?.({ table, read: rows.length, written: pageWritten })
    if (last !== undefined) {
      after = last
      if (until === undefined || last.date > until) until = last.date
    }
    if (rows.length < opts.pageSize) return { until, written, stopped: false }
  }
}

function lookBack(d: Date | undefined): Date | undefined {
  return d === undefined ? undefined : new Date(d.getTime() - OVERLAP_MS)
}
