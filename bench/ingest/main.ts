/**
 * Ingest burst benchmark (not part of the test run): a backlog of MeterValues in JetStream, drained by the real
 * ingest service (in this process: `buildApp`, consumer, Postgres through pgbouncer), against a plain batched
 * INSERT of the very same rows into the same table, measured in the same run. Prints one JSON object and writes
 * it to bench/results/ingest-<time>.json:
 *   - ingest.rowsPerS: meter_values rows/s from consumer start until the backlog is written and acked
 *   - baseline.rowsPerS: 500-row multi-row INSERTs (`insert into meter_values values (...), ...`), one connection
 *   - ratio: ingest / baseline (target >= 0.5)
 *   - peakServerConnections: backends on the bench database in pg_stat_activity (sampled every 20 ms) while
 *     ingest ran; must stay within DATABASE_POOL_SIZE
 *
 *   pnpm bench:ingest [--values 200000] [--per-message 10] [--stations 200] [--rounds 1]
 *                     [--pool 4] [--in-flight 2] [--batch 500]
 *
 * Needs Postgres (DATABASE_ADMIN_URL, direct), pgbouncer (DATABASE_URL) and NATS (NATS_URL): `pnpm deps:up`.
 * Uses a throwaway database and bus namespace of its own and removes both.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { connectBus } from '@chargebus/bus'
import { createDatabase, createDb, dropDatabase, migrateToLatest, sql, withDatabaseName } from '@chargebus/db'
import { type EventData, OcppMessageReceived, Streams } from '@chargebus/events'
import { createLogger, loadConfig } from '@chargebus/platform'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { buildApp } from '../../services/ingest/src/app.ts'
import { IngestConfig } from '../../services/ingest/src/config.ts'
import { type SampleRow, sampleRow } from '../../services/ingest/src/data-access/batch-store.ts'
import { openIngestDependencies } from '../../services/ingest/src/deps.ts'
import { meterSamples } from '../../services/ingest/src/domain/batch/meter-sample.ts'
import { median } from '../gateway/src/stats.ts'

const { values: args } = parseArgs({
  options: {
    values: { type: 'string', default: '200000' },
    'per-message': { type: 'string', default: '10' },
    stations: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '1' },
    pool: { type: 'string', default: '4' },
    'in-flight': { type: 'string', default: '2' },
    batch: { type: 'string', default: '500' },
  },
})
const totalValues = Number(args.values)
const perMessage = Number(args['per-message'])
const stationCount = Number(args.stations)
const rounds = Number(args.rounds)
const messageCount = Math.ceil(totalValues / perMessage)
const expectedRows = messageCount * perMessage

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://chargebus:chargebus@127.0.0.1:5432/chargebus'
const POOLED_URL = process.env.DATABASE_URL ?? 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus'
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'
const logger = createLogger({ name: 'bench-ingest', level: 'warn' })

type Raw = EventData<typeof OcppMessageReceived>
const MEASURANDS: Array<[string, string, string | undefined]> = [
  ['Energy.Active.Import.Register', 'kWh', undefined],
  ['Power.Active.Import', 'kW', undefined],
  ['Current.Import', 'A', 'L1'],
  ['Current.Import', 'A', 'L2'],
  ['Current.Import', 'A', 'L3'],
  ['Voltage', 'V', 'L1-N'],
  ['Voltage', 'V', 'L2-N'],
  ['Voltage', 'V', 'L3-N'],
  ['SoC', 'Percent', undefined],
  ['Temperature', 'Celsius', undefined],
]

/** A backlog of MeterValues: `perMessage` sampled values each, spread over stations, one minute apart per station. */
function backlog(runId: string): Raw[] {
  const start = Date.now() - messageCount * 1000
  return Array.from({ length: messageCount }, (_, i) => {
    const at = new Date(start + i * 1000).toISOString()
    const sampledValue = Array.from({ length: perMessage }, (_, j) => {
      const [measurand, unit, phase] = MEASURANDS[j % MEASURANDS.length] as [
        string,
        string,
        string | undefined,
      ]
      const v: Record<string, string> = {
        value: (i / 10 + j).toFixed(3),
        measurand,
        unit,
        context: 'Sample.Periodic',
      }
      if (phase) v.phase = phase
      return v
    })
    return {
      stationId: `BENCH-${i % stationCount}`,
      ocppVersion: '1.6' as const,
      action: 'MeterValues',
      messageId: `urn:uuid:${runId}-${i}`,
      receivedAt: at,
      from: 'http://10.0.0.1:8080/ocpp',
      payload: {
        connectorId: 1,
        transactionId: 1 + (i % stationCount),
        meterValue: [{ timestamp: at, sampledValue }],
      },
      response: {},
      quirks: [],
    }
  })
}

async function withAdmin<T>(url: string, work: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb({ url, poolSize: 1, applicationName: 'bench-ingest-admin' })
  try {
    return await work(db)
  } finally {
    await db.destroy()
  }
}

