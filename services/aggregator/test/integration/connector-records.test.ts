import { sql } from '@chargebus/db'
import fc from 'fast-check'
import { readConnectorRecords, saveConnectors } from '../../src/data-access/entities-store.ts'
import type { StatusRecord } from '../../src/domain/connector-time.ts'
import { ALL_RECORDS, type RecordWindow, recordsInWindows } from '../../src/domain/entities.ts'
import { connectorKeyId } from '../../src/event-inputs.ts'
import { useWorld } from '../support/aggregator.ts'

/*
 * The incremental rule reads a connector's records around what a batch changes, with one statement
 * (`readConnectorRecords`); a unit property test shows the deltas are exact from what `recordsInWindows` selects.
 * Here the statement must select exactly that, on real Postgres, for random stored histories and windows.
 */

const SLOW = 120_000
const world = useWorld(SLOW)
const MIN = 60_000
const T0 = Date.parse('2026-10-25T00:00:00Z')

const KEYS = [
  { stationId: 'CP-1', connectorId: 1 },
  { stationId: 'CP-1', connectorId: 2 },
  { stationId: 'CP-2', connectorId: 1 },
]

/** Records on a 10-minute grid (many at one instant), some with a vendor error code. */
const aRecord: fc.Arbitrary<StatusRecord> = fc
  .record({
    slot: fc.integer({ min: 0, max: 30 }),
    status: fc.constantFrom('Available', 'Charging', 'Faulted'),
    vendor: fc.option(fc.constantFrom('E1', 'E2'), { nil: undefined }),
  })
  .map(({ slot, status, vendor }) => ({
    at: T0 + slot * 10 * MIN,
    status,
    errorCode: status === 'Faulted' ? 'OtherError' : 'NoError',
    ...(vendor === undefined ? {} : { vendorErrorCode: vendor }),
  }))

const aWindow: fc.Arbitrary<RecordWindow> = fc.oneof(
  fc.integer({ min: -2, max: 32 }).map((slot) => ({ from: T0 + slot * 10 * MIN })),
  fc
    .tuple(fc.integer({ min: -2, max: 32 }), fc.integer({ min: 0, max: 8 }))
    .map(([slot, length]) => ({ from: T0 + slot * 10 * MIN, to: T0 + (slot + length) * 10 * MIN })),
  fc.constant(ALL_RECORDS[0] as RecordWindow),
)

const identity = (r: StatusRecord) => JSON.stringify([r.at, r.status, r.errorCode, r.vendorErrorCode ?? ''])
const unique = (records: readonly StatusRecord[]) =>
  [...new Map(records.map((r) => [identity(r), r])).values()].sort((a, b) =>
    identity(a) < identity(b) ? -1 : 1,
  )

test(
  "reads exactly the records recordsInWindows selects from each connector's stored records",
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(...KEYS.map(() => fc.array(aRecord, { maxLength: 14 }))),
        fc.array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), aWindow), { minLength: 1, maxLength: 5 }),
        async (histories, picked) => {
          const stored = histories.map(unique)
          await world()
            .db.transaction()
            .execute(async (trx) => {
              await sql`truncate aggregator_connector_records`.execute(trx)
              await saveConnectors(
                trx,
                [],
                stored.flatMap((records, i) =>
                  records.map((record) => ({ key: KEYS[i] as (typeof KEYS)[0], record })),
                ),
              )
              const windows = picked.map(([i, window]) => ({ key: KEYS[i] as (typeof KEYS)[0], window }))
              const read = await readConnectorRecords(trx, windows)
              KEYS.forEach((key, i) => {
                const mine = windows.filter((w) => w.key === key).map((w) => w.window)
                const expected = mine.length === 0 ? [] : recordsInWindows(stored[i] ?? [], mine)
                expect(unique(read.get(connectorKeyId(key)) ?? [])).toEqual(unique(expected))
              })
            })
        },
      ),
      { numRuns: 60 },
    )
  },
  SLOW,
)

test('a record stored twice is refused, not skipped', async () => {
  const key = { stationId: 'CP-9', connectorId: 1 }
  const record = { at: T0, status: 'Available', errorCode: 'NoError' }
  await world()
    .db.transaction()
    .execute((trx) => saveConnectors(trx, [], [{ key, record }]))
  await expect(
    world()
      .db.transaction()
      .execute((trx) => saveConnectors(trx, [], [{ key, record: { ...record, vendorErrorCode: '' } }])),
  ).rejects.toThrow(/duplicate key/)
})

/** The scans of a plan (EXPLAIN's JSON), as "<node type> on <relation>". */
function scans(node: Record<string, unknown>): string[] {
  const own =
    typeof node['Relation Name'] === 'string' ? [`${node['Node Type']} on ${node['Relation Name']}`] : []
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? []
  return [...own, ...children.flatMap(scans)]
}

test(
  "the read probes each window's records by key, however many windows and records there are",
  async () => {
    const db = world().db
    await sql`truncate aggregator_connector_records`.execute(db)
    await sql`
      insert into aggregator_connector_records
      select 'CP-' || (c / 5 + 1), c % 5 + 1, ${new Date(T0).toISOString()}::timestamptz + n * interval '7 hours',
             'Available', 'NoError', ''
        from generate_series(0, 199) c, generate_series(0, 99) n`.execute(db)
    await sql`analyze aggregator_connector_records`.execute(db)
    const windows = Array.from({ length: 200 }, (_, c) => ({
      key: { stationId: `CP-${Math.floor(c / 5) + 1}`, connectorId: (c % 5) + 1 },
      window: { from: T0 + c * 3_600_000 },
    }))
    // the statement as the store issues it, compiled, then EXPLAINed with the same parameters
    const issued: { sql: string; parameters: readonly unknown[] }[] = []
    await db
      .withPlugin({
        transformQuery(args) {
          issued.push(db.getExecutor().compileQuery(args.node, args.queryId))
          return args.node
        },
        transformResult: async (args) => args.result,
      })
      .transaction()
      .execute((trx) => readConnectorRecords(trx, windows))
    const read = issued.find((q) => /from aggregator_connector_records/.test(q.sql))
    if (read === undefined) throw new Error('no statement read aggregator_connector_records')
    const explained = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>({
      ...(read as Parameters<typeof db.executeQuery>[0]),
      sql: `explain (format json) ${read.sql}`,
    })
    const plan = scans(explained.rows[0]?.['QUERY PLAN'][0].Plan ?? {})
    const onRecords = plan.filter((s) => s.endsWith('on aggregator_connector_records'))
    expect(onRecords.length).toBeGreaterThanOrEqual(3)
    expect(onRecords.filter((s) => !/^Index (Only )?Scan on/.test(s))).toEqual([])
  },
  SLOW,
)
