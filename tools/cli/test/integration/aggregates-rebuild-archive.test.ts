import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Bus, connectBus, streamLimitsFrom, streamLimitVariables } from '@chargebus/bus'
import { createDb, type Database, type Kysely, sql } from '@chargebus/db'
import { allStreams, Streams } from '@chargebus/events'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { pino } from 'pino'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../../test/support/database.ts'
import { eventually } from '../../../../test/support/eventually.ts'
import { NATS_URL, uniqueNamespace } from '../../../../test/support/nats.ts'
import { type ServiceProcess, startServiceProcess } from '../../../../test/support/service-process.ts'
import { publishSession } from '../../../../test/support/sessions.ts'
import { type CommandContext, runCli } from '../../src/index.ts'

/*
 * `aggregates rebuild --from T` with T older than DOMAIN's first message: the archived DOMAIN objects first,
 * then the stream. A history applied live by the real aggregator (its own process), archived with
 * `archive run --once`, then its oldest half purged from DOMAIN; cells damaged; the rebuild must give back
 * every live cell, which it can only do by applying the archived half.
 *
 * Sessions only (no statuses): the rollups then do not depend on "now" (connector time is booked to the
 * clock), so the service's and the CLI's wall clocks need not agree.
 */

const SLOW = 60_000
const H = 3_600_000
const T0 = Date.parse('2026-10-24T20:00:00Z')
const STATIONS = ['CP-A', 'CP-B']
const SESSIONS = 3
/** Tiny limits for every stream (nats-server 2.9 reserves max_bytes up front on a shared server). */
const LIMITS = Object.fromEntries(allStreams.map((s) => [streamLimitVariables(s.name).maxBytes, '1MiB']))

const namespace = uniqueNamespace('cli')
let dir: string
let database: ThrowawayDatabase
let db: Kysely<Database>
let bus: Bus
let aggregator: ServiceProcess | undefined

const env = () => ({
  NATS_URL,
  DATABASE_URL: database.url,
  STORAGE_URL: dir,
  AGGREGATOR_TIME_ZONE: 'Europe/Berlin',
  ...LIMITS,
})

function capture() {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = {
    env: env(),
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  }
  return { ctx, stdout: () => out.join(''), stderr: () => err.join('') }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chargebus-cli-rebuild-'))
  database = await createThrowawayDatabase()
  db = createDb({ url: database.adminUrl, poolSize: 1, applicationName: 'cli-rebuild-test' })
  bus = await connectBus({
    servers: NATS_URL,
    name: 'cli-rebuild-test',
    namespace,
    logger: pino({ level: 'silent' }),
    streamLimits: streamLimitsFrom(LIMITS),
  })
  await bus.ensureStreams([Streams.DOMAIN, Streams.AGGREGATES, Streams.DEAD_LETTERS, Streams.REPLAY])
}, SLOW)

afterAll(async () => {
  await aggregator?.stop()
  await bus?.deleteNamespace().catch(() => {})
  await bus?.close()
  await db?.destroy()
  await database?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
}, SLOW)

/** Sessions with samples across hours: 3 events each, 2 stations x 3 sessions = 18 DOMAIN messages. */
async function publishHistory(): Promise<number> {
  let n = 0
  let tx = 1
  for (const stationId of STATIONS) {
    for (let s = 0; s < SESSIONS; s++) {
      await publishSession(bus, {
        stationId,
        connectorId: 1 + (s % 2),
        transactionId: tx++,
        idTag: `TAG-${s}`,
        startedAt: T0 + s * 3 * H + 17 * 60_000,
        extraWh: s,
      })
      n += 3
    }
  }
  return n
}

/** Every non-zero cell, one string each, sorted. */
async function cells(): Promise<string[]> {
  const { rows } = await sql<{ cell: string }>`
    select concat_ws('|', metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
      as cell from aggregates where value <> 0 order by 1`.execute(db)
  return rows.map((r) => r.cell)
}

/** The rebuilds the CLI recorded, oldest first. */
const rebuilds = () => db.selectFrom('aggregate_rebuilds').selectAll().orderBy('started_at').execute()

