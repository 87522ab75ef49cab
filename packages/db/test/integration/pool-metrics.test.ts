import { Registry } from 'prom-client'
import { createDb, type Database, type Kysely, sql } from '../../src/index.ts'

/** Generous: talks to real servers on a shared, sometimes busy machine. */
const SLOW = 30_000

/** The pool gauges as `{ "<name>{<labels>}": value }`, read as a scrape reads them. */
async function gauges(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const m of await registry.getMetricsAsJSON())
    for (const v of m.values as Array<{ labels: Record<string, string | number>; value: number }>)
      out[`${m.name}{${Object.values(v.labels).join(',')}}`] = v.value
  return out
}

/** Polls `check` (the pool's state changes as pg's events arrive), at most 10 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 10_000
  while (!(await check())) {
    if (performance.now() > deadline) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

test(
  'connections in use, idle and waiting, per named pool, on one registry',
  async () => {
    const registry = new Registry()
    const url = process.env.DATABASE_URL as string
    const db: Kysely<Database> = createDb({ url, poolSize: 1, metrics: { registry } })
    // A second pool on the same registry: its own series, no "already registered" error.
    const other = createDb({ url, poolSize: 2, metrics: { registry, pool: 'export' } })
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      // The one connection held in a transaction; a second query waits for it.
      const holding = db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx)
        await held
      })
      await until(async () => (await gauges(registry))['chargebus_db_pool_connections{main,in_use}'] === 1)
      const waiting = sql`select 1`.execute(db)
      await until(async () => (await gauges(registry))['chargebus_db_pool_waiting{main}'] === 1)
      expect(await gauges(registry)).toMatchObject({
        'chargebus_db_pool_connections{main,in_use}': 1,
        'chargebus_db_pool_connections{main,idle}': 0,
        'chargebus_db_pool_waiting{main}': 1,
        'chargebus_db_pool_max{main}': 1,
        'chargebus_db_pool_connections{export,in_use}': 0,
        'chargebus_db_pool_max{export}': 2,
      })
      release()
      await Promise.all([holding, waiting])
      expect(await gauges(registry)).toMatchObject({
        'chargebus_db_pool_connections{main,in_use}': 0,
        'chargebus_db_pool_connections{main,idle}': 1,
        'chargebus_db_pool_waiting{main}': 0,
      })
    } finally {
      release()
      await Promise.all([db.destroy(), other.destroy()])
    }
  },
  SLOW,
)
