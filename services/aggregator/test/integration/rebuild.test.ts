import { sql } from '@chargebus/db'
import { ConnectorStatusChanged, ConnectorStatusRecorded } from '@chargebus/events'
import { pino } from 'pino'
import { testClock } from '../../../../test/support/clock.ts'
import { publishSession } from '../../../../test/support/sessions.ts'
import { rebuild } from '../../src/admin.ts'
import { type AggregatorWorld, createWorld, settled, startTestAggregator } from '../support/aggregator.ts'

/*
 * incremental == rebuild: a history (sessions with samples across hours, statuses, a late status) applied live by
 * the real aggregator, then rebuilt from DOMAIN into shadow tables and swapped in, with the aggregator still
 * running and a reader querying in a loop: every cell equal, and the reader never sees rows go missing.
 */

const SLOW = 60_000
const H = 3_600_000
const T0 = Date.parse('2026-10-24T20:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()
const STATIONS = ['CP-A', 'CP-B']
const ENV = { AGGREGATOR_TIME_ZONE: 'Europe/Berlin' }

let world: AggregatorWorld
beforeAll(async () => {
  world = await createWorld()
  await world.db
    .insertInto('stations')
    .values([
      { id: 'CP-A', time_zone: null },
      { id: 'CP-B', time_zone: 'America/New_York' },
    ])
    .execute()
}, SLOW)
afterAll(async () => {
  await world?.close()
}, SLOW)

async function publishHistory(): Promise<void> {
  const p = world.publisher
  let tx = 1
  for (const stationId of STATIONS) {
    for (let s = 0; s < 4; s++) {
      const connectorId = 1 + (s % 2)
      const startedAt = T0 + s * 3 * H + 17 * 60_000
      const stoppedAt = await publishSession(p, {
        stationId,
        connectorId,
        transactionId: tx++,
        idTag: `TAG-${s % 3}`,
        startedAt,
        extraWh: s,
      })
      for (const [at, status] of [
        [startedAt, 'Charging'],
        [stoppedAt, 'Available'],
      ] as const) {
        const data = {
          stationId,
          connectorId,
          status,
          errorCode: 'NoError',
          statusAt: iso(at),
          receivedAt: iso(at),
          sourceMessageId: `st${at}${stationId}`,
        }
        await p.publish(ConnectorStatusChanged, data, { msgId: `sc${at}${stationId}` })
        await p.publish(
          ConnectorStatusRecorded,
          { ...data, stationTimestamp: true },
          { msgId: `sr${at}${stationId}` },
        )
      }
    }
    // A late fault, recorded only.
    await p.publish(
      ConnectorStatusRecorded,
      {
        stationId,
        connectorId: 1,
        status: 'Faulted',
        errorCode: 'GroundFailure',
        statusAt: iso(T0 + 30 * 60_000),
        stationTimestamp: true,
        receivedAt: iso(T0 + 10 * H),
        sourceMessageId: `late-${stationId}`,
      },
      { msgId: `late-${stationId}` },
    )
  }
}

/** Every non-zero cell, one string each, sorted. */
async function cells(stationId?: string): Promise<string[]> {
  const { rows } = await sql<{ cell: string }>`
    select concat_ws('|', metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
      as cell from aggregates where value <> 0 and (${stationId ?? null}::text is null or station_id = ${stationId ?? null})
    order by 1`.execute(world.db)
  return rows.map((r) => r.cell)
}

/** Every non-zero station and network total, one string each, sorted. */
async function totals(): Promise<string[]> {
  const { rows } = await sql<{ total: string }>`
    select concat_ws('|', metric, bucketing, bucket_start, station_id, dim, sub_dim, time_zone, value) as total
      from aggregate_totals where value <> 0 order by 1`.execute(world.db)
  return rows.map((r) => r.total)
}

test(
  'incremental == rebuild, all stations then one; the aggregator runs and a reader never sees rows missing',
  async () => {
    const clock = testClock(iso(T0 + 20 * H))
    const aggregator = await startTestAggregator(world, clock, ENV)
    try {
      await publishHistory()
      await settled(world, aggregator)
      const live = await cells()
      const liveTotals = await totals()
      expect(live.length).toBeGreaterThan(100)
      const energyCells = live.filter((c) => c.startsWith('energy_wh|')).length

      // Damage that only a recomputation repairs: lost cells of CP-A, wrong ones of CP-B.
      const of = (metric: string, station: string) =>
        live.filter((c) => c.split('|')[0] === metric && c.split('|')[3] === station).length
      const lost = of('faulted_ms', 'CP-A')
      const wrong = of('charging_ms', 'CP-B')
      expect(lost * wrong).toBeGreaterThan(0)
      // Cells that summed to 0 live are absent from a rebuild (the swap removes them).
      const zeros = async (table: 'aggregates' | 'aggregate_totals') =>
        Number(
          (
            await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where value = 0`.execute(
              world.db,
            )
          ).rows[0]?.n,
        )
      const zeroCells = await zeros('aggregates')
      const zeroTotals = await zeros('aggregate_totals')
      await sql`delete from aggregates where station_id = 'CP-A' and metric = 'faulted_ms'`.execute(world.db)
      await sql`update aggregates set value = value + 7 where station_id = 'CP-B' and metric = 'charging_ms'`.execute(
        world.db,
      )
      expect(await cells()).not.toEqual(live)

      // A reader in a loop, as the API queries: energy cells never go missing during the rebuild and swap.
      let reading = true
      let reads = 0
      const seen = new Set<number>()
      const reader = (async () => {
        while (reading) {
          const { rows } = await sql<{ n: string }>`
            select count(*) as n from aggregates where metric = 'energy_wh' and value <> 0`.execute(world.db)
          seen.add(Number(rows[0]?.n))
          reads++
        }
      })()
      const phases = new Set<string>()
      const summary = await rebuild({
        env: ENV,
        db: world.db,
        bus: world.publisher,
        logger: pino({ level: 'silent' }),
        clock,
        onProgress: (p) => phases.add(p.phase),
        // one station per write: the network's totals are summed across writes
        stationsPerWrite: 1,
      })
      reading = false
      await reader
      expect(reads).toBeGreaterThan(0)
      expect([...seen]).toEqual([energyCells])
      expect(phases).toEqual(new Set(['stream', 'write', 'swap']))
      expect(summary.streamEvents).toBe(STATIONS.length * (4 * 7 + 1))
      expect(summary.rows.aggregates).toBe(live.length)
      // The swap wrote only the damage back: the lost cells inserted, the wrong ones updated.
      expect(summary.written.aggregates).toEqual({
        inserted: lost,
        updated: wrong,
        deleted: zeroCells,
      })
      expect(summary.written.aggregate_totals).toEqual({ inserted: 0, updated: 0, deleted: zeroTotals })
      expect(await cells()).toEqual(live)
      expect(await totals()).toEqual(liveTotals)

      // The live aggregator goes on, on top of the rebuilt facts: a duplicate adds nothing, time advances alike.
      clock.advance(H)
      await aggregator.app.advance.runOnce()
      const afterTick = await cells()
      const totalsAfterTick = await totals()
      expect(afterTick).not.toEqual(live)

      // --station: only CP-B's rows are rebuilt; CP-A's damage stays.
      await sql`update aggregates set value = value + 7 where station_id in ('CP-A', 'CP-B') and metric = 'energy_wh'`.execute(
        world.db,
      )
      // A wrong delta booked on CP-B's totals reached the network's as well: the rebuild moves the network's share.
      await sql`update aggregate_totals n set value = value + 7
        where metric = 'energy_wh' and bucketing = 'local:day' and (station_id = 'CP-B' or (station_id = '' and exists (
          select 1 from aggregate_totals b where b.station_id = 'CP-B' and (b.bucketing, b.bucket_start, b.time_zone,
            b.metric, b.dim, b.sub_dim) = (n.bucketing, n.bucket_start, n.time_zone, n.metric, n.dim, n.sub_dim))))`.execute(
        world.db,
      )
      expect(await totals()).not.toEqual(totalsAfterTick)
      const one = await rebuild({
        env: ENV,
        db: world.db,
        bus: world.publisher,
        logger: pino({ level: 'silent' }),
        clock,
        stationId: 'CP-B',
      })
      expect(one.stationId).toBe('CP-B')
      expect(await cells('CP-B')).toEqual(afterTick.filter((c) => c.split('|')[3] === 'CP-B'))
      expect(await cells('CP-A')).not.toEqual(afterTick.filter((c) => c.split('|')[3] === 'CP-A'))
      // The station's totals and the network's are what the live aggregator had (the damage was to cells only).
      expect(await totals()).toEqual(totalsAfterTick)
      const leftover = await sql<{ n: string }>`
        select count(*) as n from information_schema.schemata where schema_name = 'aggregates_rebuild'`.execute(
        world.db,
      )
      expect(Number(leftover.rows[0]?.n)).toBe(0)
    } finally {
      await aggregator.close()
    }
  },
  SLOW,
)

test(
  'events stored after the fold are applied in the swap, onto the swapped-in rows',
  async () => {
    // The first test left the aggregator stopped, its clock at T0 + 21 h and every connector booked to it.
    const clock = testClock(iso(T0 + 21 * H))
    const before = await cells('CP-A')
    const hourlyEnergy = (rows: string[]) => rows.filter((c) => c.startsWith('energy_wh|utc:hour|'))
    const energyOf = (rows: string[]) =>
      hourlyEnergy(rows).reduce((sum, c) => sum + Number(c.split('|').at(-1)), 0)
    // The real stream, with one session stored between the fold's end and the swap: the swap reads the stream's
    // bounds a second time, right after it took its lock.
    let boundsRead = 0
    const bus: Parameters<typeof rebuild>[0]['bus'] = {
      read: (...args) => world.publisher.read(...args),
      streamBounds: async (stream) => {
        if (++boundsRead === 2)
          await publishSession(world.publisher, {
            stationId: 'CP-A',
            connectorId: 2,
            transactionId: 99,
            idTag: 'TAG-LATE',
            startedAt: T0 + 13 * H,
            extraWh: 40,
          })
        return world.publisher.streamBounds(stream)
      },
    }
    const summary = await rebuild({ env: ENV, db: world.db, bus, logger: pino({ level: 'silent' }), clock })
    expect(boundsRead).toBe(2)
    expect(summary.lastSeq).toBeGreaterThan(summary.firstSeq ?? 0)
    const after = await cells('CP-A')
    // The first test's damage to CP-A (7 Wh added to each energy cell) is repaired and the late session booked.
    const damage = 7 * hourlyEnergy(before).length
    expect(energyOf(after)).toBe(energyOf(before) - damage + 9040)
    // The live aggregator finds the late session already applied: a duplicate, nothing changes.
    const aggregator = await startTestAggregator(world, clock, ENV)
    try {
      await settled(world, aggregator)
      expect(await cells('CP-A')).toEqual(after)
    } finally {
      await aggregator.close()
    }
  },
  SLOW,
)