test(
  'rebuild --from older than DOMAIN: the archived events first, then the stream; every cell as applied live; each rebuild recorded',
  async () => {
    aggregator = await startServiceProcess('aggregator', {
      ...env(),
      BUS_NAMESPACE: namespace,
      AGGREGATOR_BATCH_WAIT_MS: '20',
    })
    const published = await publishHistory()
    await eventually(async () => {
      const b = await bus.consumerBacklog(Streams.DOMAIN, 'aggregator')
      return b !== undefined && b.pending === 0 && b.ackPending === 0
    }, 30_000)
    const live = await cells()
    expect(live.length).toBeGreaterThan(20)

    // Archive all of DOMAIN (3 objects of 6), then drop its older half: sequences 1..9 are in the archive only.
    const archive = capture()
    expect(
      await runCli(
        [
          ...'archive run --once --stream DOMAIN --delay-ms 0 --batch-messages 6 --json'.split(' '),
          '--namespace',
          namespace,
        ],
        archive.ctx,
      ),
    ).toBe(0)
    expect(JSON.parse(archive.stdout())).toEqual([
      expect.objectContaining({ stream: 'DOMAIN', messages: published, lastSeq: published }),
    ])
    const kept = 10
    const nc = await connect({ servers: NATS_URL, name: 'cli-rebuild-test-purge' })
    let from: Date
    try {
      const jsm = await jetstreamManager(nc)
      const physical = `${namespace.toUpperCase()}_DOMAIN`
      // --from in the stream's own clock (nats-server's), before its first message: never the process's clock.
      const first = await jsm.streams.getMessage(physical, { seq: 1 })
      if (!first) throw new Error('DOMAIN has no message 1')
      from = new Date(first.time.getTime() - 1000)
      await jsm.streams.purge(physical, { seq: kept })
      expect((await jsm.streams.info(physical)).state.first_seq).toBe(kept)
    } finally {
      await nc.close()
    }

    // Damage only a recomputation repairs: CP-A's cells lost (its sessions are all archived), CP-B's wrong.
    await sql`delete from aggregates where station_id = 'CP-A'`.execute(db)
    await sql`update aggregates set value = value + 7 where station_id = 'CP-B'`.execute(db)
    expect(await cells()).not.toEqual(live)

    const rebuild = capture()
    expect(
      await runCli(
        ['aggregates', 'rebuild', `--from=${from.toISOString()}`, '--namespace', namespace, '--json'],
        rebuild.ctx,
      ),
    ).toBe(0)
    expect(await cells()).toEqual(live)
    expect(JSON.parse(rebuild.stdout())).toMatchObject({
      archivedEvents: kept - 1,
      streamEvents: published - (kept - 1),
      firstSeq: kept,
      lastSeq: published,
    })
    expect(rebuild.stderr()).toContain('rebuild: archive')
    // Recorded for the aggregator's /metrics (aggregate_rebuilds): its scope, progress and outcome.
    expect(await rebuilds()).toEqual([
      expect.objectContaining({
        outcome: 'succeeded',
        error_code: null,
        station_id: null,
        history_from: from,
        phase: 'swap',
        events: String(published),
        end_seq: String(published),
        finished_at: expect.any(Date),
      }),
    ])
    // ... and the service (its own process) says so on /metrics.
    const metrics = await aggregator.metrics()
    expect(metrics).toMatch(/^aggregator_rebuild_running\{[^}]*\} 0$/m)
    expect(metrics).toMatch(/^aggregator_rebuild_last_outcome\{outcome="succeeded",[^}]*\} 1$/m)

    // One more session (sequences 19-21), then DOMAIN purged up to 21 before the archiver ran: 19 and 20 are in
    // neither. The rebuild is refused and changes nothing; --allow-gaps rebuilds without them and says so.
    await publishSession(bus, {
      stationId: 'CP-A',
      connectorId: 1,
      transactionId: 100,
      idTag: 'TAG-LATE',
      startedAt: T0 + 20 * H,
      extraWh: 5,
    })
    await eventually(async () => {
      const b = await bus.consumerBacklog(Streams.DOMAIN, 'aggregator')
      return b !== undefined && b.pending === 0 && b.ackPending === 0
    }, 30_000)
    const purger = await connect({ servers: NATS_URL, name: 'cli-rebuild-test-purge' })
    try {
      await (await jetstreamManager(purger)).streams.purge(`${namespace.toUpperCase()}_DOMAIN`, {
        seq: published + 3,
      })
    } finally {
      await purger.close()
    }
    await sql`update aggregates set value = value + 1 where station_id = 'CP-B'`.execute(db)
    const damaged = await cells()

    const refused = capture()
    const args = ['aggregates', 'rebuild', `--from=${from.toISOString()}`, '--namespace', namespace, '--json']
    expect(await runCli(args, refused.ctx)).toBe(1)
    expect(refused.stderr()).toContain(
      `DOMAIN sequences ${published + 1}-${published + 2} are neither in the archive nor in the stream`,
    )
    expect(await cells()).toEqual(damaged)
    expect((await rebuilds()).at(-1)).toMatchObject({ outcome: 'failed', error_code: 'CLI_ERR_HISTORY_GAP' })

    const allowed = capture()
    expect(await runCli([...args, '--allow-gaps'], allowed.ctx)).toBe(0)
    expect(JSON.parse(allowed.stdout())).toMatchObject({
      archivedEvents: published,
      streamEvents: 1,
      gaps: [[published + 1, published + 2]],
    })
    expect(await cells()).not.toEqual(damaged)
    expect((await rebuilds()).map((r) => r.outcome)).toEqual(['succeeded', 'failed', 'succeeded'])
  },
  SLOW,
)
