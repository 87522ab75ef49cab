import {
  type AnyEventDefinition,
  ConnectorStatusChanged,
  type EventData,
  MeterSampled,
  SessionCompleted,
  SessionStarted,
  Streams,
} from '@chargebus/events'
import { testClock } from '../../../../test/support/clock.ts'
import { createBucketingsOf } from '../../src/domain/bucketings.ts'
import { type CellRow, cellRows } from '../../src/domain/cell-rows.ts'
import {
  connectorContribution,
  mergeStatusRecord,
  NO_CONNECTOR_FACTS,
} from '../../src/domain/connector-rollup.ts'
import { mergeSessionFact, NO_SESSION_FACTS, sessionContribution } from '../../src/domain/session-rollup.ts'
import { addTallies, type Tally } from '../../src/domain/tally.ts'
import {
  type AggregatorWorld,
  createWorld,
  drained,
  settled,
  startTestAggregator,
} from '../support/aggregator.ts'

/*
 * The pipeline end to end: domain events on a test namespace -> the real aggregator (real NATS, Postgres through
 * pgbouncer) -> `aggregates` rows, compared with the NAIVE recomputation: the domain's contribution of each
 * entity's complete raw history, summed. Delivered shuffled, with duplicates, across the Berlin DST change,
 * with a station in its own zone, and with the consumer stopped mid-stream and restarted.
 */

const SLOW = 60_000
const NETWORK_ZONE = 'Europe/Berlin'
const STATION_ZONES: Record<string, string | null> = { 'CP-A': null, 'CP-B': 'America/New_York' }
const H = 3_600_000
const DST_NIGHT = Date.parse('2026-10-24T22:00:00Z') // Berlin: 25-hour day on 2026-10-25

type Published = { event: AnyEventDefinition; data: EventData<AnyEventDefinition> }

/** A small deterministic generator (mulberry32): the same history on every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Sessions (started, samples, completed; one left open, one whose register goes backwards) and statuses. */
function history(): Published[] {
  const rnd = random(15)
  const out: Published[] = []
  let tx = 100
  for (const stationId of Object.keys(STATION_ZONES)) {
    for (let connectorId = 1; connectorId <= 2; connectorId++) {
      let at = DST_NIGHT - 6 * H + Math.floor(rnd() * H)
      for (let s = 0; s < 3; s++) {
        const transactionId = tx++
        const idTag = `TAG-${Math.floor(rnd() * 3)}`
        const startedAt = at
        const meterStartWh = 10_000 + Math.floor(rnd() * 1000)
        const durationMs = Math.floor((1 + rnd() * 5) * H)
        const stoppedAt = startedAt + durationMs
        const backwards = transactionId === 104
        const meterStopWh = backwards ? meterStartWh - 50 : meterStartWh + Math.floor(rnd() * 30_000)
        out.push({
          event: SessionStarted,
          data: {
            stationId,
            transactionId,
            connectorId,
            idTag,
            meterStartWh,
            startedAt: iso(startedAt),
            sourceMessageId: `start-${transactionId}`,
          },
        })
        const readings = [1, 2, 3].map((k) => ({
          at: iso(startedAt + Math.floor((durationMs * k) / 4)),
          registerWh: meterStartWh + Math.floor(((meterStopWh - meterStartWh) * k) / 4 + rnd() * 100),
        }))
        out.push({
          event: MeterSampled,
          data: {
            stationId,
            connectorId,
            transactionId,
            readings: readings.slice(0, 2),
            sourceMessageId: `mv1-${transactionId}`,
          },
        })
        out.push({
          event: MeterSampled,
          data: {
            stationId,
            connectorId,
            transactionId,
            readings: readings.slice(2),
            sourceMessageId: `mv2-${transactionId}`,
          },
        })
        const open = s === 2 && connectorId === 2
        if (!open) {
          out.push({
            event: SessionCompleted,
            data: {
              stationId,
              transactionId,
              connectorId,
              idTag,
              startedAt: iso(startedAt),
              stoppedAt: iso(stoppedAt),
              meterStartWh,
              meterStopWh,
              energyWh: meterStopWh - meterStartWh,
              durationS: Math.round(durationMs / 1000),
              sourceMessageId: `stop-${transactionId}`,
            },
          })
        }
        const status = (statusAt: number, status: string, errorCode = 'NoError') =>
          out.push({
            event: ConnectorStatusChanged,
            data: {
              stationId,
              connectorId,
              status,
              errorCode,
              statusAt: iso(statusAt),
              receivedAt: iso(statusAt),
              sourceMessageId: `st-${stationId}-${connectorId}-${statusAt}-${status}`,
            },
          })
        status(startedAt - 60_000, 'Preparing')
        status(startedAt, 'Charging')
        if (!open) status(stoppedAt, 'Available')
        if (s === 1) status(stoppedAt + 10 * 60_000, 'Faulted', 'GroundFailure')
        if (s === 1) status(stoppedAt + 40 * 60_000, 'Available')
        at = stoppedAt + Math.floor(rnd() * 2 * H) + H
      }
    }
  }
  return out
}

