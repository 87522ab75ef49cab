/**
 * The three baselines, measured in the same run on the same machine after the stack's phases:
 * - bare Fastify JSON under wrk (bench/gateway's target and load generator, unchanged);
 * - raw JetStream publish: the messages the gateway stored, published again with nats.js `js.publish` into a
 *   stream configured like OCPP_IN (max_bytes 1 GiB; created by @chargebus/bus in a second namespace), N publishers each
 *   awaiting its own PubAck;
 * - raw batched INSERT: the meter_values rows ingest wrote (rebuilt from the stored payloads with ingest's own
 *   mapping), truncated and inserted again as 500-row multi-row INSERTs on one connection through pgbouncer.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectBus } from '@chargebus/bus'
import { createDb, sql, withDatabaseName } from '@chargebus/db'
import { Streams } from '@chargebus/events'
import { jetstream } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import { type SampleRow, sampleRow } from '../../../services/ingest/src/data-access/batch-store.ts'
import { meterSamples } from '../../../services/ingest/src/domain/batch/meter-sample.ts'
import { runLoad } from '../../gateway/src/load.ts'
import { wrkTemplateFile } from '../../gateway/src/messages.ts'
import { CLK_TCK, stopProcess, treeCpuTicks, waitForHttp } from '../../gateway/src/processes.ts'
import { defineTarget } from '../../gateway/src/targets.ts'
import type { StoredMessage } from './journal.ts'
import { round3 } from './monitor.ts'

export interface FastifyBaseline {
  rps: number
  requests: number
  latencyMs: { p50: number; p99: number; max: number }
  errors: number
  serverCores: number
  serverCpuUsPerRequest: number
  connections: number
  durationS: number
}

export async function fastifyBaseline(opts: {
  port: number
  logDir: string
  connections: number
  durationS: number
  warmupS: number
}): Promise<FastifyBaseline> {
  const target = defineTarget('fastify', {
    basePort: opts.port,
    natsUrl: '',
    namespace: undefined,
    floorNamespace: 'floor',
    gatewayEnv: {},
    nodeArgs: [],
    gatewayProcesses: 1,
  })
  const proc = target.start(join(opts.logDir, 'bare-fastify.log'), undefined)
  try {
    await waitForHttp(target.readyUrl, proc, { status: target.readyStatus, timeoutMs: 30_000 })
    const templatesFile = join(opts.logDir, 'fastify.templates')
    writeFileSync(templatesFile, wrkTemplateFile(target.templates))
    const spec = {
      url: target.url,
      templatesFile,
      connections: opts.connections,
      threads: 2,
      stations: 200,
      idPrefix: 'BENCH-',
      cpus: undefined,
    }
    await runLoad('wrk', { ...spec, durationS: opts.warmupS })
    const before = treeCpuTicks(proc.pid)
    const r = await runLoad('wrk', { ...spec, durationS: opts.durationS })
    const cpuS = (treeCpuTicks(proc.pid) - before) / CLK_TCK
    return {
      rps: Math.round(r.rps),
      requests: r.requests,
      latencyMs: { p50: round3(r.latencyMs.p50), p99: round3(r.latencyMs.p99), max: round3(r.latencyMs.max) },
      errors: r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout + r.errors.non2xx,
      serverCores: round3(cpuS / r.durationS),
      serverCpuUsPerRequest: round3((cpuS * 1e6) / Math.max(1, r.requests)),
      connections: opts.connections,
      durationS: round3(r.durationS),
    }
  } finally {
    await stopProcess(proc)
  }
}

export interface JetStreamBaseline {
  messages: number
  msgsPerS: number
  seconds: number
  concurrency: number
  averageBytes: number
}

/** Publishes `messages` again (fresh Nats-Msg-Ids) into OCPP_IN of `namespace`; deletes the namespace after. */
export async function jetStreamBaseline(opts: {
  natsUrl: string
  namespace: string
  messages: readonly StoredMessage[]
  concurrency: number
  logger: Logger
}): Promise<JetStreamBaseline> {
  const bus = await connectBus({
    servers: opts.natsUrl,
    name: 'bench-e2e-js',
    namespace: opts.namespace,
    logger: opts.logger,
  })
  const nc = await connect({ servers: opts.natsUrl, name: 'bench-e2e-raw-publish' })
  try {
    // max_bytes is a reservation on the shared server's store (OCPP_IN's 10 GiB would not fit twice); it does
    // not change how a publish is stored
    await bus.ensureStreams([Streams.OCPP_IN], { maxBytes: 1024 ** 3 })
    const js = jetstream(nc)
    const run = async (list: readonly StoredMessage[], tag: string) => {
      let next = 0
      const t0 = performance.now()
      await Promise.all(
        Array.from({ length: opts.concurrency }, async () => {
          while (next < list.length) {
            const i = next++
            const m = list[i] as StoredMessage
            await js.publish(`${opts.namespace}.${m.subject}`, m.data, { msgID: `${tag}-${i}` })
          }
        }),
      )
      return (performance.now() - t0) / 1000
    }
    await run(opts.messages.slice(0, Math.min(2000, opts.messages.length)), 'warmup')
    const seconds = await run(opts.messages, 'measured')
    const bytes = opts.messages.reduce((n, m) => n + m.data.length, 0)
    return {
      messages: opts.messages.length,
      msgsPerS: Math.round(opts.messages.length / seconds),
      seconds: round3(seconds),
      concurrency: opts.concurrency,
      averageBytes: Math.round(bytes / Math.max(1, opts.messages.length)),
    }
  } finally {
    await nc.close()
    await bus.deleteNamespace().catch(() => undefined)
    await bus.close()
  }
}

