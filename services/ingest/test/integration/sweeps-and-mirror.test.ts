import { sql } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { idTagKey, KvBuckets, kvKey, mirrorIdTag, openKvBuckets } from '@chargebus/station-registry'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createMaintenance } from '../../src/entry-points/timers/maintenance.ts'
import { createIngestMetrics } from '../../src/metrics.ts'
import {
  domainEvents,
  eventually,
  type IngestWorld,
  ingestAll,
  SLOW,
  type TestIngest,
  useWorldAndIngest,
} from '../support/ingest.ts'
import { aBoot, aHeartbeat, aMeterValues, aStart, aStatus, registerReading } from '../support/messages.ts'

/* The clock-driven sweeps (the test moves ingest's clock), the data-quality events and the KV mirror of operator decisions. */

let world: IngestWorld
let ingest: TestIngest
useWorldAndIngest((w, i) => {
  world = w
  ingest = i
})

const offlineSince = async (stationId: string) =>
  (
    await world.db
      .selectFrom('stations')
      .select('offline_since')
      .where('id', '=', stationId)
      .executeTakeFirstOrThrow()
  ).offline_since

const eventsOf = async (name: string, stationId: string) =>
  (await domainEvents(world)).filter((e) => e.name === name && e.data.stationId === stationId)

test(
  'a station whose heartbeat is overdue goes offline, and online when it speaks again',
  async () => {
    const t0 = ingest.clock().getTime()
    await ingestAll(world, [
      aBoot({ stationId: 'CP-LIVE', receivedAt: new Date(t0).toISOString(), interval: 60 }),
    ])
    ingest.clock.set(new Date(t0 + 2 * 60_000)) // 2 intervals: still online
    await ingest.app.maintenance.runOnce()
    expect(await offlineSince('CP-LIVE')).toBeNull()

    const sweptAt = new Date(t0 + 3 * 60_000 + 1000)
    ingest.clock.set(sweptAt)
    await ingest.app.maintenance.runOnce()
    const s = await world.db
      .selectFrom('stations')
      .selectAll()
      .where('id', '=', 'CP-LIVE')
      .executeTakeFirstOrThrow()
    expect(s.offline_since).toEqual(sweptAt)
    await eventually(async () => (await eventsOf('station.offline', 'CP-LIVE')).length === 1)
    ingest.clock.advance(60_000)
    await ingest.app.maintenance.runOnce()
    expect(await eventsOf('station.offline', 'CP-LIVE')).toHaveLength(1)

    // An old message replayed after the sweep does not bring it back; a new one does.
    await ingestAll(world, [
      aHeartbeat({ stationId: 'CP-LIVE', receivedAt: new Date(t0 + 1000).toISOString() }),
    ])
    expect(await offlineSince('CP-LIVE')).toEqual(sweptAt)
    await ingestAll(world, [
      aHeartbeat({ stationId: 'CP-LIVE', receivedAt: new Date(sweptAt.getTime() + 5000).toISOString() }),
    ])
    expect(await offlineSince('CP-LIVE')).toBeNull()
    await eventually(async () => (await eventsOf('station.online', 'CP-LIVE')).length === 1)
    expect((await eventsOf('station.online', 'CP-LIVE'))[0]?.data).toMatchObject({
      offlineSince: sweptAt.toISOString(),
    })
  },
  SLOW,
)

test(
  'a session open longer than the threshold is reported once',
  async () => {
    const startedAt = new Date(ingest.clock().getTime() - 3_600_000)
    await ingestAll(world, [
      aStart({ stationId: 'CP-LONG', transactionId: 4242, timestamp: startedAt.toISOString() }),
    ])
    await ingest.app.maintenance.runOnce() // open for an hour: not overdue
    expect(await eventsOf('session.overdue', 'CP-LONG')).toHaveLength(0)
    ingest.clock.set(new Date(startedAt.getTime() + 2 * 86_400_000))
    await ingest.app.maintenance.runOnce()
    ingest.clock.advance(3_600_000)
    await ingest.app.maintenance.runOnce()
    await eventually(async () => (await eventsOf('session.overdue', 'CP-LONG')).length === 1)
    expect((await eventsOf('session.overdue', 'CP-LONG'))[0]?.data).toMatchObject({
      transactionId: 4242,
      openForS: 172_800,
    })
  },
  SLOW,
)