async function round(index: number) {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  const dbName = `chargebus_bench_ingest_${runId}`
  const namespace = `bench${runId}`
  await withAdmin(withDatabaseName(ADMIN_URL, 'postgres'), (db) => createDatabase(db, dbName))
  const monitor = createDb({
    url: withDatabaseName(ADMIN_URL, dbName),
    poolSize: 1,
    applicationName: 'bench-monitor',
  })
  await migrateToLatest(monitor)
  const nc = await connect({ servers: NATS_URL, name: 'bench-ingest-admin' })
  const jsm = await jetstreamManager(nc)
  const publisher = await connectBus({ servers: NATS_URL, name: 'bench-ingest', namespace, logger })
  try {
    await publisher.ensureStreams([Streams.OCPP_IN, Streams.DOMAIN, Streams.DEAD_LETTERS], {
      maxBytes: 2 * 1024 ** 3,
    })
    const messages = backlog(runId)

    // 1. The backlog, as the gateway would have stored it (~500 publishes in flight).
    const publishStart = performance.now()
    for (let i = 0; i < messages.length; i += 500) {
      await Promise.all(
        messages
          .slice(i, i + 500)
          .map((m) => publisher.publish(OcppMessageReceived, m, { msgId: `${m.stationId}/${m.messageId}` })),
      )
    }
    const publishS = (performance.now() - publishStart) / 1000

    // 2. Ingest drains it; pg_stat_activity sampled meanwhile.
    const config = loadConfig(IngestConfig, {
      DATABASE_URL: withDatabaseName(POOLED_URL, dbName),
      NATS_URL,
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: args.pool,
      INGEST_MAX_IN_FLIGHT: args['in-flight'],
      INGEST_BATCH_SIZE: args.batch,
      INGEST_SWEEP_INTERVAL_MS: '3600000',
    })
    let peak = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await sql<{ n: string }>`
          select count(*) as n from pg_stat_activity
           where datname = ${dbName} and pid <> pg_backend_pid() and backend_type = 'client backend'`.execute(
          monitor,
        )
        peak = Math.max(peak, Number(rows[0]?.n ?? 0))
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    const deps = await openIngestDependencies(config, logger, { namespace })
    const app = buildApp(deps)
    app.addHook('onClose', () => deps.close())
    const ingestStart = performance.now()
    await app.ready()
    const stream = `${namespace.toUpperCase()}_OCPP_IN`
    for (;;) {
      const info = await jsm.consumers.info(stream, config.INGEST_DURABLE)
      if (info.num_pending === 0 && info.num_ack_pending === 0) break
      await new Promise((r) => setTimeout(r, 25))
    }
    const ingestS = (performance.now() - ingestStart) / 1000
    sampling = false
    await sampler
    await app.close()
    const { rows: counted } = await sql<{ n: string }>`select count(*) as n from meter_values`.execute(
      monitor,
    )
    const ingestedRows = Number(counted[0]?.n ?? 0)

    // 3. The same rows, plain: 500-row multi-row INSERTs on one pooled connection, after a truncate.
    await sql`truncate meter_values`.execute(monitor)
    const rows: SampleRow[] = messages.flatMap((m) => {
      const p = m.payload as { connectorId: number; transactionId: number; meterValue: never[] }
      return meterSamples(p.meterValue, {
        stationId: m.stationId,
        connectorId: p.connectorId,
        transactionId: p.transactionId,
        receivedAt: m.receivedAt,
        sourceAction: 'MeterValues',
        messageId: m.messageId,
      }).map(sampleRow)
    })
    const plain = createDb({
      url: withDatabaseName(POOLED_URL, dbName),
      poolSize: 1,
      applicationName: 'bench-plain',
    })
    const baselineStart = performance.now()
    for (let i = 0; i < rows.length; i += 500) {
      await plain
        .insertInto('meter_values')
        .values(rows.slice(i, i + 500))
        .execute()
    }
    const baselineS = (performance.now() - baselineStart) / 1000
    await plain.destroy()

    const result = {
      round: index + 1,
      messages: messages.length,
      rows: ingestedRows,
      expectedRows,
      publish: { seconds: round3(publishS), messagesPerS: Math.round(messages.length / publishS) },
      ingest: {
        seconds: round3(ingestS),
        rowsPerS: Math.round(ingestedRows / ingestS),
        messagesPerS: Math.round(messages.length / ingestS),
      },
      baseline: { seconds: round3(baselineS), rowsPerS: Math.round(rows.length / baselineS) },
      ratio: round3(ingestedRows / ingestS / (rows.length / baselineS)),
      peakServerConnections: peak,
      poolBudget: config.DATABASE_POOL_SIZE,
    }
    if (ingestedRows !== expectedRows)
      throw new Error(`ingest wrote ${ingestedRows} rows, expected ${expectedRows}`)
    return result
  } finally {
    await publisher.deleteNamespace().catch(() => {})
    await publisher.close()
    await nc.close()
    await monitor.destroy()
    await withAdmin(withDatabaseName(ADMIN_URL, 'postgres'), (db) => dropDatabase(db, dbName))
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}

const results = []
for (let i = 0; i < rounds; i++) results.push(await round(i))
const report = {
  bench: 'ingest',
  at: new Date().toISOString(),
  node: process.version,
  settings: {
    values: expectedRows,
    perMessage,
    stations: stationCount,
    pool: Number(args.pool),
    inFlight: Number(args['in-flight']),
    batch: Number(args.batch),
  },
  median: {
    ingestRowsPerS: median(results.map((r) => r.ingest.rowsPerS)),
    baselineRowsPerS: median(results.map((r) => r.baseline.rowsPerS)),
    ratio: median(results.map((r) => r.ratio)),
    peakServerConnections: Math.max(...results.map((r) => r.peakServerConnections)),
  },
  rounds: results,
}
const out = join(import.meta.dirname, '..', 'results')
mkdirSync(out, { recursive: true })
writeFileSync(
  join(out, `ingest-${report.at.replaceAll(':', '-').replace('.', '-')}.json`),
  `${JSON.stringify(report, null, 2)}\n`,
)
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