export interface InsertBaseline {
  rows: number
  rowsPerS: number
  seconds: number
  batch: number
}

/** The rows ingest derives from the stored messages (its own `meterSamples` and `sampleRow`), in stream order. */
export function meterRowsOf(messages: readonly StoredMessage[]): SampleRow[] {
  return messages.flatMap((m) => {
    if (m.meterRows === 0) return []
    const p = m.payload as {
      connectorId?: number
      transactionId?: number
      meterValue?: never[]
      transactionData?: never[]
    }
    const action = m.action === 'MeterValues' ? 'MeterValues' : 'StopTransaction'
    const samples = meterSamples((action === 'MeterValues' ? p.meterValue : p.transactionData) ?? [], {
      stationId: m.stationId,
      // ingest takes a stop's connector from its transaction: the simulator's stations have connector 1
      connectorId: p.connectorId ?? 1,
      transactionId: p.transactionId ?? null,
      receivedAt: m.receivedAt,
      sourceAction: action,
      messageId: m.messageId,
    })
    return samples.map(sampleRow)
  })
}

/** Truncates meter_values of `database` and inserts `rows` again in `batch`-row INSERTs through pgbouncer. */
export async function insertBaseline(opts: {
  pooledUrl: string
  adminUrl: string
  database: string
  rows: readonly SampleRow[]
  batch: number
}): Promise<InsertBaseline> {
  const admin = createDb({
    url: withDatabaseName(opts.adminUrl, opts.database),
    poolSize: 1,
    applicationName: 'bench-e2e-truncate',
  })
  try {
    await sql`truncate meter_values`.execute(admin)
  } finally {
    await admin.destroy()
  }
  const db = createDb({
    url: withDatabaseName(opts.pooledUrl, opts.database),
    poolSize: 1,
    applicationName: 'bench-e2e-insert',
  })
  try {
    const t0 = performance.now()
    for (let i = 0; i < opts.rows.length; i += opts.batch) {
      await db
        .insertInto('meter_values')
        .values(opts.rows.slice(i, i + opts.batch))
        .execute()
    }
    const seconds = (performance.now() - t0) / 1000
    return {
      rows: opts.rows.length,
      rowsPerS: Math.round(opts.rows.length / seconds),
      seconds: round3(seconds),
      batch: opts.batch,
    }
  } finally {
    await db.destroy()
  }
}
