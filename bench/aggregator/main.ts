/**
 * Aggregator benchmark (not part of the test run). In one run:
 *   - throughput: a backlog of DOMAIN events (mostly meter.sampled, session start/complete, status changes) in a
 *     private nats-server, drained (1) by a raw JetStream pull consumer that only acks (the baseline), (2) by the
 *     real aggregator (buildApp, pgbouncer, a throwaway database) from an EMPTY database over the first half of the
 *     events, (3) by the same aggregator over the second half on top of the first ("incremental": late events
 *     of the same sessions and connectors), and (4) by `chargebus aggregates rebuild`'s code (the aggregator's
 *     admin export) over the whole stream, shadow tables and swap included ("rebuild"); each as events/s and as a
 *     ratio to the baseline of the same events;
 *   - connections: peak backends on the bench database in pg_stat_activity (sampled every 20 ms) while (2)/(3) ran;
 *   - reads: rollup cells seeded server-side (connector cells, then the station and network totals as the
 *     aggregator's rule sums them), the real API process (`node services/api/src/main.ts`), p50/p99 of the
 *     aggregate routes (energy, utilization, faults; groupBy network, station, connector; a day and a month).
 *
 *   pnpm bench:aggregator [--events 1000000] [--stations 2000] [--connectors 10000] [--days 365]
 *                         [--requests 40] [--skip-throughput] [--skip-reads] [--keep-database]
 *
 * Needs Postgres (DATABASE_ADMIN_URL, direct), pgbouncer (DATABASE_URL) and `nats-server` on PATH. Progress goes
 * to stderr; the JSON report to stdout and bench/results/aggregator-<time>.json. Removes its database, its
 * nats-server and its store.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Bus, connectBus, streamLimitsFrom, streamLimitVariables } from '@chargebus/bus'
import { createDb, type RawBuilder, sql, withDatabaseName } from '@chargebus/db'
import {
  ConnectorStatusChanged,
  MeterSampled,
  SessionCompleted,
  SessionStarted,
  Streams,
} from '@chargebus/events'
import { createLogger, loadConfig } from '@chargebus/platform'
import { AckPolicy, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { rebuild } from '../../services/aggregator/src/admin.ts'
import { buildApp } from '../../services/aggregator/src/app.ts'
import { AggregatorConfig } from '../../services/aggregator/src/config.ts'
import { openAggregatorDependencies } from '../../services/aggregator/src/deps.ts'
import { ConnectionMonitor } from '../e2e/src/monitor.ts'
import { ADMIN_URL, createRunDatabase, dropRunDatabase } from '../e2e/src/stack.ts'
import { CLK_TCK, treeCpuTicks } from '../gateway/src/processes.ts'
import { createPhaseProfiler } from './src/phase-profiler.ts'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    stations: { type: 'string', default: '2000' },
    connectors: { type: 'string', default: '10000' },
    days: { type: 'string', default: '365' },
    requests: { type: 'string', default: '40' },
    batch: { type: 'string' },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-reads': { type: 'boolean', default: false },
    'keep-database': { type: 'boolean', default: false },
    json: { type: 'boolean', default: true },
    profile: { type: 'string' },
  },
})
const EVENTS = Number(args.events)
const STATIONS = Number(args.stations)
const CONNECTORS = Number(args.connectors)
const DAYS = Number(args.days)
const REQUESTS = Number(args.requests)
const POOLED_URL = process.env.DATABASE_URL ?? 'postgres://chargebus:chargebus@127.0.0.1:6432/chargebus'
const logger = createLogger({ name: 'bench-aggregator', level: 'warn' })
const progress = (msg: string) => process.stderr.write(`[bench-aggregator] ${msg}\n`)
const children: ChildProcess[] = []
const profiler = createPhaseProfiler(args.profile, progress)
const H = 3_600_000
const DAY = 24 * H
const BASE = Date.parse('2026-01-01T00:00:00Z')

/** The newest instant {@link domainEvents} names (the last session's stop). */
const lastEventAt = () => BASE + Math.ceil(EVENTS / 16 / STATIONS) * 3 * H + 2 * H

