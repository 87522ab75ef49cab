import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { createDb, type Database, type Kysely, migrateToLatest, sql } from '../../src/index.ts'
import { migrationsBefore } from '../support/migrations-before.ts'

/*
 * The time-partitioned tables (meter_values, status_events): months between two RANGE catch-alls, never a DEFAULT
 * partition, so no row is refused and pages in time order read the months in order.
 */

const SLOW = 60_000
const CATCH_ALLS = '2026-12-07T12:00:00Z_partition_catch_alls'

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

/** The partitions of `parent` in bound order, as `name: bounds`. */
async function partitions(on: Kysely<Database>, parent: string): Promise<string[]> {
  const { rows } = await sql<{ name: string; bounds: string }>`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = ${parent}::regclass`.execute(on)
  const lower = (b: string) => (b.includes('MINVALUE') ? '' : (b.match(/FROM \('([^']+)'\)/)?.[1] ?? '~'))
  return rows
    .sort((a, b) => (lower(a.bounds) < lower(b.bounds) ? -1 : 1))
    .map((r) => `${r.name}: ${r.bounds.replace(/ 00:00:00\+00/g, '')}`)
}

async function addStatus(on: Kysely<Database>, at: string, id: string): Promise<string> {
  const { rows } = await sql<{ partition: string }>`
    insert into status_events (station_id, connector_id, status, error_code, status_at, station_timestamp,
                               received_at, source_message_id)
    values ('CP-1', 1, 'Available', 'NoError', ${at}::timestamptz, true, ${at}::timestamptz, ${id})
    returning tableoid::regclass::text as partition`.execute(on)
  return rows[0]?.partition as string
}

async function partitionOf(on: Kysely<Database>, id: string): Promise<string | undefined> {
  const { rows } = await sql<{ partition: string }>`
    select tableoid::regclass::text as partition from status_events where source_message_id = ${id}`.execute(
    on,
  )
  return rows[0]?.partition
}

/** The oldest and newest months of `parent` as YYYY_MM, from its partitions' names (any schema version). */
async function monthRange(on: Kysely<Database>, parent: string): Promise<[string, string]> {
  const { rows } = await sql<{ first: string; last: string }>`
    select min(right(c.relname, 7)) as first, max(right(c.relname, 7)) as last
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = ${parent}::regclass and c.relname ~ '_[0-9]{4}_[0-9]{2}$'`.execute(on)
  return [rows[0]?.first as string, rows[0]?.last as string]
}

/** A century in months: "far off" is measured from the months the database has, never from a fixed date. */
const CENTURY = 1200

const monthStart = (yyyyMm: string, add = 0) => {
  const [y, m] = yyyyMm.split('_').map(Number) as [number, number]
  return new Date(Date.UTC(y, m - 1 + add, 1)).toISOString()
}

test(
  'the months lie between a past and a future catch-all, with no DEFAULT partition',
  async () => {
    for (const parent of ['meter_values', 'status_events']) {
      const { rows } = await sql<{ defaults: number }>`
        select count(*)::int as defaults from pg_partitioned_table
         where partrelid = ${parent}::regclass and partdefid <> 0`.execute(db)
      expect(rows[0]?.defaults).toBe(0)
      const [first, last] = await monthRange(db, parent)
      const list = await partitions(db, parent)
      expect(list[0]).toBe(
        `${parent}_past: FOR VALUES FROM (MINVALUE) TO ('${monthStart(first).slice(0, 10)}')`,
      )
      expect(list.at(-1)).toBe(
        `${parent}_future: FOR VALUES FROM ('${monthStart(last, 1).slice(0, 10)}') TO (MAXVALUE)`,
      )
      expect(list.length).toBeGreaterThanOrEqual(5)
    }
  },
  SLOW,
)

test(
  'a station clock far off is stored in a catch-all; a month created later takes its rows, with the months between',
  async () => {
    const [first, last] = await monthRange(db, 'status_events')
    const later = monthStart(last, 3) // three months after the newest: two months between
    const farFuture = monthStart(last, CENTURY)
    const earlier = monthStart(first, -2)
    expect(await addStatus(db, later, 'later')).toBe('status_events_future')
    expect(await addStatus(db, farFuture, 'far-future')).toBe('status_events_future')
    expect(await addStatus(db, earlier, 'earlier')).toBe('status_events_past')
    expect(await addStatus(db, monthStart(first, -CENTURY), 'century-before')).toBe('status_events_past')

    const created = await sql<{ name: string }>`
      select ensure_monthly_partition('status_events', ${later}::timestamptz) as name`.execute(db)
    const name = (iso: string) => `status_events_${iso.slice(0, 7).replace('-', '_')}`
    expect(created.rows.map((r) => r.name)).toEqual([
      name(monthStart(last, 1)),
      name(monthStart(last, 2)),
      name(later),
    ])
    expect(await partitionOf(db, 'later')).toBe(name(later))
    expect(await partitionOf(db, 'far-future')).toBe('status_events_future')

    const before = await sql<{ name: string }>`
      select ensure_monthly_partition('status_events', ${earlier}::timestamptz) as name`.execute(db)
    expect(before.rows.map((r) => r.name)).toEqual([name(earlier), name(monthStart(first, -1))])
    expect(await partitionOf(db, 'earlier')).toBe(name(earlier))
    expect(await partitionOf(db, 'century-before')).toBe('status_events_past')

    // asking again creates nothing; the months stay contiguous from the past to the future catch-all
    const again = await sql<{ name: string }>`
      select ensure_monthly_partition('status_events', m) as name
        from generate_series(${earlier}::timestamptz, ${later}::timestamptz, interval '1 month') m`.execute(
      db,
    )
    expect(again.rows).toEqual([])
    const list = await partitions(db, 'status_events')
    for (let i = 1; i < list.length; i++) {
      const upper = list[i - 1]?.match(/TO \('([^']+)'\)/)?.[1]
      expect(list[i]).toContain(`FROM ('${upper}')`)
    }
  },
  SLOW,
)

test(
  'concurrent callers of the same month create it once and none fails',
  async () => {
    const [, last] = await monthRange(db, 'meter_values')
    const month = monthStart(last, 1)
    const callers = Array.from({ length: 3 }, () => createDb({ url: scratch.adminUrl, poolSize: 1 }))
    try {
      const results = await Promise.all(
        callers.map((c) =>
          sql<{
            name: string
          }>`select ensure_monthly_partition('meter_values', ${month}::timestamptz) as name`
            .execute(c)
            .then((r) => r.rows.map((x) => x.name)),
        ),
      )
      expect(results.flat()).toEqual([`meter_values_${month.slice(0, 7).replace('-', '_')}`])
    } finally {
      await Promise.all(callers.map((c) => c.destroy()))
    }
  },
  SLOW,
)

test(
  'retiring the oldest month detaches it and widens the past catch-all over its range',
  async () => {
    const [first] = await monthRange(db, 'status_events')
    const at = monthStart(first, 0)
    await addStatus(db, at, 'retired-month')
    const inMonth = async () =>
      (
        await sql<{ n: number }>`
          select count(*)::int as n from status_events
           where status_at >= ${at}::timestamptz and status_at < ${monthStart(first, 1)}::timestamptz`.execute(
          db,
        )
      ).rows[0]?.n
    const rows = await inMonth()
    const retired = await sql<{ name: string }>`
      select retire_oldest_monthly_partition('status_events') as name`.execute(db)
    expect(retired.rows[0]?.name).toBe(`status_events_${first}`)
    expect(await partitionOf(db, 'retired-month')).toBeUndefined()
    const kept = await sql<{
      n: number
    }>`select count(*)::int as n from ${sql.table(`status_events_${first}`)}`.execute(db)
    expect(kept.rows[0]?.n).toBe(rows)
    expect(await inMonth()).toBe(0)
    expect(await addStatus(db, at, 'late-row')).toBe('status_events_past')
    const [newFirst] = await monthRange(db, 'status_events')
    expect((await partitions(db, 'status_events'))[0]).toBe(
      `status_events_past: FOR VALUES FROM (MINVALUE) TO ('${monthStart(newFirst).slice(0, 10)}')`,
    )
  },
  SLOW,
)

test(
  'a page in time order reads the months in order and stops when it is full (no sort, no merge of every month)',
  async () => {
    const [first] = await monthRange(db, 'status_events')
    await sql`
      insert into status_events (station_id, connector_id, status, error_code, status_at, station_timestamp,
                                 received_at, source_message_id)
      select 'CP-' || (i % 40), 1, 'Available', 'NoError', t, true, t, 'plan-' || i
        from generate_series(1, 40000) i,
             lateral (select ${monthStart(first)}::timestamptz + i * interval '3 minutes') as s(t)`.execute(
      db,
    )
    await sql`analyze status_events`.execute(db)
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      explain (costs off) select * from status_events where station_id = 'CP-7' and connector_id = 1
       order by status_at, source_message_id limit 101`.execute(db)
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
    expect(plan).toMatch(/->\s+Append/)
    expect(plan).not.toMatch(/Sort|Merge Append/)
  },
  SLOW,
)

test(
  'the migration moves the rows of an existing DEFAULT partition into the catch-alls and fills gaps with months',
  async () => {
    const old = await createThrowawayDatabase({ migrate: false })
    const admin = createDb({ url: old.adminUrl, poolSize: 1 })
    try {
      const before = migrationsBefore(CATCH_ALLS)
      await migrateToLatest(admin, { migrations: before })
      const [first, last] = await monthRange(admin, 'status_events')
      // a middle month dropped by hand: its rows went to DEFAULT since
      const middle = monthStart(first, 1).slice(0, 7).replace('-', '_')
      expect(middle < last).toBe(true)
      await sql`alter table status_events detach partition ${sql.table(`status_events_${middle}`)}`.execute(
        admin,
      )
      await sql`drop table ${sql.table(`status_events_${middle}`)}`.execute(admin)
      for (const [at, id] of [
        [monthStart(last, CENTURY), 'old-future'],
        [monthStart(first, -CENTURY), 'old-past'],
        [monthStart(middle), 'old-gap'],
      ] as const)
        expect(await addStatus(admin, at, id)).toBe('status_events_default')

      await migrateToLatest(admin)
      expect(await partitionOf(admin, 'old-future')).toBe('status_events_future')
      expect(await partitionOf(admin, 'old-past')).toBe('status_events_past')
      expect(await partitionOf(admin, 'old-gap')).toBe(`status_events_${middle}`)
      const names = (await partitions(admin, 'status_events')).map((p) => p.split(':')[0])
      expect(names).not.toContain('status_events_default')
    } finally {
      await admin.destroy()
      await old.drop()
    }
  },
  SLOW,
)
