/**
 * Archive benchmark (not part of the test run): N realistic OCPP_IN messages (~700 B of JSON) in a private
 * nats-server, then, in the same run:
 *   publish  raw JetStream publish, `--in-flight` PubAcks pending (the floor of restore; it also fills the stream)
 *   consume  raw JetStream consume: an ordered consumer fetching batches, touching every payload (the floor of archive)
 *   archive  `archiveStream` (packages/archive) from seq 1 to the end into a fresh storage, per gzip level
 *   restore  `restore` of the whole archive into a restore stream
 * For each phase: msgs/s, MB/s (payload bytes), peak RSS and RSS samples over the phase (flat?). Ratios
 * archive/consume and restore/publish (target >= 0.5). Progress on stderr; JSON on stdout and in
 * bench/results/archive-<time>.json.
 *
 *   pnpm bench:archive [--messages 1000000] [--levels 1,6] [--storage-url DIR|s3://...] [--in-flight 1000]
 *
 * Needs `nats-server` (2.9+) on PATH. Everything it starts is stopped by pid; its directories are removed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { archiveStream, openArchiveAccess, restore } from '@chargebus/archive'
import { createSlots, ensureStreams, streamLimitsFrom } from '@chargebus/bus'
import { Streams } from '@chargebus/events'
import { createStorage } from '@chargebus/storage'
import { DeliverPolicy } from '@nats-io/jetstream'
import { headers } from '@nats-io/transport-node'
import { pino } from 'pino'

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    levels: { type: 'string', default: '1' },
    'storage-url': { type: 'string' },
    'in-flight': { type: 'string', default: '1000' },
    'batch-messages': { type: 'string', default: '100000' },
    fetch: { type: 'string', default: '2000' },
  },
})
const N = Number(args.messages)
const levels = args.levels.split(',').map(Number)
const inFlight = Number(args['in-flight'])
const logger = pino({ level: 'warn' })
const progress = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)

interface Phase {
  name: string
  messages: number
  payloadBytes: number
  seconds: number
  msgsPerS: number
  mbPerS: number
  peakRssMb: number
  /** RSS (MB) sampled every 500 ms during the phase. */
  rssSamplesMb: number[]
  extra?: Record<string, unknown>
}

async function measure(
  name: string,
  run: () => Promise<{ messages: number; payloadBytes: number; extra?: Record<string, unknown> }>,
): Promise<Phase> {
  global.gc?.()
  const samples: number[] = []
  const timer = setInterval(() => samples.push(Math.round(process.memoryUsage.rss() / 2 ** 20)), 500)
  const t0 = performance.now()
  const r = await run()
  const seconds = (performance.now() - t0) / 1000
  clearInterval(timer)
  samples.push(Math.round(process.memoryUsage.rss() / 2 ** 20))
  const phase = {
    name,
    messages: r.messages,
    payloadBytes: r.payloadBytes,
    seconds: Math.round(seconds * 100) / 100,
    msgsPerS: Math.round(r.messages / seconds),
    mbPerS: Math.round((r.payloadBytes / 2 ** 20 / seconds) * 10) / 10,
    peakRssMb: Math.max(...samples),
    rssSamplesMb: samples,
    ...(r.extra ? { extra: r.extra } : {}),
  }
  progress(`${name}: ${phase.msgsPerS} msg/s, ${phase.mbPerS} MB/s, peak RSS ${phase.peakRssMb} MB`)
  return phase
}

/** A MeterValues message as the gateway stores it (~700 B of JSON). */
function stationMessage(i: number, at: Date): Uint8Array {
  const station = `CP-${String(i % 10_000).padStart(5, '0')}`
  const ts = at.toISOString()
  return Buffer.from(
    JSON.stringify({
      stationId: station,
      ocppVersion: '1.6',
      action: 'MeterValues',
      messageId: `urn:uuid:${i.toString(16).padStart(8, '0')}-7d1c-4a51-9c3e-5b2f0c${(i % 1_000_000).toString().padStart(6, '0')}`,
      receivedAt: ts,
      from: `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080/ChargePointService`,
      payload: {
        connectorId: 1 + (i % 2),
        transactionId: 100_000 + (i % 50_000),
        values: [
          {
            timestamp: ts,
            value: [
              {
                value: String(1_000_000 + i),
                unit: 'Wh',
                measurand: 'Energy.Active.Import.Register',
                context: 'Sample.Periodic',
              },
              {
                value: (7.2 + (i % 10) / 10).toFixed(1),
                unit: 'kW',
                measurand: 'Power.Active.Import',
                context: 'Sample.Periodic',
              },
              { value: (16 + (i % 5)).toFixed(1), unit: 'A', measurand: 'Current.Import', phase: 'L1' },
              { value: '230.4', unit: 'V', measurand: 'Voltage', phase: 'L1-N' },
            ],
          },
        ],
      },
      quirks: [],
    }),
  )
}

