import { createDb, sql } from '@chargebus/db'
import { type ApplyContext, applyEntityInputs } from '../../src/apply-inputs.ts'
import { createBucketingsOf } from '../../src/domain/bucketings.ts'
import type { EntityInput } from '../../src/event-inputs.ts'
import { useWorld } from '../support/aggregator.ts'

/*
 * Batches applied at once (AGGREGATOR_MAX_IN_FLIGHT) lock the same sessions, connectors and cells, new and
 * existing ones, in their own transactions: they must never deadlock (Postgres would abort one with 40P01), and
 * what they commit must equal applying the same batches one by one.
 */

const SLOW = 120_000
const H = 3_600_000
const T0 = Date.parse('2026-11-30T20:00:00Z')

const world = useWorld(SLOW)

/** Sessions and statuses of 8 stations x 2 connectors: every batch below shares entities with the others. */
function history(): EntityInput[] {
  const inputs: EntityInput[] = []
  for (let s = 1; s <= 8; s++) {
    const stationId = `CP-${s}`
    for (let connectorId = 1; connectorId <= 2; connectorId++) {
      for (let n = 0; n < 3; n++) {
        const transactionId = s * 100 + connectorId * 10 + n
        const startedAt = T0 + n * 2 * H + s * 60_000
        const key = { stationId, transactionId }
        inputs.push(
          {
            kind: 'connector',
            key: { stationId, connectorId },
            input: { record: { at: startedAt, status: 'Charging', errorCode: 'NoError' } },
          },
          {
            kind: 'session',
            key,
            input: { facts: [{ kind: 'start', startedAt, meterStartWh: 0 }], connectorId, idTag: `TAG-${n}` },
          },
          ...[1, 2, 3].map(
            (i): EntityInput => ({
              kind: 'session',
              key,
              input: { facts: [{ kind: 'sample', at: startedAt + i * 20 * 60_000, registerWh: i * 700 }] },
            }),
          ),
          {
            kind: 'session',
            key,
            input: { facts: [{ kind: 'stop', stoppedAt: startedAt + H + 30 * 60_000, meterStopWh: 3000 }] },
          },
          {
            kind: 'connector',
            key: { stationId, connectorId },
            input: { record: { at: startedAt + H + 30 * 60_000, status: 'Available', errorCode: 'NoError' } },
          },
        )
      }
    }
  }
  return inputs
}

/** A deterministic shuffle (a linear congruential generator), so a failure replays. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let x = seed
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0
    const j = x % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

const ctx: ApplyContext = {
  networkZone: 'Europe/Berlin',
  bucketingsOf: createBucketingsOf(),
  bookTo: T0 + 10 * H,
  onInvalidZone: () => {},
}

async function snapshot(): Promise<string[]> {
  const { rows } = await sql<{ row: string }>`
    select concat_ws('|', 'c', metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, value) as row
      from aggregates where value <> 0
    union all
    select concat_ws('|', 't', metric, bucketing, bucket_start, station_id, dim, sub_dim, value)
      from aggregate_totals where value <> 0
    order by 1`.execute(world().db)
  return rows.map((r) => r.row)
}

test(
  'overlapping batches applied 6 at a time never deadlock, commit what one-by-one application does, and leave no zero cell',
  async () => {
    const all = history()
    // 24 batches, each a shuffled third of the history: every input is in about 8 batches (duplicates), and
    // every batch meets new and existing sessions and connectors of the others.
    const batches = Array.from({ length: 24 }, (_, i) =>
      shuffled(all, i + 1).slice(0, Math.ceil(all.length / 3)),
    )
    const covered = new Set(batches.flat())
    const rest = all.filter((input) => !covered.has(input))
    batches.push(rest)

    const db = createDb({
      url: world().database.adminUrl,
      poolSize: 6,
      applicationName: 'aggregator-concurrency',
    })
    try {
      const queue = [...batches]
      const worker = async () => {
        for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
          const mine = batch
          await db.transaction().execute((trx) => applyEntityInputs(trx, mine, [], ctx))
        }
      }
      await Promise.all(Array.from({ length: 6 }, worker))
    } finally {
      await db.destroy()
    }
    const concurrent = await snapshot()
    expect(concurrent.length).toBeGreaterThan(100)
    // Cells that summed to 0 (time re-booked as later statuses arrived) were deleted, as a rebuild has none.
    const zeros = await sql<{ n: string }>`
      select (select count(*) from aggregates where value = 0) + (select count(*) from aggregate_totals where value = 0)
        as n`.execute(world().db)
    expect(Number(zeros.rows[0]?.n)).toBe(0)

    await sql`truncate aggregates, aggregate_totals, aggregator_sessions, aggregator_connectors, aggregator_connector_records`.execute(
      world().db,
    )
    for (const batch of batches)
      await world()
        .db.transaction()
        .execute((trx) => applyEntityInputs(trx, batch, [], ctx))
    expect(concurrent).toEqual(await snapshot())
  },
  SLOW,
)
