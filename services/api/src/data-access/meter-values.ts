import type { Database, Kysely } from '@chargebus/db'
import { type RawBuilder, sql } from '@chargebus/db'
import { decodeCursor, encodeCursor } from '../domain/cursor.ts'
import { BUCKETS, type BucketName, isRegister } from '../domain/meter-buckets.ts'
import { exactTime, iso, notBeforeCursor, num, pageOf, timeRange } from './rows.ts'

export interface MeterValueView {
  sampledAt: string
  connectorId: number
  measurand: string
  phase: string | null
  location: string
  context: string
  value: number | null
  unit: string | null
  valueRaw: string
  unitRaw: string
}

export interface MeterBucketView {
  bucketStart: string
  measurand: string
  phase: string | null
  location: string
  unit: string | null
  count: number
  avg: number | null
  min: number | null
  max: number | null
  last: number | null
}

/** The first and last `sampled_at` of a session's values (exact text), or null when it has none. */
export type ValueSpan = { first: string; last: string } | null

/**
 * A session's station and the span of its values, read together: meter values are keyed by what the station
 * sent, and the span bounds their query to the months they lie in (so its cost does not grow with the table's
 * age). Undefined when no such session.
 */
export async function findSessionValues(
  db: Kysely<Database>,
  sessionId: number,
): Promise<{ stationId: string; span: ValueSpan } | undefined> {
  const row = await db
    .selectFrom('transactions as t')
    .leftJoin('session_meter_spans as s', (j) =>
      j.onRef('s.transaction_id', '=', 't.id').onRef('s.station_id', '=', 't.station_id'),
    )
    .select([
      't.station_id',
      exactTime('s.first_sampled_at').as('first'),
      exactTime('s.last_sampled_at').as('last'),
    ])
    .where('t.id', '=', sessionId)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const span = row.first === null || row.last === null ? null : { first: row.first, last: row.last }
  return { stationId: row.station_id, span }
}

/** The span as plain bounds on `sampled_at` (which Postgres prunes months by); none at all when it is empty. */
function withinSpan(span: ValueSpan): RawBuilder<boolean>[] {
  if (span === null) return [sql<boolean>`false`]
  return [
    sql<boolean>`sampled_at >= ${span.first}::timestamptz`,
    sql<boolean>`sampled_at <= ${span.last}::timestamptz`,
  ]
}

export interface MeterValueFilter {
  /** The session's station and transaction id (meter values are keyed by what the station sent). */
  stationId: string
  sessionId: number
  /** From `findSessionValues`. */
  span: ValueSpan
  from?: string | undefined
  to?: string | undefined
  measurand?: string | undefined
  limit: number
  cursor?: string | undefined
}

/** A session's sampled values, oldest first (stable order: sampled_at, source message id, sample index). */
export async function listMeterValues(
  db: Kysely<Database>,
  f: MeterValueFilter,
): Promise<{ items: MeterValueView[]; nextCursor: string | null }> {
  let q = db
    .selectFrom('meter_values')
    .select([
      'sampled_at',
      'connector_id',
      'measurand',
      'phase',
      'location',
      'context',
      'value',
      'base_unit',
      'value_raw',
      'unit',
      'source_message_id',
      'sample_index',
      exactTime('sampled_at').as('sampled_at_exact'),
    ])
    .where('transaction_id', '=', f.sessionId)
    .where('station_id', '=', f.stationId)
  for (const condition of [...withinSpan(f.span), ...timeRange('sampled_at', f)]) q = q.where(condition)
  if (f.measurand !== undefined) q = q.where('measurand', '=', f.measurand)
  if (f.cursor !== undefined) {
    const [at, messageId, index] = decodeCursor('meter-values', f.cursor, [
      'timestamp',
      'string',
      'integer',
    ]) as [string, string, number]
    q = q
      .where(
        sql<boolean>`(sampled_at, source_message_id, sample_index) > (${at}::timestamptz, ${messageId}, ${index}::integer)`,
      )
      .where(notBeforeCursor('sampled_at', at))
  }
  const rows = await q
    .orderBy('sampled_at')
    .orderBy('source_message_id')
    .orderBy('sample_index')
    .limit(f.limit + 1)
    .execute()
  return pageOf(
    rows,
    f.limit,
    (r) => ({
      sampledAt: iso(r.sampled_at),
      connectorId: r.connector_id,
      measurand: r.measurand,
      phase: r.phase,
      location: r.location,
      context: r.context,
      value: num(r.value),
      unit: r.base_unit,
      valueRaw: r.value_raw,
      unitRaw: r.unit,
    }),
    (r) => encodeCursor('meter-values', [r.sampled_at_exact, r.source_message_id, r.sample_index]),
  )
}

