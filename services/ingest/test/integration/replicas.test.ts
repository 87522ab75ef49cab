import { sql } from '@chargebus/db'
import {
  count,
  createWorld,
  domainEvents,
  drained,
  type IngestWorld,
  publishRaw,
  SLOW,
  startTestIngest,
  type TestIngest,
} from '../support/ingest.ts'
import {
  aBoot,
  aHeartbeat,
  aMeterValues,
  aStart,
  aStatus,
  aStop,
  registerReading,
} from '../support/messages.ts'

/*
 * Two ingest instances on one durable consumer (one OCPP_IN stream, one database), as `pnpm start --replicas
 * ingest=2` or two ECS tasks run them. JetStream hands each batch to one of them, so a station's messages are
 * written by both, concurrently and in any order, and every message arrives twice (a gateway retry published
 * under another Nats-Msg-Id). What must hold: nothing written twice, and a station's state the one its messages
 * give in the station's own order (the convergence rules: newest by the station's time wins).
 */

const STATIONS = 12
const env = { INGEST_BATCH_SIZE: '4', INGEST_BATCH_WAIT_MS: '5', INGEST_MAX_IN_FLIGHT: '2' }

let world: IngestWorld
const replicas: TestIngest[] = []
beforeAll(async () => {
  world = await createWorld()
  replicas.push(await startTestIngest(world, env), await startTestIngest(world, env))
}, SLOW)
afterAll(async () => {
  for (const r of replicas) await r.close()
  await world?.close()
}, SLOW)

/** `ingest_messages_total` of one instance. */
async function written(ingest: TestIngest): Promise<number> {
  const res = await ingest.app.inject({ method: 'GET', url: '/metrics' })
  return res.body
    .split('\n')
    .filter((l) => l.startsWith('ingest_messages_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}

/** One station's day, in its own order: boot, a session with three readings, back to Available. */
function sessionOf(i: number) {
  const stationId = `CP-REP-${String(i).padStart(2, '0')}`
  const transactionId = 7000 + i
  const at = (minute: number) => `2026-11-26T10:${String(minute).padStart(2, '0')}:00.000Z`
  const meterStart = 1000 * i
  return {
    stationId,
    transactionId,
    meterStart,
    meterStop: meterStart + 900,
    lastSeen: at(40),
    messages: [
      aBoot({ stationId, receivedAt: at(0) }),
      aStatus({ stationId, status: 'Available', timestamp: at(1), receivedAt: at(1) }),
      aStart({ stationId, transactionId, meterStart, timestamp: at(2), receivedAt: at(2) }),
      aStatus({ stationId, status: 'Charging', timestamp: at(3), receivedAt: at(3) }),
      ...[1, 2, 3].map((n) =>
        aMeterValues({
          stationId,
          transactionId,
          receivedAt: at(3 + n * 5),
          values: [registerReading(at(3 + n * 5), meterStart + n * 300)],
        }),
      ),
      aStop({ stationId, transactionId, meterStop: meterStart + 900, timestamp: at(30), receivedAt: at(30) }),
      aStatus({ stationId, status: 'Available', timestamp: at(31), receivedAt: at(31) }),
      aHeartbeat({ stationId, receivedAt: at(40) }),
    ],
  }
}

test(
  'two instances write every message once and leave each station as its own order says',
  async () => {
    const stations = Array.from({ length: STATIONS }, (_, i) => sessionOf(i + 1))
    // Stations interleaved message by message, then all of it again under other msgIds (the stream keeps both).
    const rounds = Math.max(...stations.map((s) => s.messages.length))
    const interleaved = Array.from({ length: rounds }, (_, n) =>
      stations.flatMap((s) => (s.messages[n] ? [s.messages[n]] : [])),
    ).flat()
    await publishRaw(world, interleaved)
    await publishRaw(world, interleaved, (m) => `${m.stationId}/${m.messageId}/again`)
    await drained(world, 'ingest', 30_000)

    // Both instances wrote batches: the shared consumer spread the work.
    const perInstance = await Promise.all(replicas.map(written))
    expect(perInstance.every((n) => n > 0)).toBe(true)
    expect((perInstance[0] ?? 0) + (perInstance[1] ?? 0)).toBe(interleaved.length * 2)

    for (const s of stations) {
      const tx = await world.db
        .selectFrom('transactions')
        .select(['state', 'energy_wh'])
        .where('station_id', '=', s.stationId)
        .execute()
      expect(tx).toEqual([{ state: 'completed', energy_wh: expect.anything() }])
      expect(Number(tx[0]?.energy_wh)).toBe(s.meterStop - s.meterStart)
      // The newest status by the station's time, whichever instance wrote which status first.
      const connector = await world.db
        .selectFrom('connectors')
        .select(['status', 'status_at'])
        .where('station_id', '=', s.stationId)
        .executeTakeFirstOrThrow()
      expect(connector).toEqual({ status: 'Available', status_at: new Date('2026-11-26T10:31:00.000Z') })
      const station = await world.db
        .selectFrom('stations')
        .select('last_seen_at')
        .where('id', '=', s.stationId)
        .executeTakeFirstOrThrow()
      expect(station.last_seen_at).toEqual(new Date(s.lastSeen))
      // History rows once each, though every message was written twice, by either instance.
      expect(await count(world.db, 'status_events', sql`station_id = ${s.stationId}`)).toBe(3)
      expect(await count(world.db, 'meter_values', sql`station_id = ${s.stationId}`)).toBe(3)
    }

    // Domain events: once per change, never twice (each msgId once, one start and one completion per session).
    const events = await domainEvents(world)
    const msgIds = events.map((e) => e.msgId)
    expect(new Set(msgIds).size).toBe(msgIds.length)
    for (const s of stations) {
      const of = (name: string) => events.filter((e) => e.name === name && e.data.stationId === s.stationId)
      expect(of('session.started')).toHaveLength(1)
      expect(of('session.completed').map((e) => e.data.energyWh)).toEqual([s.meterStop - s.meterStart])
      expect(of('connector.status_recorded')).toHaveLength(3)
    }
  },
  SLOW,
)
