import type { AddressInfo } from 'node:net'
import { type Database, type Kysely, sql } from '@chargebus/db'
import { loadConfig } from '@chargebus/platform'
import { pino } from 'pino'
import {
  drained as aggregatorDrained,
  startTestAggregator,
  type TestAggregator,
} from '../../services/aggregator/test/support/aggregator.ts'
import { buildApp } from '../../services/api/src/app.ts'
import { ApiConfig } from '../../services/api/src/config.ts'
import { issueApiKey } from '../../services/api/src/data-access/api-keys.ts'
import { type OpenedDependencies, openApiDependencies } from '../../services/api/src/deps.ts'
import {
  count,
  createWorld,
  eventually,
  type IngestWorld,
  drained as ingestDrained,
  startTestIngest,
  type TestIngest,
} from '../../services/ingest/test/support/ingest.ts'
import {
  envelope,
  startTestGateway,
  type TestGateway,
  textOf,
} from '../../services/ocpp-gateway/test/support/gateway.ts'
import { type CommandContext, runCli } from '../../tools/cli/src/index.ts'
import { testClock } from '../support/clock.ts'

/*
 * The issue's "Done when": after the simulator's burst and steady profiles through the real gateway, ingest and
 * aggregator (one bus namespace, one throwaway database), the rollups equal a naive recomputation from the raw
 * rows (`transactions`, `meter_values`), read both from the `aggregates` table and through the real API's
 * `/v1/aggregates/energy`; and the API's SSE stream carried `aggregate.updated` for every station that charged.
 */

const SLOW = 60_000
const BUCKETINGS = ['utc:hour', 'local:day', 'local:month'] as const

let world: IngestWorld
let gateway: TestGateway
let gatewayUrl: string
let ingest: TestIngest
let aggregator: TestAggregator
let api: { deps: OpenedDependencies; app: Awaited<ReturnType<typeof buildApp>>; base: string; key: string }