/** The naive recomputation: every entity's contribution from all its raw inputs at once, up to `to`. */
function naive(events: readonly Published[], to: number): CellRow[] {
  const bucketingsOf = createBucketingsOf()
  const zoneOf = (station: string) => STATION_ZONES[station] ?? NETWORK_ZONE
  const sessions = new Map<
    number,
    { station: string; connector: number; idTag: string; facts: typeof NO_SESSION_FACTS }
  >()
  const connectors = new Map<
    string,
    { station: string; connector: number; facts: typeof NO_CONNECTOR_FACTS }
  >()
  for (const { event, data } of events) {
    const d = data as Record<string, unknown> & { stationId: string; connectorId: number }
    if (event === ConnectorStatusChanged) {
      const e = d as unknown as EventData<typeof ConnectorStatusChanged>
      const key = `${e.stationId}/${e.connectorId}`
      const c = connectors.get(key) ?? {
        station: e.stationId,
        connector: e.connectorId,
        facts: NO_CONNECTOR_FACTS,
      }
      c.facts = mergeStatusRecord(c.facts, {
        at: Date.parse(e.statusAt),
        status: e.status,
        errorCode: e.errorCode,
      })
      connectors.set(key, c)
      continue
    }
    const tx = d.transactionId as number
    const s = sessions.get(tx) ?? {
      station: d.stationId,
      connector: d.connectorId,
      idTag: '',
      facts: NO_SESSION_FACTS,
    }
    if (typeof d.idTag === 'string') s.idTag = d.idTag
    if (event === MeterSampled) {
      for (const r of (d as unknown as EventData<typeof MeterSampled>).readings) {
        s.facts = mergeSessionFact(s.facts, {
          kind: 'sample',
          at: Date.parse(r.at),
          registerWh: r.registerWh,
        })
      }
    } else {
      const e = d as unknown as EventData<typeof SessionCompleted>
      s.facts = mergeSessionFact(s.facts, {
        kind: 'start',
        startedAt: Date.parse(e.startedAt),
        meterStartWh: e.meterStartWh,
      })
      if (event === SessionCompleted) {
        s.facts = mergeSessionFact(s.facts, {
          kind: 'stop',
          stoppedAt: Date.parse(e.stoppedAt),
          meterStopWh: e.meterStopWh,
        })
      }
    }
    sessions.set(tx, s)
  }
  let total: Tally = new Map()
  for (const s of sessions.values()) {
    const dims = [s.station, String(s.connector), s.idTag]
    total = addTallies(total, sessionContribution(s.facts, bucketingsOf(zoneOf(s.station)), dims))
  }
  for (const c of connectors.values()) {
    const from = Math.min(...[...c.facts.values()].map((r) => r.at))
    const window = { from, to: Math.max(from, to) }
    const dims = [c.station, String(c.connector)]
    total = addTallies(total, connectorContribution(c.facts, window, bucketingsOf(zoneOf(c.station)), dims))
  }
  return cellRows(total)
}

