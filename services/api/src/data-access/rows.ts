import { type RawBuilder, sql } from '@chargebus/db'
import { isoTime } from '../domain/iso-time.ts'

/** Conversions from pg values (Date, numeric/bigint strings) to the API's JSON shapes. */

export function iso(value: Date): string
export function iso(value: Date | null): string | null
export function iso(value: Date | null): string | null {
  return value === null ? null : isoTime(value)
}

/** numeric and bigint come back from pg as strings (precision); the API sends JSON numbers. */
export function num(value: string | number | null): number | null {
  return value === null ? null : Number(value)
}

/** A page of `limit` items out of `limit + 1` fetched: the extra row only says there is a next page. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
  cursorOf: (row: R) => string,
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  const last = page.at(-1)
  return { items: page.map(view), nextCursor: more && last !== undefined ? cursorOf(last) : null }
}

/**
 * The exact text of a timestamptz (microseconds, UTC) for cursors: a JS Date keeps milliseconds only,
 * and a cursor that lost precision would repeat or skip rows.
 */
export const exactTime = (column: string) =>
  sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/**
 * The half-open time range `from <= at < to` (ISO strings) as where-conditions, one per bound given, for list
 * endpoints' `from`/`to` filters. `at` is a column name or an SQL expression.
 */
export function timeRange(
  at: string | RawBuilder<Date>,
  range: { from?: string | undefined; to?: string | undefined },
): RawBuilder<boolean>[] {
  const expr = typeof at === 'string' ? sql.ref(at) : at
  const conditions: RawBuilder<boolean>[] = []
  if (range.from !== undefined) conditions.push(sql<boolean>`${expr} >= ${new Date(range.from)}`)
  if (range.to !== undefined) conditions.push(sql<boolean>`${expr} < ${new Date(range.to)}`)
  return conditions
}

/**
 * `at <= column` for a page after a cursor whose first key is `column` at `at`: implied by the cursor's row
 * comparison, but Postgres prunes the monthly partitions before `at` only from a plain bound like this one.
 */
export const notBeforeCursor = (column: string, at: string) =>
  sql<boolean>`${sql.ref(column)} >= ${at}::timestamptz`
