/**
 * Aggregator history benchmark (not part of the test run): does a connector's status cost the incremental rule
 * more as the connector ages? Each level gives every connector a history of N status records spread over the 30
 * days before T0 (seeded through the rule itself, not measured), then applies batches of new statuses, one per
 * connector per batch, through `applyEntityInputs` in one transaction each, as the aggregator does:
 *   - `live`: each status after the connector's last one (the common case: a station reporting now);
 *   - `tick`: the timer booking every connector's time 10 minutes further, no status (per connector, every
 *     AGGREGATOR_ADVANCE_INTERVAL_MS: `eventsPerSecond` is connectors per second here);
 *   - `late`: each status at a pseudo-random instant inside the history (a station's backlog arriving late).
 * The same-run baseline is the first level (`live`: no history; `late`: the shortest history there is to be late
 * into): `ratio` is events/s at N over events/s at the baseline, so a rule whose cost does not grow with history
 * keeps it near 1.
 *
 *   pnpm bench:aggregator:history [--connectors 500] [--histories 0,1000,5000] [--batches 20]
 *
 * Needs Postgres (DATABASE_ADMIN_URL, direct). Progress goes to stderr; the JSON report to stdout and
 * bench/results/aggregator-history-<time>.json. Removes its database.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createDb, type Database, type Kysely, sql, withDatabaseName } from '@chargebus/db'
import { type ApplyContext, applyEntityInputs } from '../../services/aggregator/src/apply-inputs.ts'
import { createBucketingsOf } from '../../services/aggregator/src/domain/bucketings.ts'
import type { ConnectorKey, EntityInput } from '../../services/aggregator/src/event-inputs.ts'
import { ADMIN_URL, createRunDatabase, dropRunDatabase } from '../e2e/src/stack.ts'
import { CLK_TCK, treeCpuTicks } from '../gateway/src/processes.ts'

const { values: args } = parseArgs({
  options: {
    connectors: { type: 'string', default: '500' },
    histories: { type: 'string', default: '0,1000,5000' },
    batches: { type: 'string', default: '20' },
  },
})
const CONNECTORS = Number(args.connectors)
const HISTORIES = String(args.histories).split(',').map(Number)
const BATCHES = Number(args.batches)
const PER_STATION = 5
const progress = (msg: string) => process.stderr.write(`[bench-aggregator-history] ${msg}\n`)
const MIN = 60_000
const SPAN = 30 * 24 * 60 * MIN
const T0 = Date.parse('2026-06-01T00:00:00Z')
const STATUSES = ['Preparing', 'Charging', 'SuspendedEV', 'Finishing', 'Available'] as const

const connectorKey = (c: number) => ({
  stationId: `CP-${Math.floor(c / PER_STATION) + 1}`,
  connectorId: (c % PER_STATION) + 1,
})

const status = (c: number, at: number, n: number): EntityInput => ({
  kind: 'connector',
  key: connectorKey(c),
  input: { record: { at, status: STATUSES[n % STATUSES.length] as string, errorCode: 'NoError' } },
})

/** A deterministic pseudo-random stream (a linear congruential generator), so a run replays. */
function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0
    return x / 2 ** 32
  }
}

const ctxAt = (bookTo: number): ApplyContext => ({
  networkZone: 'Europe/Berlin',
  bucketingsOf: createBucketingsOf(),
  bookTo,
  onInvalidZone: () => {},
})

async function applyBatch(
  db: Kysely<Database>,
  inputs: readonly EntityInput[],
  bookTo: number,
  advance: readonly ConnectorKey[] = [],
) {
  await db.transaction().execute((trx) => applyEntityInputs(trx, inputs, advance, ctxAt(bookTo)))
}

/**
 * Every connector gets `records` statuses evenly over the 30 days before T0, in order, in batches as the aggregator
 * applies them (at most 500 records of a connector per batch; a few connectors per batch).
 */
async function seedHistory(db: Kysely<Database>, records: number): Promise<number> {
  const t0 = performance.now()
  const perConnector = Math.min(records, 500)
  const perBatch = Math.max(1, Math.floor(20_000 / Math.max(1, perConnector)))
  for (let first = 0; first < CONNECTORS; first += perBatch)
    for (let from = 0; from < records; from += perConnector) {
      const inputs: EntityInput[] = []
      for (let c = first; c < Math.min(CONNECTORS, first + perBatch); c++)
        for (let n = from; n < Math.min(records, from + perConnector); n++)
          inputs.push(status(c, T0 - SPAN + Math.floor((n * SPAN) / records), n))
      await applyBatch(db, inputs, T0)
    }
  return (performance.now() - t0) / 1000
}