async function stored(world: AggregatorWorld): Promise<CellRow[]> {
  const rows = await world.db.selectFrom('aggregates').selectAll().where('value', '!=', '0').execute()
  return rows.map((r) => ({
    metric: r.metric,
    bucketing: r.bucketing,
    bucketStart: r.bucket_start.getTime(),
    stationId: r.station_id,
    connectorId: r.connector_id,
    dim: r.dim,
    subDim: r.sub_dim,
    timeZone: r.time_zone,
    value: Number(r.value),
  }))
}
/** `aggregate_totals` as rows keyed like the domain's levels (station '' = the network, connector -1). */
async function storedTotals(world: AggregatorWorld): Promise<Map<string, number>> {
  const rows = await world.db.selectFrom('aggregate_totals').selectAll().where('value', '!=', '0').execute()
  return new Map(
    rows.map((r) => [
      JSON.stringify([
        r.metric,
        r.bucketing,
        r.bucket_start.getTime(),
        r.time_zone,
        r.station_id,
        r.dim,
        r.sub_dim,
      ]),
      Number(r.value),
    ]),
  )
}

/** The totals the connector cells make, by the contract's rule (written out here, not the aggregator's code). */
function totalsOf(cells: readonly CellRow[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const c of cells) {
    if (c.metric.endsWith('_ms') && c.connectorId === 0) continue
    const dims = c.metric === 'faults' ? [c.dim, c.subDim] : ['', '']
    for (const station of [c.stationId, '']) {
      const key = JSON.stringify([c.metric, c.bucketing, c.bucketStart, c.timeZone, station, ...dims])
      out.set(key, (out.get(key) ?? 0) + c.value)
    }
  }
  for (const [k, v] of out) if (v === 0) out.delete(k)
  return out
}

/** One order for rows from either side (by every column, in a fixed order). */
const rowKey = (r: CellRow) =>
  JSON.stringify([
    r.metric,
    r.bucketing,
    r.bucketStart,
    r.stationId,
    r.connectorId,
    r.dim,
    r.subDim,
    r.timeZone,
    r.value,
  ])
const sorted = (rows: CellRow[]) => [...rows].sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : 1))

let world: AggregatorWorld
beforeAll(async () => {
  world = await createWorld()
  await world.db
    .insertInto('stations')
    .values(Object.entries(STATION_ZONES).map(([id, time_zone]) => ({ id, time_zone })))
    .execute()
}, SLOW)
afterAll(async () => {
  await world?.close()
}, SLOW)

async function publish(
  events: readonly Published[],
  msgId: (e: Published, i: number) => string,
): Promise<void> {
  for (const [i, e] of events.entries())
    await world.publisher.publish(e.event, e.data, { msgId: msgId(e, i) })
}