describe('offline and overdue detection wait until ingest has caught up with the stream', () => {
  /** The real sweeps against the world's database and JetStream, reading the backlog of `durable`. */
  const sweepsReading = (durable: string, maxBacklog: number) =>
    createMaintenance({
      db: world.db,
      bus: world.publisher,
      kvs: ingest.deps.kvs,
      logger: pino({ level: 'silent' }),
      metrics: createIngestMetrics(new Registry()),
      clock: ingest.clock,
      backlog: () => world.publisher.consumerBacklog(Streams.OCPP_IN, durable),
      maxBacklogForPresentRules: maxBacklog,
      sweepIntervalMs: 3_600_000,
      partitionCheckIntervalMs: 3_600_000,
      offlineAfterHeartbeats: 3,
      defaultHeartbeatIntervalS: 300,
      sessionOverdueS: 86_400,
    })

  test(
    'a consumer with a backlog (a restart after downtime, a replay): stale last_seen_at declares nobody offline',
    async () => {
      // Last written 20 minutes ago (4 intervals): stale state, as after ingest was down.
      const quietSince = new Date(ingest.clock().getTime() - 20 * 60_000).toISOString()
      await ingestAll(world, [aBoot({ stationId: 'CP-BEHIND', receivedAt: quietSince, interval: 300 })])
      // A durable that has read none of the stream: every message so far is its backlog.
      await world.publisher.ensureConsumer({
        stream: Streams.OCPP_IN,
        durable: 'behind',
        ackWaitMs: 30_000,
        maxAckPending: 1000,
      })
      const backlog = await world.publisher.consumerBacklog(Streams.OCPP_IN, 'behind')
      expect(backlog?.pending).toBeGreaterThan(0)

      await sweepsReading('behind', 0).runOnce()
      await sweepsReading('not-started', 1_000_000).runOnce() // backlog unknown: the same
      expect(await offlineSince('CP-BEHIND')).toBeNull()

      // The control: allowed that backlog, the same sweep declares the station offline.
      await sweepsReading('behind', 1_000_000).runOnce()
      expect(await offlineSince('CP-BEHIND')).toEqual(ingest.clock())
    },
    SLOW,
  )
})

test(
  'data quality: a register going backwards and a skewed station clock',
  async () => {
    await ingestAll(world, [
      aStatus({
        stationId: 'CP-DQ',
        status: 'Available',
        timestamp: '2026-11-26T10:00:00.000Z',
        receivedAt: '2026-11-26T10:00:01.000Z',
      }),
    ])
    await ingestAll(world, [
      aMeterValues({
        stationId: 'CP-DQ',
        values: [
          registerReading('2026-11-26T10:05:00.000Z', 5000),
          registerReading('2026-11-26T10:10:00.000Z', 4000),
        ],
      }),
      // 20 minutes ahead of the gateway's clock
      aStatus({
        stationId: 'CP-DQ',
        status: 'Preparing',
        timestamp: '2026-11-26T10:40:00.000Z',
        receivedAt: '2026-11-26T10:20:00.000Z',
      }),
    ])
    await eventually(async () => (await eventsOf('meter.register_decreased', 'CP-DQ')).length === 1)
    expect((await eventsOf('meter.register_decreased', 'CP-DQ'))[0]?.data).toMatchObject({
      previousWh: 5000,
      currentWh: 4000,
      source: 'meter-values',
    })
    await eventually(async () => (await eventsOf('station.clock_skewed', 'CP-DQ')).length === 1)
    expect((await eventsOf('station.clock_skewed', 'CP-DQ'))[0]?.data).toMatchObject({
      skewMs: 1_200_000,
      thresholdMs: 300_000,
    })
    const s = await world.db
      .selectFrom('stations')
      .select(['clock_skew_ms'])
      .where('id', '=', 'CP-DQ')
      .executeTakeFirstOrThrow()
    expect(s.clock_skew_ms).toBe('1200000')
  },
  SLOW,
)

