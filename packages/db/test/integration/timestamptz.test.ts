import { testDb } from '../../../../test/support/database.ts'
import { type Database, type Kysely, sql } from '../../src/index.ts'

const SLOW = 30_000

// createDb connects on the first query: nothing to wait for here
const db: Kysely<Database> = testDb({ poolSize: 1 })
afterAll(() => db.destroy(), SLOW)

/** Random instants with microseconds over three years, read as Dates and as Postgres' own epoch milliseconds. */
async function readInZone(zone: string) {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('timezone', ${zone}, true)`.execute(trx)
    const { rows } = await sql<{ at: Date; text: string; epochMs: string }>`
      select at, at::text as text, floor(extract(epoch from at) * 1000)::bigint::text as "epochMs"
        from (select timestamptz '2026-01-01 00:00:00+00' + random() * interval '3 years' as at
                from generate_series(1, 2000)) s`.execute(trx)
    return rows
  })
}

test.each(['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Europe/Berlin'])(
  'timestamptz values printed in %s come back as the instants Postgres holds, to the millisecond',
  async (zone) => {
    const rows = await readInZone(zone)
    expect(rows).toHaveLength(2000)
    for (const row of rows) {
      expect({ text: row.text, ms: row.at.getTime() }).toEqual({ text: row.text, ms: Number(row.epochMs) })
    }
  },
  SLOW,
)

test(
  'infinity still reads as pg reads it',
  async () => {
    const { rows } = await sql<{ at: unknown }>`select timestamptz 'infinity' as at`.execute(db)
    expect(rows[0]?.at).toBe(Number.POSITIVE_INFINITY)
  },
  SLOW,
)