/** Domain events of sessions on the stations' connectors: start, status, ~12 meter samples, stop, status. */
function* domainEvents(count: number) {
  let tx = 1
  let n = 0
  const perStation = Math.max(1, Math.round(CONNECTORS / STATIONS))
  while (n < count) {
    const station = `CP-${(tx % STATIONS) + 1}`
    const connectorId = (Math.floor(tx / STATIONS) % perStation) + 1
    const startedAt = BASE + Math.floor(tx / STATIONS) * 3 * H + (tx % 3600) * 1000
    const stoppedAt = startedAt + 2 * H
    const common = { stationId: station, transactionId: tx, connectorId, idTag: `TAG-${tx % 500}` }
    const status = (at: number, s: string) => ({
      event: ConnectorStatusChanged,
      data: {
        stationId: station,
        connectorId,
        status: s,
        errorCode: 'NoError',
        statusAt: new Date(at).toISOString(),
        receivedAt: new Date(at).toISOString(),
        sourceMessageId: `st-${tx}-${s}`,
      },
    })
    yield status(startedAt, 'Charging')
    yield {
      event: SessionStarted,
      data: {
        ...common,
        startedAt: new Date(startedAt).toISOString(),
        meterStartWh: 0,
        sourceMessageId: `s-${tx}`,
      },
    }
    for (let i = 1; i <= 12; i++)
      yield {
        event: MeterSampled,
        data: {
          stationId: station,
          connectorId,
          transactionId: tx,
          readings: [{ at: new Date(startedAt + i * 10 * 60_000 - 1).toISOString(), registerWh: i * 1000 }],
          sourceMessageId: `m-${tx}-${i}`,
        },
      }
    yield {
      event: SessionCompleted,
      data: {
        ...common,
        startedAt: new Date(startedAt).toISOString(),
        stoppedAt: new Date(stoppedAt).toISOString(),
        meterStartWh: 0,
        meterStopWh: 12_500,
        energyWh: 12_500,
        durationS: 7200,
        sourceMessageId: `e-${tx}`,
      },
    }
    yield status(stoppedAt, 'Available')
    n += 16
    tx++
  }
}

/** The private nats-server's pid: its CPU is part of what each drain costs (stored messages, acks, publishes). */
let natsPid: number | undefined
const natsTicks = () => (natsPid === undefined ? 0 : treeCpuTicks(natsPid))

/** Starts counting this process's CPU and the nats-server's; the function returned gives each one's since, in ms. */
function cpuSince(): () => { node: number; nats: number } {
  const node0 = process.cpuUsage()
  const nats0 = natsTicks()
  return () => {
    const node = process.cpuUsage(node0)
    return { node: (node.user + node.system) / 1000, nats: ((natsTicks() - nats0) * 1000) / CLK_TCK }
  }
}

async function startNats(dir: string, port: number): Promise<string> {
  const child = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  })
  children.push(child)
  natsPid = child.pid
  const url = `nats://127.0.0.1:${port}`
  for (let i = 0; i < 50; i++) {
    const ok = await connect({ servers: url }).then(
      (c) => c.close().then(() => true),
      () => false,
    )
    if (ok) return url
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('nats-server did not start')
}

/**
 * Peak backends on `database` while `work` runs (pg_stat_activity, every 20 ms), and the CPU it cost: the bench
 * process's own (the aggregator runs in it) and that of the database's Postgres backends (bench/e2e's monitor).
 * CPU per event is the steady figure on a shared machine, where events/s moves with the load.
 */
async function withConnectionPeak<T>(
  database: string,
  work: () => Promise<T>,
): Promise<{
  result: T
  peak: number
  /** Shares of the database's backend samples by state (`ConnectionMonitor.stateShares`). */
  backendStates: Record<string, number>
  cpuMs: { node: number; postgres: number; nats: number }
  loadAverage: { start: number; end: number }
}> {
  const admin = createDb({ url: ADMIN_URL, poolSize: 1, applicationName: 'bench-aggregator-probe' })
  const monitor = new ConnectionMonitor(admin, database)
  const used = cpuSince()
  const loadAtStart = loadavg()[0] ?? 0
  monitor.start(20)
  try {
    const result = await work()
    const { node, nats } = used()
    const postgresTicks = monitor.backendDelta(new Map(), monitor.backendTicks())
    return {
      result,
      peak: monitor.result().peak,
      backendStates: monitor.stateShares(),
      cpuMs: { node, postgres: (postgresTicks * 1000) / CLK_TCK, nats },
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    }
  } finally {
    await monitor.stop()
    await admin.destroy()
  }
}

/** CPU per event in microseconds, from {@link withConnectionPeak}'s milliseconds. */
const cpuPerEvent = (cpuMs: { node: number; postgres: number; nats: number }, events: number) => ({
  nodeUs: (cpuMs.node * 1000) / events,
  postgresUs: (cpuMs.postgres * 1000) / events,
  natsUs: (cpuMs.nats * 1000) / events,
})

/**
 * `chargebus aggregates rebuild`'s code (the aggregator's admin export) over the whole of DOMAIN, through
 * pgbouncer with one connection, as the CLI runs it: shadow tables, then the swap.
 */
