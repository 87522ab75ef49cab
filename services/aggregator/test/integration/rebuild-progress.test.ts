import { sql } from '@chargebus/db'
import { AppError } from '@chargebus/errors'
import { pino } from 'pino'
import {
  type MetricFamily,
  parsePrometheusText,
} from '../../../../packages/platform/test/support/prometheus-text.ts'
import { testClock } from '../../../../test/support/clock.ts'
import { eventually } from '../../../../test/support/eventually.ts'
import { publishSession } from '../../../../test/support/sessions.ts'
import { rebuild } from '../../src/admin.ts'
import { saveRebuild } from '../../src/data-access/rebuilds-store.ts'
import { REBUILD_STALE_AFTER_MS } from '../../src/domain/rebuild-status.ts'
import { drained, startTestAggregator, type TestAggregator, useWorld } from '../support/aggregator.ts'

/*
 * Rebuild progress on the aggregator's /metrics: a real rebuild (the CLI's code, admin.ts) records itself in
 * aggregate_rebuilds while it runs and when it ends, and the running aggregator's /metrics, read through
 * app.inject, shows it. The rebuild is held in its archive phase by its own `archived` source (the CLI's
 * injection point) until the test lets it go on.
 */

const SLOW = 60_000
const T0 = Date.parse('2026-12-07T03:30:00Z')
const world = useWorld()
const clock = testClock(new Date(T0))
let aggregator: TestAggregator
let published = 0

beforeAll(async () => {
  aggregator = await startTestAggregator(world(), clock)
  for (let tx = 1; tx <= 2; tx++)
    await publishSession(world().publisher, {
      stationId: 'CP-P',
      connectorId: 1,
      transactionId: tx,
      idTag: 'TAG',
      startedAt: T0 - 10 * 3_600_000 + tx * 3_600_000,
      extraWh: tx,
    })
  published = 6
  await drained(world())
}, SLOW)
afterAll(async () => {
  await aggregator?.close()
}, SLOW)

async function scrape(): Promise<Map<string, MetricFamily>> {
  const res = await aggregator.app.inject({ method: 'GET', url: '/metrics' })
  expect(res.statusCode).toBe(200)
  return parsePrometheusText(res.body)
}

/** The rebuild gauges, as `name{labels}` -> value (without the registry's default label, service). */
async function rebuildGauges(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [name, family] of await scrape())
    if (name.startsWith('aggregator_rebuild_'))
      for (const s of family.samples) {
        const labels = Object.entries(s.labels)
          .filter(([k]) => k !== 'service')
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')
        out[labels ? `${name}{${labels}}` : name] = s.value
      }
  return out
}

const rows = () => world().db.selectFrom('aggregate_rebuilds').selectAll().orderBy('started_at').execute()

class ArchiveUnreadable extends AppError {
  constructor() {
    super('TEST_ERR_ARCHIVE_UNREADABLE', 'the archive is not readable')
  }
}

/** A rebuild whose archive source waits for `gate` (or throws), so the test sees it in its archive phase. */
function startRebuild(archive: () => Promise<void>) {
  return rebuild({
    env: {},
    db: world().db,
    bus: world().publisher,
    logger: pino({ level: 'silent' }),
    clock,
    // Older than DOMAIN's first message: the archive is read first.
    from: new Date('2000-01-01T00:00:00Z'),
    archived: async function* () {
      yield []
      await archive()
    },
  })
}

test(
  'no rebuild recorded: not running, and nothing else to say',
  async () => {
    expect(await rebuildGauges()).toEqual({
      aggregator_rebuild_running: 0,
      aggregator_rebuild_status_read_failures_total: 0,
    })
  },
  SLOW,
)