beforeAll(async () => {
  world = await createWorld()
  gateway = await startTestGateway({ OCPP_AUTHORIZE_UNKNOWN: 'true' }, { namespace: world.namespace })
  await gateway.app.listen({ host: '127.0.0.1', port: 0 })
  gatewayUrl = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`
  // The services' clocks start at the wall clock's now: the simulator stamps its messages with it.
  ingest = await startTestIngest(world, {}, { clock: testClock(new Date()) })
  aggregator = await startTestAggregator(world, testClock(new Date()))
  const config = loadConfig(ApiConfig, {
    DATABASE_URL: world.database.url,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    API_SSE_HEARTBEAT_MS: '500',
  })
  const deps = await openApiDependencies(config, pino({ level: config.LOG_LEVEL }), {
    namespace: world.namespace,
  })
  const app = await buildApp(deps)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const { key } = await issueApiKey(deps.db, { name: 'simulator check', scopes: ['read'] })
  api = { deps, app, base, key }
}, SLOW)

afterAll(async () => {
  await api?.app.close()
  await api?.deps.close()
  await aggregator?.close()
  await ingest?.close()
  await gateway?.close()
  await world?.close()
}, SLOW)

async function simulate(args: string[]): Promise<{ code: number; summary: Record<string, unknown> }> {
  const out: string[] = []
  const ctx: CommandContext = {
    env: {},
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: () => {} },
  }
  const code = await runCli(
    ['simulate', '--url', `${gatewayUrl}/ocpp/1.6`, '--namespace', world.namespace, ...args],
    ctx,
  )
  return { code, summary: JSON.parse(out.join('')) }
}

async function call(identity: string, body: string): Promise<string> {
  const { xml } = envelope({ version: '1.6', identity, body, from: `http://10.9.0.1:8080/${identity}` })
  const res = await gateway.post(xml, { path: '/ocpp/1.6' })
  expect(res.status).toBe(200)
  return res.body
}

/** A session the simulator does not produce: started, `meterStopWh` (or open with a sample when undefined). */
async function handMadeSession(
  station: string,
  meterStartWh: number,
  end: { stopWh?: number; sampleWh?: number },
) {
  await gateway.putStation(station, { registrationStatus: 'Accepted' })
  await call(
    station,
    '<cs:bootNotificationRequest><cs:chargePointVendor>ACME</cs:chargePointVendor><cs:chargePointModel>Edge</cs:chargePointModel></cs:bootNotificationRequest>',
  )
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()
  const started = await call(
    station,
    `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>EDGE</cs:idTag><cs:timestamp>${at(30)}</cs:timestamp><cs:meterStart>${meterStartWh}</cs:meterStart></cs:startTransactionRequest>`,
  )
  const tx = Number(textOf(started, 'transactionId'))
  if (end.sampleWh !== undefined)
    await call(
      station,
      `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${tx}</cs:transactionId><cs:meterValue><cs:timestamp>${at(10)}</cs:timestamp><cs:sampledValue><cs:value>${end.sampleWh / 1000}</cs:value><cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:unit>kWh</cs:unit></cs:sampledValue></cs:meterValue></cs:meterValuesRequest>`,
    )
  if (end.stopWh !== undefined)
    await call(
      station,
      `<cs:stopTransactionRequest><cs:transactionId>${tx}</cs:transactionId><cs:timestamp>${at(5)}</cs:timestamp><cs:meterStop>${end.stopWh}</cs:meterStop></cs:stopTransactionRequest>`,
    )
}

interface Totals {
  energyWh: number
  sessionsStarted: number
  sessionsCompleted: number
}

/**
 * The naive recomputation from the raw rows, per station: completed sessions deliver meter_stop - meter_start
 * (0 when the register went backwards); an open one its highest energy-register reading (MeterValues, Outlet, no
 * phase: what ingest puts in meter.sampled) since its start, minus meter_start, never below 0.
 */
async function fromRawRows(db: Kysely<Database>): Promise<Record<string, Totals>> {
  const { rows } = await sql<{ station_id: string; energy_wh: string; started: string; completed: string }>`
    select t.station_id,
      coalesce(sum(case
        when t.meter_stop is not null then greatest(t.meter_stop - t.meter_start, 0)
        else greatest(round(coalesce((
          select max(mv.value) from meter_values mv
          where mv.station_id = t.station_id and mv.transaction_id = t.id
            and mv.measurand = 'Energy.Active.Import.Register' and mv.phase is null and mv.location = 'Outlet'
            and mv.base_unit = 'Wh' and mv.source_action = 'MeterValues' and mv.sampled_at >= t.started_at
        ), t.meter_start) - t.meter_start), 0)
      end), 0) as energy_wh,
      count(*) filter (where t.started_at is not null) as started,
      count(*) filter (where t.started_at is not null and t.stopped_at is not null) as completed
    from transactions t
    where t.started_at is not null
    group by t.station_id`.execute(db)
  return Object.fromEntries(
    rows.map((r) => [
      r.station_id,
      {
        energyWh: Number(r.energy_wh),
        sessionsStarted: Number(r.started),
        sessionsCompleted: Number(r.completed),
      },
    ]),
  )
}

/** The rollups per station in one bucketing, summed over its buckets, connectors and id tags. */
async function fromAggregates(db: Kysely<Database>, bucketing: string): Promise<Record<string, Totals>> {
  const { rows } = await sql<{ station_id: string; energy_wh: string; started: string; completed: string }>`
    select station_id,
      coalesce(sum(value) filter (where metric = 'energy_wh'), 0) as energy_wh,
      coalesce(sum(value) filter (where metric = 'sessions_started'), 0) as started,
      coalesce(sum(value) filter (where metric = 'sessions_completed'), 0) as completed
    from aggregates
    where bucketing = ${bucketing} and metric in ('energy_wh', 'sessions_started', 'sessions_completed')
    group by station_id`.execute(db)
  return Object.fromEntries(
    rows
      .map((r) => ({
        station: r.station_id,
        totals: {
          energyWh: Number(r.energy_wh),
          sessionsStarted: Number(r.started),
          sessionsCompleted: Number(r.completed),
        },
      }))
      // Cells that went back to 0 stay as rows: a station with only zeros has nothing to compare.
      .filter((r) => r.totals.energyWh + r.totals.sessionsStarted + r.totals.sessionsCompleted > 0)
      .map((r) => [r.station, r.totals]),
  )
}

/** The same totals through the API: `GET /v1/aggregates/energy?interval=hour&groupBy=station`, every page. */
async function fromApi(from: Date, to: Date): Promise<Record<string, Totals>> {
  const out: Record<string, Totals> = {}
  let next: string | null =
    `/v1/aggregates/energy?interval=hour&groupBy=station&from=${from.toISOString()}&to=${to.toISOString()}&limit=100`
  while (next !== null) {
    const res = await fetch(`${api.base}/v1${next.replace(/^\/v1/, '')}`, {
      headers: { authorization: `Bearer ${api.key}` },
    })
    expect(res.status).toBe(200)
    const page = (await res.json()) as {
      data: Array<{ stationId: string } & Totals>
      next: string | null
    }
    for (const row of page.data) {
      const t = out[row.stationId] ?? { energyWh: 0, sessionsStarted: 0, sessionsCompleted: 0 }
      out[row.stationId] = t
      t.energyWh += row.energyWh
      t.sessionsStarted += row.sessionsStarted
      t.sessionsCompleted += row.sessionsCompleted
    }
    next = page.next
  }
  return Object.fromEntries(
    Object.entries(out).filter(([, t]) => t.energyWh + t.sessionsStarted + t.sessionsCompleted > 0),
  )
}

/** Station ids of the `aggregate.updated` events on `/v1/events?stream=aggregates` (read until `stop`). */
function collectAggregateUpdates() {
  const controller = new AbortController()
  const stations = new Set<string>()
  let frames = 0
  const reading = (async () => {
    const res = await fetch(`${api.base}/v1/events?stream=aggregates`, {
      headers: { authorization: `Bearer ${api.key}` },
      signal: controller.signal,
    })
    expect(res.status).toBe(200)
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let cut = buffer.indexOf('\n\n')
        while (cut !== -1) {
          const lines = buffer.slice(0, cut).split('\n')
          buffer = buffer.slice(cut + 2)
          cut = buffer.indexOf('\n\n')
          if (!lines.includes('event: aggregate.updated')) continue
          const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '{}'
          stations.add((JSON.parse(data) as { data: { stationId: string } }).data.stationId)
          frames++
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err
    }
  })()
  return {
    stations,
    frames: () => frames,
    async stop() {
      controller.abort()
      await reading
    },
  }
}

test(
  'after burst and steady runs, the aggregates equal the sums over transactions and meter_values',
  async () => {
    const updates = collectAggregateUpdates()
    const startedAt = new Date()
    const burst = await simulate([
      ...['--profile', 'burst', '--stations', '6', '--sessions', '2', '--meter-values', '3'],
      ...['--seed', '7', '--id-prefix', 'BURST', '--concurrency', '6'],
    ])
    expect(burst.code).toBe(0)
    expect(burst.summary).toMatchObject({ sessions: { completed: 12 } })
    const steady = await simulate([
      ...['--profile', 'steady', '--stations', '30', '--duration', '6', '--ramp', '0'],
      ...['--session-chance', '1', '--meter-interval', '1', '--seed', '11', '--id-prefix', 'STEADY'],
    ])
    expect(steady.code).toBe(0)
    // The first plug-in check of a steady station falls in its first minute: 30 stations give a few sessions.
    expect((steady.summary.sessions as { completed: number }).completed).toBeGreaterThan(0)
    // What the simulator does not produce: an open session (its energy so far) and a register that went
    // backwards (the domain books 0 Wh, not a negative figure).
    await handMadeSession('EDGE-OPEN', 1000, { sampleWh: 1500 })
    await handMadeSession('EDGE-BACK', 5000, { stopWh: 4000 })

    // The pipeline's backlogs, in order: OCPP_IN (ingest), ingest's outbox, DOMAIN (aggregator).
    await ingestDrained(world)
    await eventually(async () => (await count(world.db, 'ingest_outbox')) === 0, 20_000)
    await aggregatorDrained(world)

    const expected = await fromRawRows(world.db)
    const simulated = Object.keys(expected)
    expect(simulated.filter((s) => s.startsWith('BURST-'))).toHaveLength(6)
    expect(simulated.filter((s) => s.startsWith('STEADY-')).length).toBeGreaterThan(0)
    expect(expected['EDGE-OPEN']).toEqual({ energyWh: 500, sessionsStarted: 1, sessionsCompleted: 0 })
    expect(expected['EDGE-BACK']).toEqual({ energyWh: 0, sessionsStarted: 1, sessionsCompleted: 1 })
    const energy = Object.values(expected).reduce((sum, t) => sum + t.energyWh, 0)
    expect(energy).toBeGreaterThan(0)

    for (const bucketing of BUCKETINGS) {
      expect({ bucketing, totals: await fromAggregates(world.db, bucketing) }).toEqual({
        bucketing,
        totals: expected,
      })
    }
    const hour = 3_600_000
    const from = new Date(Math.floor(startedAt.getTime() / hour) * hour - 2 * hour)
    expect(await fromApi(from, new Date(from.getTime() + 6 * hour))).toEqual(expected)

    // Live dashboards heard of every station that charged.
    await eventually(async () => simulated.every((s) => updates.stations.has(s)), 10_000)
    await updates.stop()
    expect(updates.frames()).toBeGreaterThanOrEqual(simulated.length)
  },
  SLOW,
)
