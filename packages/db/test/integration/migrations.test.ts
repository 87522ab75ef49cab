import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import {
  createDb,
  type Database,
  DatabaseUnavailable,
  type Kysely,
  listMigrations,
  type Migration,
  MigrationFailed,
  migrateToLatest,
  sql,
} from '../../src/index.ts'

/** Generous: these talk to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

let scratch: ThrowawayDatabase
let admin: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase({ migrate: false })
  admin = createDb({ url: scratch.adminUrl, poolSize: 1 })
}, SLOW)

afterAll(async () => {
  await admin?.destroy()
  await scratch?.drop()
}, SLOW)

test(
  'the first run applies every migration in order',
  async () => {
    const report = await migrateToLatest(admin)
    expect(report.applied).toEqual(listMigrations())
    expect(report.latest).toBe(listMigrations().at(-1))
    expect(listMigrations().length).toBeGreaterThan(0)
  },
  SLOW,
)

test(
  'a second run, and concurrent runs, apply nothing and do not fail',
  async () => {
    expect(await migrateToLatest(admin)).toEqual({ applied: [], latest: listMigrations().at(-1) })
    const others = Array.from({ length: 3 }, () => createDb({ url: scratch.adminUrl, poolSize: 1 }))
    try {
      const reports = await Promise.all(others.map((db) => migrateToLatest(db)))
      for (const r of reports) expect(r.applied).toEqual([])
    } finally {
      await Promise.all(others.map((db) => db.destroy()))
    }
  },
  SLOW,
)

test(
  'the schema matches the Database type: stations, connectors and the sequence',
  async () => {
    const db = admin
    await db
      .insertInto('stations')
      .values({
        id: 'CP-SCHEMA',
        vendor: 'ACME',
        model: 'X',
        ocpp_version: '1.5',
        endpoint_url: 'http://10.0.0.7:8080/',
      })
      .execute()
    await db
      .insertInto('connectors')
      .values({
        station_id: 'CP-SCHEMA',
        connector_id: 0,
        status: 'Faulted',
        error_code: 'GroundFailure',
        status_at: '2026-11-26T07:00:00Z',
      })
      .execute()
    const s = await db
      .selectFrom('stations')
      .selectAll()
      .where('id', '=', 'CP-SCHEMA')
      .executeTakeFirstOrThrow()
    expect(s).toMatchObject({ registration_status: 'Pending', serial: null, first_seen_at: null })
    expect(s.created_at).toBeInstanceOf(Date)
    const c = await db.selectFrom('connectors').selectAll().executeTakeFirstOrThrow()
    expect(c.status_at).toEqual(new Date('2026-11-26T07:00:00Z'))

    const { rows } = await sql<{ data_type: string; max_value: string }>`
    select data_type::text, max_value::text from pg_sequences where sequencename = 'transaction_id_seq'`.execute(
      db,
    )
    expect(rows).toEqual([{ data_type: 'integer', max_value: '2147483647' }])

    await db.deleteFrom('stations').where('id', '=', 'CP-SCHEMA').execute()
    expect(await db.selectFrom('connectors').selectAll().execute()).toEqual([]) // on delete cascade
  },
  SLOW,
)

test.each([
  [
    'registration_status',
    sql`insert into stations (id, registration_status) values ('CP-B', 'Maybe')`,
    '23514',
  ],
  ['ocpp_version', sql`insert into stations (id, ocpp_version) values ('CP-B', '2.0.1')`, '23514'],
  ['empty station id', sql`insert into stations (id) values ('')`, '23514'],
  [
    'connector status',
    sql`insert into connectors (station_id, connector_id, status, status_at) values ('CP-NONE', 1, 'Occupied', now())`,
    '23514',
  ],
  [
    'connector of an unknown station',
    sql`insert into connectors (station_id, connector_id, status, status_at) values ('CP-NONE', 1, 'Available', now())`,
    '23503',
  ],
])(
  'the database rejects a bad %s',
  async (_, statement, code) => {
    await expect(statement.execute(admin)).rejects.toMatchObject({ code })
  },
  SLOW,
)

describe('failures', () => {
  test(
    'a failing migration is named, and the whole run is rolled back',
    async () => {
      const fresh = await createThrowawayDatabase({ migrate: false })
      const db = createDb({ url: fresh.adminUrl, poolSize: 1 })
      try {
        const migrations: Record<string, Migration> = {
          '2026-01-01T00:00:00Z_good': {
            up: (k) => k.schema.createTable('good').addColumn('id', 'integer').execute(),
          },
          '2026-01-02T00:00:00Z_bad': {
            up: async (k) => void (await sql`select 1 / 0`.execute(k)),
          },
        }
        const failure = migrateToLatest(db, { migrations })
        await expect(failure).rejects.toBeInstanceOf(MigrationFailed)
        await expect(failure).rejects.toMatchObject({
          code: 'DB_ERR_MIGRATION_FAILED',
          migrationName: '2026-01-02T00:00:00Z_bad',
          message: 'migration 2026-01-02T00:00:00Z_bad failed: division by zero',
        })
        const { rows } = await sql<{ t: string | null }>`select to_regclass('good')::text as t`.execute(db)
        expect(rows).toEqual([{ t: null }])
      } finally {
        await db.destroy()
        await fresh.drop()
      }
    },
    SLOW,
  )

  test(
    'an unreachable database is DB_ERR_UNAVAILABLE, not a migration failure',
    async () => {
      const db = createDb({ url: 'postgres://chargebus:chargebus@127.0.0.1:1/chargebus', poolSize: 1 })
      try {
        await expect(migrateToLatest(db)).rejects.toBeInstanceOf(DatabaseUnavailable)
      } finally {
        await db.destroy()
      }
    },
    SLOW,
  )
})

describe('the aggregates read contract', () => {
  const cell = (value: number, over: Record<string, unknown> = {}) => ({
    metric: 'energy_wh' as const,
    bucketing: 'utc:hour' as const,
    bucket_start: '2026-03-29T00:00:00Z',
    station_id: 'CP-AGG',
    connector_id: 1,
    dim: 'TAG-1',
    time_zone: 'UTC',
    value,
    ...over,
  })
  /** What the aggregator does with a delta: add it to the cell. */
  const addDelta = (row: ReturnType<typeof cell>) =>
    admin
      .insertInto('aggregates')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['metric', 'bucketing', 'bucket_start', 'station_id', 'connector_id', 'dim', 'sub_dim'])
          .doUpdateSet({ value: sql`aggregates.value + excluded.value` }),
      )
      .execute()

  test(
    'deltas add up in one cell per key, and the bi views sum, pivot and divide them',
    async () => {
      await addDelta(cell(1200))
      await addDelta(cell(-200))
      await addDelta(cell(1, { metric: 'sessions_started' }))
      await addDelta(cell(300, { dim: 'TAG-2' }))
      const rows = await admin.selectFrom('aggregates').select(['dim', 'value']).orderBy('dim').execute()
      expect(rows).toEqual([
        { dim: 'TAG-1', value: '1000' },
        { dim: 'TAG-1', value: '1' },
        { dim: 'TAG-2', value: '300' },
      ])

      const state = {
        metric: 'charging_ms',
        bucketing: 'local:day',
        time_zone: 'Europe/Berlin',
        dim: '',
      } as const
      const day = '2026-03-28T23:00:00Z' // local midnight in Berlin
      await addDelta(cell(3_000, { ...state, bucket_start: day }))
      await addDelta(cell(1_000, { ...state, metric: 'free_ms', bucket_start: day }))
      await addDelta(cell(4_000, { ...state, metric: 'faulted_ms', bucket_start: day }))
      await addDelta(cell(2, { ...state, metric: 'faults', bucket_start: day, dim: 'GroundFailure' }))

      const energy = await sql<Record<string, unknown>>`
        select id_tag, energy_wh, sessions_started from bi.energy order by id_tag`.execute(admin)
      expect(energy.rows).toEqual([
        { id_tag: 'TAG-1', energy_wh: '1000', sessions_started: '1' },
        { id_tag: 'TAG-2', energy_wh: '300', sessions_started: '0' },
      ])
      const availability = await sql<Record<string, unknown>>`
        select local_start, availability, utilisation from bi.connector_availability`.execute(admin)
      expect(availability.rows).toEqual([
        { local_start: new Date('2026-03-29T00:00:00'), availability: 0.5, utilisation: 0.75 },
      ])
      const faults = await sql<Record<string, unknown>>`
        select error_code, vendor_error_code, faults from bi.faults`.execute(admin)
      expect(faults.rows).toEqual([{ error_code: 'GroundFailure', vendor_error_code: '', faults: '2' }])
      const totals = await sql<Record<string, unknown>>`
        select bucketing, energy_wh, faults, stations from bi.network_totals order by bucketing`.execute(
        admin,
      )
      expect(totals.rows).toEqual([
        { bucketing: 'local:day', energy_wh: '0', faults: '2', stations: '1' },
        { bucketing: 'utc:hour', energy_wh: '1300', faults: '0', stations: '1' },
      ])
      await addDelta(cell(5, { bucketing: 'local:month', bucket_start: '2026-03-01T00:00:00Z' }))
      const usage = await sql<Record<string, unknown>>`
        select id_tag, energy_wh, stations from bi.id_tag_usage`.execute(admin)
      expect(usage.rows).toEqual([{ id_tag: 'TAG-1', energy_wh: '5', stations: '0' }])
    },
    SLOW,
  )

  test.each([
    ['metric', cell(1, { metric: 'volts' })],
    ['bucketing', cell(1, { bucketing: 'local:hour' })],
    ['connector', cell(1, { connector_id: -1 })],
  ])(
    'the aggregates table rejects a bad %s',
    async (_, row) => {
      await expect(admin.insertInto('aggregates').values(row).execute()).rejects.toMatchObject({
        code: '23514',
      })
    },
    SLOW,
  )

  test(
    'cells and totals leave half of each new page free, so adding a delta to a cell is a HOT update',
    async () => {
      const { rows } = await sql<{ table: string; options: string[] }>`
        select relname as table, reloptions as options from pg_class
         where relname in ('aggregates', 'aggregate_totals') and relkind = 'r' order by 1`.execute(admin)
      expect(rows).toEqual([
        { table: 'aggregate_totals', options: ['fillfactor=50'] },
        { table: 'aggregates', options: ['fillfactor=50'] },
      ])
    },
    SLOW,
  )

  test(
    'bi_reader may read the new views',
    async () => {
      const { rows } = await sql<{ view: string }>`
        select table_name as view from information_schema.role_table_grants
        where grantee = 'bi_reader' and table_schema = 'bi' and privilege_type = 'SELECT'
          and table_name in ('energy', 'connector_availability', 'faults', 'id_tag_usage', 'network_totals')
        order by 1`.execute(admin)
      expect(rows.map((r) => r.view)).toEqual([
        'connector_availability',
        'energy',
        'faults',
        'id_tag_usage',
        'network_totals',
      ])
    },
    SLOW,
  )
})
