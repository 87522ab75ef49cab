import { createThrowawayDatabase } from '../../../../test/support/database.ts'
import { createDb, migrateToLatest, sql } from '../../src/index.ts'
import { migrationsBefore } from '../support/migrations-before.ts'

/*
 * `aggregator_connector_records`: the aggregator's status records move out of each connector's jsonb value into
 * rows of their own. The migration must carry every record over exactly (instant to the millisecond, a missing
 * vendor error code as ''), and give each connector the instant of its first record.
 */

const SLOW = 60_000
const RECORDS = '2026-12-07T23:30:00Z_aggregator_connector_records'

test(
  "moves every connector's records into rows and keeps its first instant",
  async () => {
    const earlier = await createThrowawayDatabase({ migrate: false })
    const db = createDb({ url: earlier.adminUrl, poolSize: 1 })
    try {
      await migrateToLatest(db, { migrations: migrationsBefore(RECORDS) })
      const at = Date.parse('2026-10-25T00:59:59.123Z')
      await sql`
        insert into aggregator_connectors (station_id, connector_id, records, booked_to, time_zone) values
          ('CP-1', 1, ${JSON.stringify([
            { at, status: 'Available', errorCode: 'NoError' },
            { at: at + 1, status: 'Faulted', errorCode: 'OtherError', vendorErrorCode: 'E7' },
            { at: at - 86_400_000, status: 'Charging', errorCode: 'NoError' },
          ])}::jsonb, now(), 'UTC'),
          ('CP-1', 2, '[]', null, 'UTC')`.execute(db)
      await migrateToLatest(db)

      const { rows } = await sql<{ row: string }>`
        select concat_ws('|', station_id, connector_id, (extract(epoch from at) * 1000)::bigint, status,
                         error_code, vendor_error_code) as row
          from aggregator_connector_records order by at`.execute(db)
      expect(rows.map((r) => r.row)).toEqual([
        `CP-1|1|${at - 86_400_000}|Charging|NoError|`,
        `CP-1|1|${at}|Available|NoError|`,
        `CP-1|1|${at + 1}|Faulted|OtherError|E7`,
      ])
      const { rows: connectors } = await sql<{ connector_id: number; first_at: Date | null }>`
        select connector_id, first_at from aggregator_connectors order by connector_id`.execute(db)
      expect(connectors.map((c) => [c.connector_id, c.first_at?.getTime() ?? null])).toEqual([
        [1, at - 86_400_000],
        [2, null],
      ])
    } finally {
      await db.destroy()
      await earlier.drop()
    }
  },
  SLOW,
)
