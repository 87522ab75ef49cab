import { copyInto, type Database, type Kysely, sql } from '@chargebus/db'

/** A table column as the stores write it: its name, its SQL type and its value from an entity or a cell. */
export type Column<R> = readonly [name: string, type: string, value: (row: R) => unknown]

export function columnNames<R>(columns: readonly Column<R>[]) {
  return sql.join(columns.map(([name]) => sql.id(name)))
}

/** The rows as `unnest` of one array per column: one statement for any number of rows. */
export function unnestRows<R>(columns: readonly Column<R>[], rows: readonly R[]) {
  return sql`unnest(${sql.join(columns.map(([, type, value]) => sql`${rows.map(value)}::${sql.raw(type)}[]`))})`
}

/** The rows into `table` (schema-qualified) with COPY: bulk loads into empty tables (a rebuild's shadow). */
export async function copyRows<R>(
  db: Kysely<Database>,
  table: string,
  columns: readonly Column<R>[],
  rows: readonly R[],
): Promise<void> {
  if (rows.length === 0) return
  await copyInto(
    db,
    table,
    columns.map(([name]) => name),
    rows.map((r) => columns.map(([, , value]) => value(r))),
  )
}
