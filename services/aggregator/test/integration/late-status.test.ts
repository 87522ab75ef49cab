import type { AggregateMetric } from '@chargebus/db'
import { ConnectorStatusChanged, ConnectorStatusRecorded } from '@chargebus/events'
import { testClock } from '../../../../test/support/clock.ts'
import { drained, settled, startTestAggregator, useWorld } from '../support/aggregator.ts'

/*
 * Ingest publishes connector.status_changed only for a status newer than the stored one, and
 * connector.status_recorded for every status it records. A late StatusNotification therefore reaches the
 * aggregator as status_recorded alone, and must land in the bucket of its own time; the statuses that came as
 * both events must count once.
 */

const SLOW = 60_000
const H = 3_600_000
const T0 = Date.parse('2026-12-01T10:00:00Z')
/** T0's local day (the test aggregator's zone is UTC). */
const DAY = Date.parse('2026-12-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

const world = useWorld(SLOW)

function status(at: number, value: string, errorCode = 'NoError') {
  return {
    stationId: 'CP-L',
    connectorId: 1,
    status: value,
    errorCode,
    statusAt: iso(at),
    receivedAt: iso(at),
    sourceMessageId: `m-${at}`,
  }
}

async function cells(
  metric: AggregateMetric,
  bucketing: 'utc:hour' | 'local:day' = 'utc:hour',
): Promise<Record<string, number>> {
  const rows = await world()
    .db.selectFrom('aggregates')
    .select(['bucket_start', 'value'])
    .where('metric', '=', metric)
    .where('bucketing', '=', bucketing)
    .where('station_id', '=', 'CP-L')
    .execute()
  return Object.fromEntries(
    rows.filter((r) => Number(r.value) !== 0).map((r) => [r.bucket_start.toISOString(), Number(r.value)]),
  )
}

test(
  'a late status (recorded, not changed) lands in its own bucket; a status sent as both counts once',
  async () => {
    const clock = testClock(iso(T0 + 3 * H))
    const aggregator = await startTestAggregator(world(), clock)
    try {
      // In time: Preparing (plugged in, idle) at 10:00, Charging at 12:00, each as changed AND recorded (what ingest publishes).
      for (const [at, value] of [
        [T0, 'Preparing'],
        [T0 + 2 * H, 'Charging'],
      ] as const) {
        await world().publisher.publish(ConnectorStatusChanged, status(at, value), { msgId: `c-${at}` })
        await world().publisher.publish(
          ConnectorStatusRecorded,
          { ...status(at, value), stationTimestamp: true },
          { msgId: `r-${at}` },
        )
      }
      // Events book connector time up to the newest instant they name (12:00), not up to the clock's now (13:00):
      // while the aggregator may be behind, the last status is not assumed to hold until now.
      await drained(world())
      expect(await cells('idle_ms')).toEqual({ [iso(T0)]: H, [iso(T0 + H)]: H })
      expect(await cells('charging_ms')).toEqual({})
      // Caught up, the timer books up to now.
      expect(await aggregator.app.advance.runOnce()).toBe(1)
      expect(await cells('charging_ms')).toEqual({ [iso(T0 + 2 * H)]: H })
      expect(await cells('faulted_ms', 'local:day')).toEqual({})

      // Late: a Faulted at 11:00 arrives after the 12:00 Charging. Ingest records it, and publishes it only as
      // status_recorded (it is older than the stored status).
      await world().publisher.publish(
        ConnectorStatusRecorded,
        { ...status(T0 + H, 'Faulted', 'GroundFailure'), stationTimestamp: true },
        { msgId: `r-${T0 + H}` },
      )
      await settled(world(), aggregator)
      expect(await cells('idle_ms')).toEqual({ [iso(T0)]: H })
      expect(await cells('charging_ms')).toEqual({ [iso(T0 + 2 * H)]: H })
      // Status time and faults are kept per (local) day: the day holds the faulted hour and the fault, once.
      expect(await cells('faulted_ms', 'local:day')).toEqual({ [iso(DAY)]: H })
      expect(await cells('faults', 'local:day')).toEqual({ [iso(DAY)]: 1 })
      expect(await cells('idle_ms', 'local:day')).toEqual({ [iso(DAY)]: H })
    } finally {
      await aggregator.close()
    }
  },
  SLOW,
)