async function rebuildAll(database: string, bus: Bus, expected: number) {
  const db = createDb({
    url: withDatabaseName(POOLED_URL, database),
    poolSize: 1,
    applicationName: 'bench-rebuild',
  })
  const t0 = performance.now()
  let last = 0
  let foldCpuUs: number | undefined
  try {
    const { result, peak, backendStates, cpuMs, loadAverage } = await withConnectionPeak(database, () =>
      profiler.around('rebuild', () => {
        const cpu0 = process.cpuUsage()
        return rebuild({
          env: { DATABASE_URL: withDatabaseName(POOLED_URL, database) },
          db,
          bus,
          logger,
          clock: () => new Date(lastEventAt() + DAY),
          onProgress: (p) => {
            // The fold's last page reports the end sequence right after it was folded: the fold's CPU so far.
            if (foldCpuUs === undefined && p.phase === 'stream' && p.seq >= p.endSeq) {
              const cpu = process.cpuUsage(cpu0)
              foldCpuUs = cpu.user + cpu.system
            }
            if (Date.now() - last < 10_000) return
            last = Date.now()
            progress(`rebuild: ${p.phase} ${p.events}/${expected} events`)
          },
        })
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    const events = result.archivedEvents + result.streamEvents
    if (events !== expected) throw new Error(`rebuild applied ${events} events, the stream holds ${expected}`)
    const cpu = cpuPerEvent(cpuMs, events)
    progress(
      `rebuild: ${Math.round(events / seconds)} events/s, CPU per event ${Math.round(cpu.nodeUs)} us Node (the fold ${foldCpuUs === undefined ? '-' : (foldCpuUs / events).toFixed(1)}) + ${Math.round(cpu.postgresUs)} us Postgres + ${Math.round(cpu.natsUs)} us nats-server, peak connections ${peak}`,
    )
    return {
      events,
      seconds,
      /** Seconds per phase: fold (read the stream and gather), write (compute and write), analyze, swap. */
      phaseSeconds: result.seconds,
      eventsPerS: events / seconds,
      /** CPU per event: the rebuild's own (Node) and its Postgres backend's. */
      cpuPerEvent: cpu,
      /** Node's CPU per event in the fold alone (read, decode, gather), in microseconds: the decode's share shows here. */
      foldNodeUsPerEvent: foldCpuUs === undefined ? null : foldCpuUs / events,
      /** The machine's 1-minute load average at the start and the end: the ratios compare runs under these. */
      loadAverage,
      peakConnections: peak,
      /** Where its Postgres backend spent the time (shares of 20 ms samples by state). */
      backendStates,
      rows: result.rows,
      /** What the swap wrote over the incremental run's rows (connector time differs: booked to a later now). */
      written: result.written,
    }
  } finally {
    await db.destroy()
  }
}

/**
 * The floor under any aggregator with this schema: Postgres alone writing the rows the run ended with (every cell
 * and total, with the same indexes), server-side in one INSERT ... SELECT per table: no client, no
 * events, no upsert, no facts. An aggregator writes at least these rows, so `events / seconds` bounds its events/s
 * on this machine.
 */
async function postgresFloor(database: string, events: number) {
  const db = createDb({
    url: withDatabaseName(ADMIN_URL, database),
    poolSize: 1,
    applicationName: 'bench-floor',
  })
  try {
    const tables = [
      {
        table: 'aggregates',
        key: sql`metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim`,
      },
      {
        table: 'aggregate_totals',
        key: sql`bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim`,
      },
    ]
    let rows = 0
    const t0 = performance.now()
    for (const { table } of tables) {
      await sql`create table ${sql.table(`floor_${table}`)} (like ${sql.table(table)} including all)`.execute(
        db,
      )
      // LIKE copies no storage parameters: the copy gets the table's own (its fillfactor: HOT updates).
      const { rows: options } = await sql<{ option: string }>`
        select unnest(reloptions) as option from pg_class where oid = ${table}::regclass`.execute(db)
      if (options.length > 0)
        await sql`alter table ${sql.table(`floor_${table}`)} set (${sql.raw(options.map((o) => o.option).join(', '))})`.execute(
          db,
        )
      const result =
        await sql`insert into ${sql.table(`floor_${table}`)} select * from ${sql.table(table)}`.execute(db)
      rows += Number(result.numAffectedRows ?? 0)
    }
    const seconds = (performance.now() - t0) / 1000
    // The same rows again as the incremental rule writes them: an upsert that finds every cell (the update path).
    const t1 = performance.now()
    for (const { table, key } of tables)
      await sql`insert into ${sql.table(`floor_${table}`)} as f select * from ${sql.table(table)}
        on conflict (${key}) do update set value = f.value + excluded.value`.execute(db)
    const updateSeconds = (performance.now() - t1) / 1000
    for (const { table } of tables) await sql`drop table ${sql.table(`floor_${table}`)}`.execute(db)
    progress(
      `postgres floor: ${rows} rows in ${seconds.toFixed(1)} s, at most ${Math.round(events / seconds)} events/s; ` +
        `the same rows upserted again in ${updateSeconds.toFixed(1)} s`,
    )
    return {
      rows,
      seconds,
      eventsPerS: events / seconds,
      /** Server-side cost of one cell row: inserted into the empty copy, then upserted onto itself. */
      microsPerRow: { insert: (seconds * 1e6) / rows, upsertUpdate: (updateSeconds * 1e6) / rows },
    }
  } finally {
    await db.destroy()
  }
}

const WRITTEN_TABLES = [
  'aggregates',
  'aggregate_totals',
  'aggregator_sessions',
  'aggregator_connectors',
  'aggregator_connector_records',
] as const
type WrittenTable = (typeof WRITTEN_TABLES)[number]
/** Rows inserted and updated; `hotUpdated`: the updates that were HOT (same page, no index entry). */
type Writes = { inserted: number; updated: number; hotUpdated: number }

/** Rows inserted and updated so far in the bench database's aggregator tables, per table (Postgres' statistics). */
async function tableWrites(database: string): Promise<Record<WrittenTable, Writes>> {
  const db = createDb({
    url: withDatabaseName(ADMIN_URL, database),
    poolSize: 1,
    applicationName: 'bench-stats',
  })
  try {
    // a backend reports its counts when idle, at most once a second: let the last batches' reach the view
    await new Promise((r) => setTimeout(r, 1500))
    const { rows } = await sql<{ relname: WrittenTable; inserted: string; updated: string; hot: string }>`
      select relname, n_tup_ins as inserted, n_tup_upd as updated, n_tup_hot_upd as hot
        from pg_stat_user_tables
       where schemaname = 'public' and relname in (${sql.join([...WRITTEN_TABLES])})`.execute(db)
    const writes = Object.fromEntries(
      WRITTEN_TABLES.map((t) => [t, { inserted: 0, updated: 0, hotUpdated: 0 }]),
    ) as Record<WrittenTable, Writes>
    for (const r of rows)
      writes[r.relname] = {
        inserted: Number(r.inserted),
        updated: Number(r.updated),
        hotUpdated: Number(r.hot),
      }
    return writes
  } finally {
    await db.destroy()
  }
}

/**
 * A bound on the incremental rule with this schema, from the same run: the rows the aggregator wrote per event,
 * each at the server-side cost of a plain insert or an upsert update of a cell (no client, no events, no facts
 * logic, no locks). Whatever the code does around them, Postgres alone needs this long for those rows. `without`
 * leaves one table's rows out: the bound of a row model that did not write that table per event.
 */
function writeFloor(
  run: { rowsPerTable: Record<WrittenTable, Writes> },
  floor: { microsPerRow: { insert: number; upsertUpdate: number } },
  rawPerS: number,
  without?: WrittenTable,
) {
  let micros = 0
  for (const table of WRITTEN_TABLES) {
    if (table === without) continue
    const rows = run.rowsPerTable[table]
    micros += rows.inserted * floor.microsPerRow.insert + rows.updated * floor.microsPerRow.upsertUpdate
  }
  const eventsPerS = 1e6 / micros
  return { microsPerEvent: micros, eventsPerS, ratio: eventsPerS / rawPerS }
}

/**
 * The best events/s the measured CPU per event allows on this machine's cores, were the aggregator's Node work,
 * its Postgres backends' and the nats-server's spread over every core with nothing else running (no pgbouncer,
 * no waiting): a same-run bound, and its ratio to raw consume+ack. (Before 2026-12-07 10:00 UTC it left the
 * nats-server out.)
 */
function cpuBound(cpu: { nodeUs: number; postgresUs: number; natsUs: number }, rawPerS: number) {
  const cores = availableParallelism()
  const eventsPerS = (cores * 1e6) / (cpu.nodeUs + cpu.postgresUs + cpu.natsUs)
  return { cores, eventsPerS, ratio: eventsPerS / rawPerS }
}

/** Messages stored in the (namespaced) stream whose name ends with `name`. */
async function streamMessages(jsm: JetStreamManager, name: string): Promise<number> {
  for await (const s of jsm.streams.list()) if (s.config.name.endsWith(name)) return s.state.messages
  throw new Error(`no stream ${name}`)
}

const round2 = (v: number) => Math.round(v * 100) / 100

async function throughput(database: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-aggregator-'))
  try {
    const natsUrl = await startNats(dir, 14222 + (process.pid % 1000))
    const namespace = `bagg${process.pid}`
    // DOMAIN large enough for every event: the development default would discard the oldest ones.
    const streamEnv = { [streamLimitVariables('DOMAIN').maxBytes]: '4GiB' }
    const bus = await connectBus({
      servers: natsUrl,
      name: 'bench',
      namespace,
      logger,
      streamLimits: streamLimitsFrom(streamEnv),
    })
    await bus.ensureStreams([Streams.DOMAIN, Streams.AGGREGATES, Streams.DEAD_LETTERS, Streams.REPLAY])
    const publishHalf = async (half: 0 | 1) => {
      let i = 0
      let published = 0
      const inFlight: Promise<unknown>[] = []
      for (const e of domainEvents(EVENTS)) {
        if (i % 2 === half) {
          published++
          inFlight.push(bus.publish(e.event as never, e.data as never, { msgId: `${half}/${i}` }))
          if (inFlight.length >= 500) await Promise.all(inFlight.splice(0))
        }
        i++
        if (i % 100_000 === 0) progress(`published ${i}/${EVENTS} (half ${half})`)
      }
      await Promise.all(inFlight)
      return published
    }
    // Halves by alternate events: the second half completes the first half's entities (late events, the
    // incremental case), the first starts from an empty database (the rebuild-from-the-log case).
    const firstHalf = await publishHalf(0)
    const nc = await connect({ servers: natsUrl })
    const jsm = await jetstreamManager(nc)
    const stream = (await jsm.streams.names().next()).find((s) => s.endsWith('DOMAIN')) as string
    const raw = async (durable: string) => {
      await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit })
      const consumer = await jetstream(nc).consumers.get(stream, durable)
      const pending = (await consumer.info()).num_pending
      const loadAtStart = loadavg()[0] ?? 0
      const used = cpuSince()
      const t0 = performance.now()
      const messages = await consumer.consume({ max_messages: 1000 })
      let seen = 0
      for await (const m of messages) {
        m.ack()
        if (++seen >= pending) break
      }
      const seconds = (performance.now() - t0) / 1000
      return {
        events: seen,
        seconds,
        cpuPerEvent: cpuPerEvent({ ...used(), postgres: 0 }, seen),
        loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      }
    }
    const rawRebuild = await raw('raw-a')
    if (rawRebuild.events !== firstHalf)
      throw new Error(`DOMAIN holds ${rawRebuild.events} of ${firstHalf} events`)
    progress(`raw consume+ack: ${Math.round(rawRebuild.events / rawRebuild.seconds)} events/s`)

    const config = loadConfig(AggregatorConfig, {
      DATABASE_URL: withDatabaseName(POOLED_URL, database),
      NATS_URL: natsUrl,
      LOG_LEVEL: 'warn',
      AGGREGATOR_ADVANCE_INTERVAL_MS: '3600000',
      ...streamEnv,
      ...(args.batch === undefined ? {} : { AGGREGATOR_BATCH_SIZE: args.batch }),
    })
    const drain = async (label: string, expected: number) => {
      const deps = await openAggregatorDependencies(config, logger, { namespace })
      // Connector time is booked up to "now": the day after the last event, so the bench measures the events,
      // not booking months of empty hours.
      deps.clock = () => new Date(lastEventAt() + DAY)
      const app = buildApp(deps)
      app.addHook('onClose', () => deps.close())
      const before = await tableWrites(database)
      const updatesBefore = await streamMessages(jsm, 'AGGREGATES')
      const t0 = performance.now()
      const { peak, backendStates, cpuMs, loadAverage } = await withConnectionPeak(database, () =>
        profiler.around(label, async () => {
          await app.ready()
          let last = 0
          for (;;) {
            const b = await bus.consumerBacklog(Streams.DOMAIN, 'aggregator')
            if (b !== undefined && b.pending === 0 && b.ackPending === 0) break
            if (Date.now() - last > 10_000) {
              last = Date.now()
              progress(`${label}: ${b?.pending ?? '?'} pending`)
            }
            await new Promise((r) => setTimeout(r, 50))
          }
        }),
      )
      const seconds = (performance.now() - t0) / 1000
      await app.close()
      const after = await tableWrites(database)
      const updates = (await streamMessages(jsm, 'AGGREGATES')) - updatesBefore
      const perEvent = (t: WrittenTable) => ({
        inserted: (after[t].inserted - before[t].inserted) / expected,
        updated: (after[t].updated - before[t].updated) / expected,
        hotUpdated: (after[t].hotUpdated - before[t].hotUpdated) / expected,
      })
      const rowsPerTable = Object.fromEntries(WRITTEN_TABLES.map((t) => [t, perEvent(t)])) as Record<
        WrittenTable,
        Writes
      >
      const cpu = cpuPerEvent(cpuMs, expected)
      progress(
        `${label}: ${Math.round(expected / seconds)} events/s, CPU per event ${Math.round(cpu.nodeUs)} us Node + ${Math.round(cpu.postgresUs)} us Postgres + ${Math.round(cpu.natsUs)} us nats-server, ${round2(updates / expected)} aggregate.updated published per event`,
      )
      progress(
        `${label}: its backends were ${Object.entries(backendStates)
          .slice(0, 4)
          .map(([state, share]) => `${Math.round(share * 100)}% ${state}`)
          .join(', ')}`,
      )
      return {
        events: expected,
        seconds,
        eventsPerS: expected / seconds,
        /** CPU per event: the aggregator's (Node, with the bench's 50 ms backlog polls) and its Postgres backends'. */
        cpuPerEvent: cpu,
        loadAverage,
        peakConnections: peak,
        /** Where its Postgres backends spent the time (shares of 20 ms samples by state; idle ones included). */
        backendStates,
        /** `aggregate.updated` messages stored in AGGREGATES per event (one per station a batch changed). */
        updatesPerEvent: updates / expected,
        /** Rows the aggregator inserted and updated per event (cells, totals and facts; Postgres' own counters). */
        rowsPerEvent: {
          inserted: WRITTEN_TABLES.reduce((n, t) => n + rowsPerTable[t].inserted, 0),
          updated: WRITTEN_TABLES.reduce((n, t) => n + rowsPerTable[t].updated, 0),
          hotUpdated: WRITTEN_TABLES.reduce((n, t) => n + rowsPerTable[t].hotUpdated, 0),
        },
        /** The same, per table: which rows the incremental rule's writes are. */
        rowsPerTable,
      }
    }
    const fromEmpty = await drain('incremental from an empty database (first half)', rawRebuild.events)
    const secondHalf = await publishHalf(1)
    const rawIncremental = await raw('raw-b')
    if (rawIncremental.events !== firstHalf + secondHalf)
      throw new Error(`DOMAIN holds ${rawIncremental.events} of ${firstHalf + secondHalf} events`)
    const incremental = await drain('incremental (second half)', rawIncremental.events - rawRebuild.events)
    const rawPerS = rawIncremental.events / rawIncremental.seconds
    // The baseline again right before and after the rebuild: minutes pass between raw-b and the rebuild, and on a
    // shared machine the load moves in minutes, so the rebuild is also divided by a baseline taken beside it.
    const rawBefore = await raw('raw-c')
    const rebuilt = await rebuildAll(database, bus, rawIncremental.events)
    const rawAfter = await raw('raw-d')
    const adjacentPerS = (rawBefore.events + rawAfter.events) / (rawBefore.seconds + rawAfter.seconds)
    progress(
      `raw consume+ack beside the rebuild: ${Math.round(rawBefore.events / rawBefore.seconds)} before, ${Math.round(rawAfter.events / rawAfter.seconds)} after (events/s)`,
    )
    const floor = await postgresFloor(database, rawIncremental.events)
    await nc.close()
    await bus.close()
    return {
      events: rawIncremental.events,
      raw: {
        eventsPerS: Math.round(rawPerS),
        firstHalfEventsPerS: Math.round(rawRebuild.events / rawRebuild.seconds),
        /** The raw consumer's CPU per event: its process (Node) and the nats-server's. */
        cpuPerEvent: rawIncremental.cpuPerEvent,
        loadAverage: rawIncremental.loadAverage,
      },
      incrementalFromEmpty: {
        ...fromEmpty,
        ratio: fromEmpty.eventsPerS / (rawRebuild.events / rawRebuild.seconds),
      },
      incremental: {
        ...incremental,
        ratio: incremental.eventsPerS / rawPerS,
        target: 0.3,
        writeFloor: writeFloor(incremental, floor, rawPerS),
        /** The same bound if the station and network totals were not written per event (summed at read time). */
        writeFloorWithoutTotals: writeFloor(incremental, floor, rawPerS, 'aggregate_totals'),
        cpuBound: cpuBound(incremental.cpuPerEvent, rawPerS),
      },
      rebuild: {
        ...rebuilt,
        ratio: rebuilt.eventsPerS / rawPerS,
        /** Raw consume+ack of the same events right before and right after the rebuild. */
        rawBeside: {
          eventsPerS: Math.round(adjacentPerS),
          before: {
            eventsPerS: Math.round(rawBefore.events / rawBefore.seconds),
            loadAverage: rawBefore.loadAverage,
          },
          after: {
            eventsPerS: Math.round(rawAfter.events / rawAfter.seconds),
            loadAverage: rawAfter.loadAverage,
          },
        },
        /** The rebuild against the baseline beside it (both halves of the raw runs pooled). */
        ratioBeside: rebuilt.eventsPerS / adjacentPerS,
        /** The fold alone (read, decode, gather) against that baseline: what the other phases leave room for. */
        foldRatioBeside: rebuilt.events / rebuilt.phaseSeconds.fold / adjacentPerS,
        target: 0.5,
        cpuBound: cpuBound(rebuilt.cpuPerEvent, rawPerS),
      },
      postgresFloor: { ...floor, ratio: floor.eventsPerS / rawPerS },
      peakConnections: Math.max(
        fromEmpty.peakConnections,
        incremental.peakConnections,
        rebuilt.peakConnections,
      ),
      connectionTarget: 4,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The station and network totals of the cells `where` selects, by the aggregator's rule. Called per day (and once
 * for the months): summing a year of cells in one statement needs tens of GB of sort space.
 */
async function totalsOf(db: ReturnType<typeof createDb>, where: RawBuilder<unknown>): Promise<void> {
  await sql`insert into aggregate_totals (bucketing, bucket_start, time_zone, station_id, metric, dim, sub_dim, value)
    select bucketing, bucket_start, time_zone, s.station, metric,
           case metric when 'faults' then dim else '' end, case metric when 'faults' then sub_dim else '' end,
           sum(value)
      from aggregates, lateral (values (station_id), ('')) s(station)
     where (${where}) and (metric = 'faults' or metric not like '%_ms' or connector_id > 0)
     group by 1, 2, 3, 4, 5, 6, 7`.execute(db)
}

/** Connector cells for DAYS days from BASE (one zone: UTC), then the totals by the aggregator's rule. */
async function seed(database: string): Promise<number> {
  const db = createDb({
    url: withDatabaseName(ADMIN_URL, database),
    poolSize: 1,
    applicationName: 'bench-seed',
  })
  const perStation = Math.max(1, Math.round(CONNECTORS / STATIONS))
  const t0 = Date.now()
  try {
    // The throughput phase's cells share station names and dates: the reads get a table of their own data.
    await sql`truncate aggregates, aggregate_totals`.execute(db)
    const connectors = sql`(select 'CP-' || (c / ${perStation} + 1) as station_id, c % ${perStation} + 1 as connector_id, c
      from generate_series(0, ${CONNECTORS - 1}) c) k`
    for (let day = 0; day < DAYS; day++) {
      const from = new Date(BASE + day * DAY).toISOString()
      // Hourly: a connector charges one hour in four (energy + charging time); free time is kept per day only.
      await sql`insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, time_zone, value)
        select m.metric, 'utc:hour', ${from}::timestamptz + h * interval '1 hour', k.station_id, k.connector_id,
               case when m.metric = 'energy_wh' then 'TAG-' || (k.c % 500) else '' end, 'UTC', m.value
          from ${connectors}, generate_series(0, 23) h,
               lateral (values ('energy_wh', 7000), ('charging_ms', ${H})) m(metric, value)
         where (k.c + h) % 4 = 0`.execute(db)
      // Daily: sums of the hours, and a fault on one connector in fifty.
      await sql`insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
        select m.metric, 'local:day', ${from}::timestamptz, k.station_id, k.connector_id, m.dim, m.sub_dim, 'UTC', m.value
          from ${connectors}, lateral (values ('energy_wh', 'TAG-' || (k.c % 500), '', 42000),
            ('sessions_started', 'TAG-' || (k.c % 500), '', 3), ('charging_ms', '', '', ${6 * H}),
            ('free_ms', '', '', ${18 * H}), ('faults', 'GroundFailure', case when k.c % 50 = ${day % 50} then 'E1' else null end, 1)) m(metric, dim, sub_dim, value)
         where m.sub_dim is not null`.execute(db)
      await totalsOf(
        db,
        sql`bucketing in ('utc:hour', 'local:day') and bucket_start >= ${from}::timestamptz
          and bucket_start < ${from}::timestamptz + interval '1 day'`,
      )
      if (day % 7 === 6 || day === DAYS - 1) progress(`seeded ${day + 1}/${DAYS} days`)
    }
    // Months: the days summed.
    await sql`insert into aggregates (metric, bucketing, bucket_start, station_id, connector_id, dim, sub_dim, time_zone, value)
      select metric, 'local:month', date_trunc('month', bucket_start at time zone 'UTC') at time zone 'UTC', station_id,
             connector_id, dim, sub_dim, time_zone, sum(value)
        from aggregates where bucketing = 'local:day' group by 1, 2, 3, 4, 5, 6, 7, 8`.execute(db)
    await totalsOf(db, sql`bucketing = 'local:month'`)
    await sql`vacuum analyze aggregates`.execute(db)
    await sql`vacuum analyze aggregate_totals`.execute(db)
    const { rows } = await sql<{
      n: string
    }>`select (select count(*) from aggregates) + (select count(*) from aggregate_totals) as n`.execute(db)
    progress(`seeded ${rows[0]?.n} cells in ${Math.round((Date.now() - t0) / 1000)} s`)
    return Number(rows[0]?.n)
  } finally {
    await db.destroy()
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

async function reads(database: string) {
  const cells = await seed(database)
  const port = 13300 + (process.pid % 1000)
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['services/api/src/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: withDatabaseName(POOLED_URL, database),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    await new Promise((r) => setTimeout(r, 200))
  }
  const headers = { authorization: `Bearer ${process.env.CHARGEBUS_DEV_API_KEY ?? 'dev-admin-key'}` }
  const lastDay = new Date(BASE + (DAYS - 1) * DAY).toISOString()
  const dayEnd = new Date(BASE + DAYS * DAY).toISOString()
  const month = {
    from: new Date(BASE).toISOString(),
    to: new Date(Math.min(BASE + 31 * DAY, BASE + DAYS * DAY)).toISOString(),
  }
  const routes: Array<{ name: string; path: string }> = []
  for (const groupBy of ['network', 'station', 'connector'])
    for (const [span, from, to] of [
      ['day', lastDay, dayEnd],
      ['month', month.from, month.to],
    ] as const) {
      routes.push({
        name: `energy hour ${groupBy} ${span}`,
        path: `/v1/aggregates/energy?interval=hour&groupBy=${groupBy}&from=${from}&to=${to}`,
      })
      routes.push({
        name: `utilization day ${groupBy} ${span}`,
        path: `/v1/aggregates/utilization?interval=day&groupBy=${groupBy}&from=${from}&to=${to}`,
      })
      routes.push({
        name: `faults day ${groupBy} ${span}`,
        path: `/v1/aggregates/faults?interval=day&groupBy=${groupBy}&from=${from}&to=${to}`,
      })
    }
  routes.push({
    name: 'energy hour station=CP-1 month',
    path: `/v1/aggregates/energy?interval=hour&groupBy=network&stationId=CP-1&from=${month.from}&to=${month.to}`,
  })
  const results = []
  const all: number[] = []
  for (const r of routes) {
    const times: number[] = []
    let rows = 0
    for (let i = 0; i < REQUESTS + 3; i++) {
      const t0 = performance.now()
      const res = await fetch(`${url}${r.path}`, { headers })
      const body = (await res.json()) as { data?: unknown[] }
      const ms = performance.now() - t0
      if (!res.ok) throw new Error(`${r.path}: ${res.status} ${JSON.stringify(body)}`)
      rows = body.data?.length ?? 0
      if (i >= 3) times.push(ms) // 3 warm-up requests
    }
    times.sort((a, b) => a - b)
    all.push(...times)
    const row = {
      route: r.name,
      rows,
      p50Ms: +percentile(times, 50).toFixed(1),
      p99Ms: +percentile(times, 99).toFixed(1),
    }
    progress(`${row.route}: ${row.rows} rows, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`)
    results.push(row)
  }
  all.sort((a, b) => a - b)
  return {
    cells,
    connectors: CONNECTORS,
    stations: STATIONS,
    days: DAYS,
    routes: results,
    p99Ms: +percentile(all, 99).toFixed(1),
    target: 50,
  }
}

async function main() {
  const database = `bench_aggregator_${process.pid}`
  try {
    // created and migrated as bench/e2e does; the drop below is `if exists`, so a failed migration is cleaned up too
    await createRunDatabase(database)
    const report: Record<string, unknown> = {
      bench: 'aggregator',
      at: new Date().toISOString(),
      machine: 'see bench/README.md (2 shared vCPUs; Postgres, pgbouncer, NATS and the load on one box)',
    }
    if (!args['skip-throughput']) report.throughput = await throughput(database)
    if (!args['skip-reads']) report.reads = await reads(database)
    const text = JSON.stringify(report, null, 2)
    mkdirSync('bench/results', { recursive: true })
    writeFileSync(join('bench/results', `aggregator-${Date.now()}.json`), text)
    process.stdout.write(`${text}\n`)
  } finally {
    for (const c of children) c.kill('SIGTERM')
    if (args['keep-database']) progress(`kept database ${database} (drop it when done)`)
    else await dropRunDatabase(database).catch((err) => progress(`drop failed: ${err}`))
  }
}

// Ctrl-C or a timeout: stop the children (by pid) and leave; the finally above drops the database when main runs.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    for (const c of children) c.kill('SIGKILL')
    process.exit(130)
  })

main().catch((err) => {
  for (const c of children) c.kill('SIGKILL')
  process.stderr.write(`${err?.stack ?? err}\n`)
  process.exit(1)
})