/** The CPU of the bench's one Postgres backend (its pool holds one connection), in clock ticks. */
async function backendTicks(db: Kysely<Database>): Promise<() => number> {
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)
  const pid = rows[0]?.pid as number
  return () => treeCpuTicks(pid)
}

async function measure(db: Kysely<Database>, history: number, mode: 'live' | 'tick' | 'late') {
  const random = lcg(history + 1)
  const ticks = await backendTicks(db)
  const ticks0 = ticks()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let b = 0; b < BATCHES; b++) {
    // the timer's ticks follow the live statuses: each books every connector's time 10 minutes further
    const now = T0 + ((mode === 'tick' ? BATCHES : 0) + b + 1) * 10 * MIN
    if (mode === 'tick') {
      await applyBatch(
        db,
        [],
        now,
        Array.from({ length: CONNECTORS }, (_, c) => connectorKey(c)),
      )
      continue
    }
    const inputs = Array.from({ length: CONNECTORS }, (_, c) =>
      status(c, mode === 'live' ? now : T0 - Math.floor(random() * SPAN), b + 1),
    )
    await applyBatch(db, inputs, now)
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const pgMs = ((ticks() - ticks0) * 1000) / CLK_TCK
  const events = BATCHES * CONNECTORS
  return {
    eventsPerSecond: Math.round(events / seconds),
    nodeUsPerEvent: Math.round((cpu.user + cpu.system) / events),
    postgresUsPerEvent: Math.round((pgMs * 1000) / events),
  }
}

async function main() {
  const database = `bench_aggregator_history_${process.pid}`
  // created, migrated and dropped as bench/e2e does (the drop is `if exists`: also after a failed migration)
  let db: Kysely<Database> | undefined
  try {
    await createRunDatabase(database)
    db = createDb({
      url: withDatabaseName(ADMIN_URL, database),
      poolSize: 1,
      applicationName: 'bench-history',
    })
    await sql`insert into stations (id) select 'CP-' || n from generate_series(1, ${Math.ceil(CONNECTORS / PER_STATION)}) n`.execute(
      db,
    )
    const levels: Record<string, unknown>[] = []
    // a first pass of the first level's batches, not reported: the baseline should not pay for the JIT's warm-up
    await measure(db, 0, 'live')
    for (const history of HISTORIES) {
      await sql`truncate aggregates, aggregate_totals, aggregator_connectors, aggregator_connector_records`.execute(
        db,
      )
      const seedSeconds = await seedHistory(db, history)
      // as autovacuum would soon: the measured batches should not meet a bulk load's stale statistics
      await sql`analyze`.execute(db)
      progress(`history ${history}: seeded in ${seedSeconds.toFixed(1)} s`)
      const live = await measure(db, history, 'live')
      progress(`history ${history}: live ${live.eventsPerSecond} events/s`)
      const tick = await measure(db, history, 'tick')
      progress(`history ${history}: timer ${tick.eventsPerSecond} connectors/s`)
      // without a history there is nothing to be late into (a first status books the connector from scratch)
      const late = history === 0 ? undefined : await measure(db, history, 'late')
      if (late) progress(`history ${history}: late ${late.eventsPerSecond} events/s`)
      levels.push({
        history,
        seedSeconds: Math.round(seedSeconds * 10) / 10,
        live,
        tick,
        late,
        loadAverage: loadavg()[0],
      })
    }
    for (const mode of ['live', 'tick', 'late'] as const) {
      const runs = levels.flatMap((l) => (l[mode] === undefined ? [] : [l[mode] as Record<string, number>]))
      const base = runs[0]?.eventsPerSecond ?? 1
      for (const run of runs) run.ratio = Math.round(((run.eventsPerSecond ?? 0) / base) * 1000) / 1000
    }
    const report = {
      bench: 'aggregator-history',
      at: new Date().toISOString(),
      machine: 'see bench/README.md (2 shared vCPUs; Postgres on the same box)',
      connectors: CONNECTORS,
      batches: BATCHES,
      levels,
    }
    const text = JSON.stringify(report, null, 2)
    mkdirSync('bench/results', { recursive: true })
    writeFileSync(join('bench/results', `aggregator-history-${Date.now()}.json`), text)
    process.stdout.write(`${text}\n`)
  } finally {
    await db?.destroy()
    await dropRunDatabase(database).catch((err) => progress(`drop failed: ${err}`))
  }
}

main().catch((err) => {
  progress(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  process.exitCode = 1
})
