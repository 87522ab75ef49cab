import { randomUUID } from 'node:crypto'
import { createDb, type Database, type Kysely } from '@chargebus/db'
import { Registry } from 'prom-client'
import { freePort } from '../../../../test/support/cp-server.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { registerFleetMetrics } from '../../src/metrics.ts'
import { aStation } from '../support/seed.ts'

/*
 * Stations by state and commands by status, as the API exports them, against a database of their own (the run's
 * database is shared with files that add stations at the same time, so its counts move under a test).
 */

const SLOW = 30_000
let scratch: ThrowawayDatabase
let db: Kysely<Database>

beforeAll(async () => {
  scratch = await createThrowawayDatabase()
  db = createDb({ url: scratch.url, poolSize: 2 })
}, SLOW)

afterAll(async () => {
  await db?.destroy()
  await scratch?.drop()
}, SLOW)

async function series(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  const values = (metric?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>
  return Object.fromEntries(values.map((v) => [String(Object.values(v.labels)[0]), v.value]))
}

test(
  'chargebus_stations{state} and chargebus_commands{status} count the rows, every status present',
  async () => {
    const registry = new Registry()
    registerFleetMetrics(registry, db, { cacheMs: 0 })
    expect(await series(registry, 'chargebus_stations')).toEqual({ online: 0, offline: 0, never_seen: 0 })

    await aStation(db, 'F-ON-1')
    await aStation(db, 'F-ON-2')
    await aStation(db, 'F-OFF', { offline_since: new Date('2026-11-27T11:00:00Z') })
    await aStation(db, 'F-NEW', { last_seen_at: null })
    const command = (status: 'queued' | 'accepted' | 'failed') => ({
      id: randomUUID(),
      station_id: 'F-ON-1',
      operation: 'Reset',
      payload: JSON.stringify({ type: 'Soft' }),
      status,
      requested_at: new Date('2026-11-27T10:00:00Z'),
    })
    await db
      .insertInto('commands')
      .values([command('queued'), command('accepted'), command('accepted'), command('failed')])
      .execute()

    expect(await series(registry, 'chargebus_stations')).toEqual({ online: 2, offline: 1, never_seen: 1 })
    expect(await series(registry, 'chargebus_commands')).toEqual({
      queued: 1,
      sent: 0,
      accepted: 2,
      rejected: 0,
      failed: 1,
      expired: 0,
    })
  },
  SLOW,
)

test(
  'a failed read leaves the gauges empty instead of failing the scrape',
  async () => {
    // Nothing listens there: every read fails (as when pgbouncer is down).
    const port = await freePort()
    const gone = createDb({ url: `postgres://chargebus:chargebus@127.0.0.1:${port}/chargebus`, poolSize: 1 })
    const registry = new Registry()
    registerFleetMetrics(registry, gone, { cacheMs: 0 })
    await expect(registry.metrics()).resolves.toContain('# TYPE chargebus_stations gauge')
    expect(await series(registry, 'chargebus_stations')).toEqual({})
    await gone.destroy()
  },
  SLOW,
)