test(
  "a running rebuild's phase on /metrics, then its outcome, duration and time",
  async () => {
    let letGo = () => {}
    const gate = new Promise<void>((resolve) => {
      letGo = resolve
    })
    const running = startRebuild(() => gate)
    try {
      // The heartbeat writes the archive phase within a second or so.
      await eventually(
        async () => (await rebuildGauges())['aggregator_rebuild_phase{phase="archive"}'] === 1,
        10_000,
      )
      expect(await rebuildGauges()).toEqual({
        aggregator_rebuild_running: 1,
        'aggregator_rebuild_phase{phase="archive"}': 1,
        aggregator_rebuild_events: 0,
        'aggregator_rebuild_last_outcome{outcome="running",error_code=""}': 1,
        aggregator_rebuild_status_read_failures_total: 0,
      })
      const [row] = await rows()
      expect(row).toMatchObject({
        outcome: 'running',
        phase: 'archive',
        station_id: null,
        history_from: new Date('2000-01-01T00:00:00Z'),
        started_at: new Date(T0),
        finished_at: null,
      })
      expect(row?.runner).toMatch(new RegExp(`:${process.pid}$`))
    } finally {
      clock.advance(42_000) // the rebuild takes 42 s of its (and the service's) clock
      letGo()
    }
    const summary = await running
    expect(summary.streamEvents).toBe(published)

    const [row] = await rows()
    expect(row).toMatchObject({
      outcome: 'succeeded',
      phase: 'swap',
      events: String(published),
      started_at: new Date(T0),
      finished_at: new Date(T0 + 42_000),
      updated_at: new Date(T0 + 42_000),
      error_code: null,
    })
    expect(await rebuildGauges()).toEqual({
      aggregator_rebuild_running: 0,
      aggregator_rebuild_events: published,
      'aggregator_rebuild_last_outcome{outcome="succeeded",error_code=""}': 1,
      aggregator_rebuild_last_success_timestamp_seconds: (T0 + 42_000) / 1000,
      aggregator_rebuild_last_duration_seconds: 42,
      aggregator_rebuild_status_read_failures_total: 0,
    })
  },
  SLOW,
)

test(
  'a rebuild that throws is recorded failed with its code; the last success stays',
  async () => {
    clock.advance(60_000)
    await expect(
      startRebuild(async () => {
        throw new ArchiveUnreadable()
      }),
    ).rejects.toBeInstanceOf(ArchiveUnreadable)
    const latest = (await rows()).at(-1)
    expect(latest).toMatchObject({
      outcome: 'failed',
      error_code: 'TEST_ERR_ARCHIVE_UNREADABLE',
      finished_at: new Date(T0 + 102_000),
    })
    expect(await rebuildGauges()).toMatchObject({
      aggregator_rebuild_running: 0,
      'aggregator_rebuild_last_outcome{outcome="failed",error_code="TEST_ERR_ARCHIVE_UNREADABLE"}': 1,
      aggregator_rebuild_last_success_timestamp_seconds: (T0 + 42_000) / 1000,
      aggregator_rebuild_last_duration_seconds: 42,
    })
    // The shadow schema is gone: the next rebuild starts clean.
    const { rows: schemas } = await sql<{ n: string }>`
      select count(*) as n from pg_namespace where nspname = 'aggregates_rebuild'`.execute(world().db)
    expect(schemas[0]?.n).toBe('0')
  },
  SLOW,
)

test(
  'a rebuild on another machine: its stream progress, then abandoned when its heartbeat stops (moved clock)',
  async () => {
    clock.advance(60_000)
    const startedAt = clock()
    // Its process writes its row (as its journal does) and then dies: the row is never finished.
    await saveRebuild(world().db, {
      id: '00000000-0000-4000-8000-000000000001',
      runner: 'elsewhere:4242',
      stationId: 'CP-P',
      historyFrom: null,
      phase: 'stream',
      seq: 50,
      endSeq: 200,
      events: 37,
      stationsWritten: null,
      stationsTotal: null,
      startedAt,
      updatedAt: startedAt,
      finishedAt: null,
      outcome: 'running',
      errorCode: null,
    })
    clock.advance(REBUILD_STALE_AFTER_MS)
    expect(await rebuildGauges()).toMatchObject({
      aggregator_rebuild_running: 1,
      'aggregator_rebuild_phase{phase="stream"}': 1,
      aggregator_rebuild_progress_ratio: 0.25,
      aggregator_rebuild_events: 37,
      'aggregator_rebuild_last_outcome{outcome="running",error_code=""}': 1,
    })
    clock.advance(1)
    const after = await rebuildGauges()
    expect(after).toEqual({
      aggregator_rebuild_running: 0,
      aggregator_rebuild_events: 37,
      'aggregator_rebuild_last_outcome{outcome="abandoned",error_code=""}': 1,
      aggregator_rebuild_last_success_timestamp_seconds: (T0 + 42_000) / 1000,
      aggregator_rebuild_last_duration_seconds: 42,
      aggregator_rebuild_status_read_failures_total: 0,
    })
  },
  SLOW,
)

test(
  'a failed read is counted, /metrics still answers and the gauges keep the last read',
  async () => {
    const before = await rebuildGauges()
    await sql`alter table aggregate_rebuilds rename to aggregate_rebuilds_away`.execute(world().db)
    try {
      expect(await rebuildGauges()).toEqual({
        ...before,
        aggregator_rebuild_status_read_failures_total: 1,
      })
    } finally {
      await sql`alter table aggregate_rebuilds_away rename to aggregate_rebuilds`.execute(world().db)
    }
    expect((await rebuildGauges()).aggregator_rebuild_status_read_failures_total).toBe(1)
  },
  SLOW,
)
