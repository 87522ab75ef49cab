import { sql } from '@chargebus/db'
import {
  ConnectorStatusRecorded,
  MeterSampled,
  SessionCompleted,
  SessionStarted,
  Streams,
} from '@chargebus/events'
import { pino } from 'pino'
import { testClock } from '../../../../test/support/clock.ts'
import { rebuild } from '../../src/admin.ts'
import { drained, settled, startTestAggregator, useWorld } from '../support/aggregator.ts'

/*
 * The live aggregator merges a session's readings and a connector's statuses in the order they reach it, which is
 * not always the stream's (two batches in flight, a redelivery, a replay); a rebuild folds them in stream order.
 * The stored facts must not depend on that order, else the swap rewrites facts that did not change. Here the
 * first half of the history reaches the live aggregator after the second (a replay), deterministically.
 */

const SLOW = 60_000
const H = 3_600_000
const T0 = Date.parse('2026-11-02T08:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()
const STATION = 'CP-ORDER'

const world = useWorld(SLOW)

const base = { stationId: STATION, connectorId: 1, transactionId: 7 }
const start = { ...base, idTag: 'TAG-1', meterStartWh: 1000, startedAt: iso(T0) }

function status(at: number, status: 'Charging' | 'Available') {
  const data = {
    stationId: STATION,
    connectorId: 1,
    status,
    errorCode: 'NoError',
    statusAt: iso(at),
    stationTimestamp: true,
    receivedAt: iso(at),
    sourceMessageId: `st${at}`,
  }
  return world().publisher.publish(ConnectorStatusRecorded, data, { msgId: `st${at}` })
}

function reading(at: number, registerWh: number) {
  return world().publisher.publish(
    MeterSampled,
    { ...base, readings: [{ at: iso(at), registerWh }], sourceMessageId: `m${at}` },
    { msgId: `m${at}` },
  )
}

test(
  'facts merged live out of stream order are stored as the rebuild stores them: the swap writes no facts row',
  async () => {
    const p = world().publisher
    const clock = testClock(iso(T0 + 4 * H))
    // The first half is stored before the aggregator's durable exists ('new': it starts after it).
    const first = await p.publish(SessionStarted, { ...start, sourceMessageId: 's' }, { msgId: 's' })
    await status(T0, 'Charging')
    await reading(T0 + H, 4000)
    const aggregator = await startTestAggregator(world(), clock, { AGGREGATOR_DELIVER: 'new' })
    try {
      await reading(T0 + 2 * H, 7000)
      await p.publish(
        SessionCompleted,
        {
          ...start,
          stoppedAt: iso(T0 + 3 * H),
          meterStopWh: 9000,
          energyWh: 8000,
          durationS: 3 * 3600,
          sourceMessageId: 'c',
        },
        { msgId: 'c' },
      )
      await status(T0 + 3 * H, 'Available')
      await drained(world())
      // ... and reaches it last, through its replay lane.
      await p.replay({
        stream: Streams.DOMAIN.name,
        from: { seq: first.seq },
        to: { seq: first.seq + 2 },
        into: 'aggregator',
      })
      await settled(world(), aggregator)
      const { rows } = await sql<{ samples: unknown; records: number }>`
        select s.samples, (select count(*)::int from aggregator_connector_records r
                            where r.station_id = c.station_id and r.connector_id = c.connector_id) as records
          from aggregator_sessions s join aggregator_connectors c using (station_id)`.execute(world().db)
      // Both readings and both statuses were merged live (the order they are stored in is the point below).
      expect(rows).toHaveLength(1)
      expect(rows[0]?.samples).toHaveLength(2)
      expect(rows[0]?.records).toBe(2)

      const summary = await rebuild({
        env: {},
        db: world().db,
        bus: p,
        logger: pino({ level: 'silent' }),
        clock,
      })
      expect(summary.streamEvents).toBe(6)
      const nothing = { inserted: 0, updated: 0, deleted: 0 }
      expect(summary.written).toEqual({
        aggregates: nothing,
        aggregate_totals: nothing,
        aggregator_sessions: nothing,
        aggregator_connectors: nothing,
        aggregator_connector_records: nothing,
      })
    } finally {
      await aggregator.close()
    }
  },
  SLOW,
)