const work = mkdtempSync(join(tmpdir(), 'chargebus-bench-archive-'))
let nats: ChildProcess | undefined
const stop = async () => {
  if (nats && nats.exitCode === null) {
    const exited = new Promise((r) => nats?.once('exit', r))
    nats.kill('SIGTERM')
    const t = setTimeout(() => nats?.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(t)
  }
  rmSync(work, { recursive: true, force: true })
}
process.once('SIGINT', () => void stop().then(() => process.exit(130)))

try {
  // -p -1: nats-server picks a free port and prints it.
  nats = spawn('nats-server', ['-js', '-sd', join(work, 'nats'), '-p', '-1', '-a', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const port = await new Promise<string>((resolve, reject) => {
    let text = ''
    nats?.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(text)
      if (m) resolve(m[1] as string)
    })
    nats?.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${text}`)))
  })
  const url = `nats://127.0.0.1:${port}`
  const streamBytes = `${Math.ceil((N * 1100) / 2 ** 20) + 64}MiB`
  const limits = streamLimitsFrom({
    BUS_STREAM_OCPP_IN_MAX_BYTES: streamBytes,
    BUS_STREAM_OCPP_IN_MAX_AGE: '7d',
  })
  const access = await openArchiveAccess({
    access: { servers: url },
    name: 'bench-archive',
    streamLimits: limits,
  })
  await ensureStreams(access.jsm, access.ns, [Streams.OCPP_IN], { limits })
  const start = new Date(Date.now() - 3_600_000)
  progress(`${N} messages into OCPP_IN (private nats-server ${url}, ${streamBytes})`)

  const phases: Phase[] = []
  phases.push(
    await measure('publish (raw JetStream, restore floor)', async () => {
      // The same semaphore restore uses (Promise.race over the pending set costs more than the publish).
      const slots = createSlots(inFlight)
      let bytes = 0
      for (let i = 0; i < N; i++) {
        const h = headers()
        h.append('Nats-Msg-Id', `bench-${i}`)
        h.append('Chargebus-Event', 'ocpp.message.received')
        h.append('Chargebus-Event-Version', '1')
        h.append(
          'traceparent',
          `00-${i.toString(16).padStart(32, '0')}-${(i * 7).toString(16).padStart(16, '0')}-01`,
        )
        const data = stationMessage(i, new Date(start.getTime() + i))
        bytes += data.length
        await slots.acquire()
        void access.js
          .publish(`ocpp.in.1_6.CP-${i % 10_000}.MeterValues`, data, { headers: h })
          .finally(() => slots.release())
        if (i % 100_000 === 0 && i > 0) progress(`published ${i}`)
      }
      await slots.drained()
      return { messages: N, payloadBytes: bytes }
    }),
  )
  const info = await access.jsm.streams.info(access.ns.stream('OCPP_IN'))
  progress(
    `stream: ${info.state.messages} messages, ${Math.round(info.state.bytes / 2 ** 20)} MiB (${Math.round(info.state.bytes / info.state.messages)} B/message stored)`,
  )

  phases.push(
    await measure('consume (raw JetStream, archive floor)', async () => {
      const consumer = await access.js.consumers.get(access.ns.stream('OCPP_IN'), {
        deliver_policy: DeliverPolicy.All,
      })
      let n = 0
      let bytes = 0
      while (n < N) {
        for await (const m of await consumer.fetch({ max_messages: Number(args.fetch), expires: 2000 })) {
          n++
          bytes += m.data.length
        }
      }
      return { messages: n, payloadBytes: bytes }
    }),
  )

  let lastStorage: Awaited<ReturnType<typeof createStorage>> | undefined
  for (const level of levels) {
    const storage = await createStorage(
      args['storage-url'] ? `${args['storage-url']}/l${level}` : join(work, `archive-l${level}`),
    )
    lastStorage = storage
    phases.push(
      await measure(`archive (gzip level ${level})`, async () => {
        let stored = 0
        let raw = 0
        const r = await archiveStream({
          access,
          storage,
          stream: 'OCPP_IN',
          limits: { maxMessages: Number(args['batch-messages']), maxBytes: 64 * 2 ** 20, delayMs: 0 },
          gzipLevel: level,
          now: () => new Date(),
          logger,
          once: true,
          fetchSize: Number(args.fetch),
          onBatch: (b) => {
            stored += b.storedBytes
            raw += b.rawBytes
            progress(`archived up to ${b.manifest.lastSeq}`)
          },
        })
        return {
          messages: r.messages,
          payloadBytes:
            info.state.bytes > 0 ? Math.round((phases[0] as Phase).payloadBytes * (r.messages / N)) : 0,
          extra: {
            batches: r.batches,
            storedMb: Math.round(stored / 2 ** 20),
            jsonLinesMb: Math.round(raw / 2 ** 20),
            compression: Math.round((raw / stored) * 10) / 10,
          },
        }
      }),
    )
  }

  if (lastStorage) {
    const storage = lastStorage
    phases.push(
      await measure('restore (into RESTORED_OCPP_IN)', async () => {
        const r = await restore({
          access,
          storage,
          stream: 'OCPP_IN',
          from: new Date(start.getTime() - 1000),
          to: new Date(Date.now() + 60_000),
          intoMaxBytes: Math.ceil(N * 1100) + 64 * 2 ** 20,
          inFlight,
          onProgress: (p) => progress(`restored ${p.published}`),
        })
        return { messages: r.published, payloadBytes: r.bytes, extra: { duplicates: r.duplicates } }
      }),
    )
  }
  await access.close()

  const by = (prefix: string) => phases.find((p) => p.name.startsWith(prefix))
  const ratio = (a?: Phase, b?: Phase) =>
    a && b ? Math.round((a.msgsPerS / b.msgsPerS) * 100) / 100 : undefined
  const report = {
    bench: 'archive',
    at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    messages: N,
    storedBytesPerMessage: Math.round(info.state.bytes / info.state.messages),
    phases,
    ratios: {
      ...Object.fromEntries(
        phases
          .filter((p) => p.name.startsWith('archive'))
          .map((p) => [`${p.name} / consume`, ratio(p, by('consume'))]),
      ),
      'restore / publish': ratio(by('restore'), by('publish')),
    },
    target: 'archive and restore >= 0.5x their raw JetStream floor',
  }
  const json = JSON.stringify(report, null, 2)
  process.stdout.write(`${json}\n`)
  const results = join(import.meta.dirname, '..', 'results')
  mkdirSync(results, { recursive: true })
  writeFileSync(join(results, `archive-${report.at.replace(/[:.]/g, '-')}.json`), json)
} finally {
  await stop()
}