interface BucketRow {
  bucket_start: Date
  bucket_exact: string
  measurand: string
  phase: string | null
  location: string
  unit: string | null
  count: number
  avg: number | null
  min: number | null
  max: number | null
  last: number | null
}

/**
 * A session's values downsampled into `bucket`s aligned to the Unix epoch: one row per bucket, measurand,
 * phase, location and unit, with avg/min/max, or, for registers, the last value. Ordered by those keys.
 */
export async function listMeterBuckets(
  db: Kysely<Database>,
  f: MeterValueFilter & { bucket: BucketName },
): Promise<{ items: MeterBucketView[]; nextCursor: string | null }> {
  const interval = BUCKETS[f.bucket]
  const conditions = [sql`transaction_id = ${f.sessionId}`, sql`station_id = ${f.stationId}`]
  conditions.push(...withinSpan(f.span), ...timeRange('sampled_at', f))
  if (f.measurand !== undefined) conditions.push(sql`measurand = ${f.measurand}`)
  let after = sql`true`
  if (f.cursor !== undefined) {
    const [at, measurand, phase, location, unit] = decodeCursor('meter-buckets', f.cursor, [
      'timestamp',
      'string',
      'string',
      'string',
      'string',
    ]) as [string, string, string, string, string]
    after = sql`(bucket_start, measurand, coalesce(phase, ''), location, coalesce(unit, '')) > (${at}::timestamptz, ${measurand}, ${phase}, ${location}, ${unit})`
    // a bucket starts at or before its values, so no value of the buckets after the cursor is older than it
    conditions.push(notBeforeCursor('sampled_at', at))
  }
  const { rows } = await sql<BucketRow>`
    select * from (
      select date_bin(${interval}::interval, sampled_at, timestamptz '1970-01-01 00:00:00+00') as bucket_start,
             measurand, phase, location, base_unit as unit,
             count(*)::integer as count,
             avg(value)::float8 as avg, min(value)::float8 as min, max(value)::float8 as max,
             (array_agg(value order by sampled_at desc, sample_index desc) filter (where value is not null))[1]::float8 as last
        from meter_values
       where ${sql.join(conditions, sql` and `)}
       group by 1, 2, 3, 4, 5
    ) b
    where ${after}
    order by bucket_start, measurand, coalesce(phase, ''), location, coalesce(unit, '')
    limit ${f.limit + 1}`.execute(db)
  const withExact = rows.map((r) => ({ ...r, bucket_exact: r.bucket_start.toISOString() }))
  return pageOf(
    withExact,
    f.limit,
    (r) => {
      const register = isRegister(r.measurand)
      return {
        bucketStart: iso(r.bucket_start),
        measurand: r.measurand,
        phase: r.phase,
        location: r.location,
        unit: r.unit,
        count: r.count,
        avg: register ? null : num(r.avg),
        min: register ? null : num(r.min),
        max: register ? null : num(r.max),
        last: register ? num(r.last) : null,
      }
    },
    (r) =>
      encodeCursor('meter-buckets', [r.bucket_exact, r.measurand, r.phase ?? '', r.location, r.unit ?? '']),
  )
}
