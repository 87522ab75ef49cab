import { type Bus, connectBus } from '@chargebus/bus'
import { createDb, type Database, type Kysely, parseDatabaseUrl, pingDatabase, withPort } from '@chargebus/db'
import { createLogger, createServiceApp, type ServiceApp } from '@chargebus/platform'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/*
 * /readyz against the real dependencies, with a TCP proxy in front of each so a test can cut the
 * wire (network-level fault injection, no mocks): Postgres through pgbouncer (DATABASE_URL, set
 * by the jest global setup to this run's database) and NATS (NATS_URL).
 */

const CHECK_TIMEOUT_MS = 1000
const READINESS_TIMEOUT_MS = 1500
/** Clients reconnect with back-off (nats.js waits ~1 s between attempts): allow for a few rounds. */
const SLOW = 30_000

interface Readyz {
  statusCode: number
  elapsedMs: number
  body: { status: string; checks: Record<string, { status: string; durationMs?: number; error?: string }> }
}

describe('/readyz with real Postgres (pgbouncer) and NATS behind TCP proxies', () => {
  const logger = createLogger({ name: 'readiness-test', level: 'silent' })
  let pgProxy: TcpProxy
  let natsProxy: TcpProxy
  let db: Kysely<Database>
  let bus: Bus
  let app: ServiceApp

  beforeAll(async () => {
    const databaseUrl = process.env.DATABASE_URL
    if (!databaseUrl)
      throw new Error('DATABASE_URL is not set: run through jest (pnpm test), whose global setup sets it')
    const pg = parseDatabaseUrl(databaseUrl)
    const nats = new URL(process.env.NATS_URL || 'nats://127.0.0.1:4222')
    pgProxy = await startTcpProxy({ targetHost: pg.host, targetPort: pg.port })
    natsProxy = await startTcpProxy({ targetHost: nats.hostname, targetPort: Number(nats.port || 4222) })

    db = createDb({
      url: withPort(databaseUrl, pgProxy.port),
      poolSize: 2,
      connectTimeoutMs: CHECK_TIMEOUT_MS,
    })
    bus = await connectBus({
      servers: `nats://${natsProxy.host}:${natsProxy.port}`,
      name: 'readiness-test',
      logger,
    })
    app = createServiceApp({
      name: 'readiness-test',
      logger,
      readinessTimeoutMs: READINESS_TIMEOUT_MS,
      readiness: {
        postgres: () => pingDatabase(db, { timeoutMs: CHECK_TIMEOUT_MS }),
        nats: () => bus.ping(CHECK_TIMEOUT_MS),
      },
    })
    await app.ready()
  }, SLOW)

  afterAll(async () => {
    await app?.close()
    await Promise.allSettled([pgProxy?.resume(), natsProxy?.resume()])
    await bus?.close()
    await db?.destroy()
    await Promise.allSettled([pgProxy?.close(), natsProxy?.close()])
  }, SLOW)

  afterEach(async () => {
    // A failed test must not leave the next one with a cut wire.
    await Promise.all([pgProxy.resume(), natsProxy.resume()])
    await readyzUntil((r) => r.statusCode === 200, 15_000)
  }, SLOW)

  async function readyz(): Promise<Readyz> {
    const started = performance.now()
    const res = await app.inject('/readyz')
    return { statusCode: res.statusCode, elapsedMs: performance.now() - started, body: res.json() }
  }

  /** Polls /readyz until `done` holds (clients reconnect with back-off), returning that answer. */
  async function readyzUntil(done: (r: Readyz) => boolean, timeoutMs: number): Promise<Readyz> {
    const deadline = Date.now() + timeoutMs
    let last = await readyz()
    while (!done(last)) {
      if (Date.now() > deadline)
        throw new Error(`/readyz never got there; last answer: ${JSON.stringify(last)}`)
      await sleep(100)
      last = await readyz()
    }
    return last
  }

  type Dependency = 'nats' | 'postgres'
  const OTHER: Record<Dependency, Dependency> = { nats: 'postgres', postgres: 'nats' }
  const proxyOf = (dep: Dependency) => (dep === 'nats' ? natsProxy : pgProxy)

  /**
   * Cuts one dependency's wire and returns the first 503: the other dependency stays ok and the answer comes
   * within one readiness timeout.
   */
  async function cutWire(dep: Dependency, mode?: 'blackhole'): Promise<Readyz> {
    await proxyOf(dep).pause(mode)
    const down = await readyzUntil((r) => r.statusCode === 503, 5_000)
    expect(down.body.checks[dep]?.status).toBe('failed')
    expect(down.body.checks[OTHER[dep]]).toMatchObject({ status: 'ok' })
    expect(down.elapsedMs).toBeLessThan(READINESS_TIMEOUT_MS + 500)
    return down
  }

  /** Restores the wire and waits for 200 with the dependency's check ok again. */
  async function restoreWire(dep: Dependency): Promise<void> {
    await proxyOf(dep).resume()
    const up = await readyzUntil((r) => r.statusCode === 200, 10_000)
    expect(up.body.checks[dep]?.status).toBe('ok')
  }

  test('is 200 with both checks ok while both dependencies answer', async () => {
    const ready = await readyz()
    expect(ready.statusCode).toBe(200)
    expect(ready.body).toEqual({
      status: 'ok',
      checks: {
        postgres: { status: 'ok', durationMs: expect.any(Number) },
        nats: { status: 'ok', durationMs: expect.any(Number) },
      },
    })
    expect(natsProxy.openConnections).toBeGreaterThan(0)
    expect(pgProxy.openConnections).toBeGreaterThan(0)
  })

  test(
    'turns 503 naming nats when NATS goes away, and 200 again when it is back',
    async () => {
      const down = await cutWire('nats')
      expect(down.body.status).toBe('unavailable')
      expect(down.body.checks.nats).toEqual({ status: 'failed', durationMs: expect.any(Number) })
      // A refused connection is known at once: the check does not wait for its timeout.
      expect(down.body.checks.nats?.durationMs).toBeLessThan(200)

      // Still down while the wire is cut: not a one-off blip.
      expect((await readyz()).statusCode).toBe(503)

      await restoreWire('nats')
    },
    SLOW,
  )

  test(
    'turns 503 naming postgres when pgbouncer goes away, and 200 again when it is back',
    async () => {
      // No pause before probing: a probe may check out a connection whose end pg has not processed
      // yet; that probe fails (createDb listens for the client's 'error'), it must not crash the run.
      const down = await cutWire('postgres')
      expect(down.body.checks.postgres).toEqual({ status: 'failed', durationMs: expect.any(Number) })
      expect((await readyz()).statusCode).toBe(503)

      await restoreWire('postgres')
    },
    SLOW,
  )

  test(
    'never hangs when the network silently drops NATS traffic',
    async () => {
      await cutWire('nats', 'blackhole')
      await restoreWire('nats')
    },
    SLOW,
  )

  test(
    'never hangs when the network silently drops Postgres traffic, and recovers when it is back',
    async () => {
      const down = await cutWire('postgres', 'blackhole')
      expect(down.body.checks.postgres).toEqual({ status: 'failed', durationMs: expect.any(Number) })
      expect((await readyz()).statusCode).toBe(503)

      // Resuming cuts the black-holed connections, queries still in flight on them included: those
      // queries fail, the pool replaces the connections and the process keeps running.
      await restoreWire('postgres')
    },
    SLOW,
  )

  test.each([
    { slow: 'nats', dead: 'postgres' },
    { slow: 'postgres', dead: 'nats' },
  ] as const)(
    'a slow dependency and a dead one together cost one timeout, not two (slow $slow, dead $dead)',
    async ({ slow, dead }) => {
      const proxies = { nats: natsProxy, postgres: pgProxy }
      await Promise.all([proxies[slow].pause('blackhole'), proxies[dead].pause('refuse')])
      const down = await readyzUntil(
        (r) =>
          r.statusCode === 503 &&
          r.body.checks[slow]?.status === 'failed' &&
          r.body.checks[dead]?.status === 'failed',
        5_000,
      )
      expect(down.elapsedMs).toBeLessThan(READINESS_TIMEOUT_MS + 500)
    },
    SLOW,
  )
})