test(
  'id tags and registration decisions in Postgres reach the gateway caches; newer KV records win',
  async () => {
    const kvs = await openKvBuckets(world.publisher)
    // The API's path: write Postgres, then mirror (the writers' own cases: station-registry's decisions.test.ts).
    await world.db
      .insertInto('id_tags')
      .values({ id_tag: 'tag-api-1', status: 'Blocked', parent_id_tag: 'FLEET-9' })
      .execute()
    const tag = await world.db
      .selectFrom('id_tags')
      .selectAll()
      .where('id_tag', '=', 'tag-api-1')
      .executeTakeFirstOrThrow()
    const state = {
      idTag: tag.id_tag,
      status: tag.status,
      expiryDate: tag.expiry_date,
      parentIdTag: tag.parent_id_tag,
      updatedAt: tag.updated_at,
    }
    expect(await mirrorIdTag(kvs.idTags, state)).toBe('written')
    const revision = (await kvs.idTags.get(idTagKey('TAG-API-1')))?.revision
    expect(await mirrorIdTag(kvs.idTags, state)).toBe('unchanged')
    expect((await kvs.idTags.get(idTagKey('TAG-API-1')))?.json()).toMatchObject({
      status: 'Blocked',
      parentIdTag: 'FLEET-9',
    })

    // A row whose KV write never happened is repaired by the sweep.
    await world.db
      .insertInto('id_tags')
      .values({ id_tag: 'TAG-SWEPT', status: 'Accepted', expiry_date: '2027-01-01T00:00:00Z' })
      .execute()
    // A pending station an operator accepts now; the gateway's record keeps its password.
    const now = ingest.clock().getTime()
    const bootedAt = new Date(now - 3_600_000).toISOString()
    const decidedAt = new Date(now).toISOString()
    await ingestAll(world, [aBoot({ stationId: 'CP-DECIDE', status: 'Pending', receivedAt: bootedAt })])
    await kvs.stations.put(
      kvKey('CP-DECIDE'),
      JSON.stringify({
        registrationStatus: 'Pending',
        password: { algorithm: 'sha256', salt: 'c2FsdA==', hash: 'aGFzaA==' },
        firstSeenAt: bootedAt,
        updatedAt: bootedAt,
        source: 'gateway',
      }),
    )
    await sql`update stations set registration_status = 'Accepted', registration_status_at = ${decidedAt}::timestamptz where id = 'CP-DECIDE'`.execute(
      world.db,
    )
    await ingest.app.maintenance.runOnce()
    expect((await kvs.idTags.get(idTagKey('tag-swept')))?.json()).toMatchObject({
      status: 'Accepted',
      expiryDate: '2027-01-01T00:00:00.000Z',
    })
    expect((await kvs.stations.get(kvKey('CP-DECIDE')))?.json()).toMatchObject({
      registrationStatus: 'Accepted',
      updatedAt: decidedAt,
      password: { algorithm: 'sha256' },
    })

    // The sweep rewrites nothing that is already mirrored.
    expect((await kvs.idTags.get(idTagKey('TAG-API-1')))?.revision).toBe(revision)

    // A newer decision made directly in KV (e.g. pnpm chargebus station set) is not overwritten by an older
    // row: the next pass looks back over CP-DECIDE's decision again and leaves KV alone.
    const newer = new Date(now + 3_600_000).toISOString()
    await kvs.stations.put(
      kvKey('CP-DECIDE'),
      JSON.stringify({ registrationStatus: 'Rejected', updatedAt: newer }),
    )
    await ingest.app.maintenance.runOnce()
    expect((await kvs.stations.get(kvKey('CP-DECIDE')))?.json()).toEqual({
      registrationStatus: 'Rejected',
      updatedAt: newer,
    })
    expect(KvBuckets.stations).toBe('ocpp_stations')
  },
  SLOW,
)
