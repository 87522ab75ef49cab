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
