import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { createDb, type Database, type Kysely, migrateToLatest, sql } from '../../src/index.ts'
import { migrationsBefore } from '../support/migrations-before.ts'

/*
 * `session_meter_spans`: per transaction id and station, the first and last sampled_at of its meter values, kept
 * by a trigger whatever writes them. The API answers a session's values from it alone, so it must equal the values'
 * own min and max after any mix of inserts.
 */

const SLOW = 60_000
const SPANS = '2026-12-07T21:00:00Z_session_meter_spans'

let scratch: ThrowawayDatabase
let db: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  db = createDb({ url: scratch.adminUrl, poolSize: 4 })
}, SLOW)

afterAll(async () => {
  await db?.destroy()
  await scratch?.drop()
}, SLOW)

interface Value {
  station: string
  tx: number | null
  at: string
  id: string
}

/** One INSERT of `values`, ignoring those already stored, as ingest writes them. */
async function insert(on: Kysely<Database>, values: Value[]): Promise<void> {
  await on
    .insertInto('meter_values')
    .values(
      values.map((v) => ({
        station_id: v.station,
        connector_id: 1,
        transaction_id: v.tx,
        sampled_at: v.at,
        measurand: 'Energy.Active.Import.Register',
        location: 'Outlet',
        context: 'Sample.Periodic',
        format: 'Raw',
        unit: 'Wh',
        value_raw: '1',
        received_at: v.at,
        source_action: 'MeterValues',
        source_message_id: v.id,
        sample_index: 0,
      })),
    )
    .onConflict((c) => c.doNothing())
    .execute()
}

/** Every span next to the min and max of the values it stands for, as text. */
async function spansAndTruth(on: Kysely<Database>): Promise<{ spans: string[]; truth: string[] }> {
  const spans = await sql<{ line: string }>`
    select transaction_id || ' ' || station_id || ' ' || first_sampled_at || ' ' || last_sampled_at as line
      from session_meter_spans order by 1`.execute(on)
  const truth = await sql<{ line: string }>`
    select transaction_id || ' ' || station_id || ' ' || min(sampled_at) || ' ' || max(sampled_at) as line
      from meter_values where transaction_id is not null group by transaction_id, station_id order by 1`.execute(
    on,
  )
  return { spans: spans.rows.map((r) => r.line), truth: truth.rows.map((r) => r.line) }
}

test('every insert widens its sessions spans to exactly the min and max of their stored values', async () => {
  await sql`truncate meter_values, session_meter_spans`.execute(db)
  await insert(db, [
    { station: 'CP-1', tx: 7, at: '2026-11-15T10:00:00.000123Z', id: 'a' },
    { station: 'CP-1', tx: 7, at: '2026-11-15T10:15:00Z', id: 'b' },
    { station: 'CP-2', tx: 7, at: '2026-10-01T00:00:00Z', id: 'c' },
    { station: 'CP-1', tx: null, at: '2020-01-01T00:00:00Z', id: 'no-session' },
  ])
  // later, earlier (a station whose clock was off), across a month, and a redelivery of a stored value
  await insert(db, [{ station: 'CP-1', tx: 7, at: '2026-12-01T00:10:00Z', id: 'd' }])
  await insert(db, [{ station: 'CP-1', tx: 7, at: '1999-12-31T23:59:59.999999Z', id: 'e' }])
  await insert(db, [
    { station: 'CP-1', tx: 7, at: '2026-11-15T10:15:00Z', id: 'b' },
    { station: 'CP-1', tx: 8, at: '2026-11-20T00:00:00Z', id: 'f' },
  ])
  const { spans, truth } = await spansAndTruth(db)
  expect(spans).toEqual(truth)
  expect(spans).toHaveLength(3)
  expect(spans[0]).toMatch(/^7 CP-1 1999-12-31 23:59:59.999999\+00 2026-12-01 00:10:00\+00$/)
})

test('a duplicate that is not stored does not widen a span', async () => {
  await sql`truncate meter_values, session_meter_spans`.execute(db)
  await insert(db, [{ station: 'CP-1', tx: 9, at: '2026-11-15T10:00:00Z', id: 'x' }])
  // the same station, time and message id: the unique key refuses it, whatever its transaction says
  await insert(db, [{ station: 'CP-1', tx: 10, at: '2026-11-15T10:00:00Z', id: 'x' }])
  expect((await spansAndTruth(db)).spans).toEqual(['9 CP-1 2026-11-15 10:00:00+00 2026-11-15 10:00:00+00'])
})

test('concurrent batches of the same sessions end with exact spans', async () => {
  await sql`truncate meter_values, session_meter_spans`.execute(db)
  const batches = Array.from({ length: 8 }, (_, b) =>
    Array.from({ length: 20 }, (_, i) => ({
      station: `CP-${i % 4}`,
      tx: i % 5,
      at: new Date(Date.UTC(2026, 10, 1 + ((b * 7 + i * 3) % 28), b, i)).toISOString(),
      id: `${b}-${i}`,
    })),
  )
  await Promise.all(batches.map((values) => insert(db, values)))
  const { spans, truth } = await spansAndTruth(db)
  expect(spans).toEqual(truth)
  expect(spans.length).toBeGreaterThan(4)
})

test(
  'the migration fills the spans of the values stored before it',
  async () => {
    const earlier = await createThrowawayDatabase({ migrate: false })
    const admin = createDb({ url: earlier.adminUrl, poolSize: 1 })
    try {
      const before = migrationsBefore(SPANS)
      await migrateToLatest(admin, { migrations: before })
      await insert(admin, [
        { station: 'CP-1', tx: 3, at: '2026-11-15T10:00:00Z', id: 'a' },
        { station: 'CP-1', tx: 3, at: '2026-09-15T10:00:00Z', id: 'b' },
        { station: 'CP-1', tx: null, at: '2026-11-15T10:00:00Z', id: 'c' },
      ])
      await migrateToLatest(admin)
      const { spans, truth } = await spansAndTruth(admin)
      expect(spans).toEqual(truth)
      expect(spans).toHaveLength(1)
    } finally {
      await admin.destroy()
      await earlier.drop()
    }
  },
  SLOW,
)