test(
  'shuffled, duplicated, across a DST night, stopped mid-stream and restarted: aggregates == the naive recomputation',
  async () => {
    const events = history()
    const rnd = random(7)
    const shuffled = [...events].sort(() => rnd() - 0.5)
    const duplicates = shuffled.filter(() => rnd() < 0.3)
    const clock = testClock(iso(DST_NIGHT + 30 * H))
    const half = Math.floor(shuffled.length / 2)

    // First half, applied, then the consumer stops; the second half and the duplicates (new msgIds, so the
    // stream stores them again) arrive while it is down.
    let aggregator = await startTestAggregator(world, clock, {
      AGGREGATOR_TIME_ZONE: NETWORK_ZONE,
      AGGREGATOR_BATCH_SIZE: '7',
    })
    await publish(shuffled.slice(0, half), (_, i) => `a/${i}`)
    await drained(world)
    await aggregator.close()
    await publish(shuffled.slice(half), (_, i) => `b/${i}`)
    await publish(duplicates, (_, i) => `dup/${i}`)
    aggregator = await startTestAggregator(world, clock, {
      AGGREGATOR_TIME_ZONE: NETWORK_ZONE,
      AGGREGATOR_BATCH_SIZE: '7',
    })
    try {
      await settled(world, aggregator)
      const expected = sorted(naive(events, clock().getTime()))
      expect(expected.length).toBeGreaterThan(100)
      expect(sorted(await stored(world))).toEqual(expected)
      // Station totals == the sum of their connector cells, the network == the sum of the stations.
      const totals = await storedTotals(world)
      expect(totals).toEqual(totalsOf(expected))
      expect([...totals.keys()].some((k) => JSON.parse(k)[4] === '')).toBe(true)

      // Energy sums exactly to the completed sessions' meterStop - meterStart (0 for the one that went backwards),
      // plus what the open session's last sample shows.
      const energy = await world.db
        .selectFrom('aggregates')
        .select((eb) => eb.fn.sum<string>('value').as('wh'))
        .where('metric', '=', 'energy_wh')
        .where('bucketing', '=', 'utc:hour')
        .executeTakeFirstOrThrow()
      let want = 0
      for (const { event, data } of events) {
        if (event === SessionCompleted)
          want += Math.max(0, (data as EventData<typeof SessionCompleted>).energyWh)
      }
      const open = events
        .filter((e) => e.event === SessionStarted)
        .map((e) => (e.data as EventData<typeof SessionStarted>).transactionId)
      for (const { event, data } of events) {
        const d = data as EventData<typeof SessionCompleted>
        if (event === SessionCompleted) open.splice(open.indexOf(d.transactionId), 1)
      }
      for (const tx of open) {
        const samples = events.filter(
          (e) => e.event === MeterSampled && (e.data as EventData<typeof MeterSampled>).transactionId === tx,
        )
        const last = Math.max(
          ...samples.flatMap((e) =>
            (e.data as EventData<typeof MeterSampled>).readings.map((r) => r.registerWh),
          ),
        )
        const start = events.find(
          (e) =>
            e.event === SessionStarted && (e.data as EventData<typeof SessionStarted>).transactionId === tx,
        )
        if (start === undefined) throw new Error(`no start for ${tx}`)
        want += last - (start.data as EventData<typeof SessionStarted>).meterStartWh
      }
      expect(Number(energy.wh)).toBe(want)

      // The timer books connector time up to the clock's now: still the naive figure, for a later "now".
      clock.advance(5 * H)
      expect(await aggregator.app.advance.runOnce()).toBe(4)
      expect(sorted(await stored(world))).toEqual(sorted(naive(events, clock().getTime())))
      expect(await storedTotals(world)).toEqual(totalsOf(naive(events, clock().getTime())))
      expect(await aggregator.app.advance.runOnce()).toBe(0) // nothing behind any more

      // Dashboards heard about it: aggregate.updated per station.
      const updates = await world.publisher.scan(Streams.AGGREGATES, {
        filter: 'aggregate.*.updated',
        max: 1000,
        budgetMs: 5000,
      })
      expect(new Set(updates.events.map((e) => (e.data as { stationId: string }).stationId))).toEqual(
        new Set(['CP-A', 'CP-B']),
      )

      const metrics = await aggregator.app.inject({ method: 'GET', url: '/metrics' })
      expect(metrics.body).toMatch(/aggregator_events_applied_total\{[^}]*event="session.started"[^}]*\} \d+/)
      expect(metrics.body).toMatch(/aggregator_consumer_backlog_messages\{[^}]*\} 0\n/)
      expect(metrics.body).toMatch(/aggregator_lag_seconds\{[^}]*\} \d/)
    } finally {
      await aggregator.close()
    }
  },
  SLOW,
)
