/**
 * Publish micro-benchmark (not part of the test run): nats.js `js.publish` awaiting each PubAck versus
 * `bus.publish` (validate + encode + trace headers + coalesced writes + one reply inbox), sequentially and
 * with C concurrent callers each awaiting its own ack. Prints one JSON object: msgs/s per scenario (median of
 * the rounds) and the ratios bus/raw.
 *
 *   node bench/bus/publish.ts [messagesSequential=3000] [messagesConcurrent=30000] [concurrency=64] [rounds=3]
 *
 * Needs NATS with JetStream at NATS_URL (default nats://127.0.0.1:4222); uses and deletes its own namespace.
 */
import { randomBytes } from 'node:crypto'
import { connectBus } from '@chargebus/bus'
import { allStreams, OcppMessageReceived } from '@chargebus/events'
import { createLogger } from '@chargebus/platform'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { median } from '../gateway/src/stats.ts'

const [seqCount = 3_000, concCount = 30_000, concurrency = 64, rounds = 3] = process.argv.slice(2).map(Number)
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'
const namespace = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`

const bus = await connectBus({
  servers,
  name: 'bench-bus',
  namespace,
  logger: createLogger({ name: 'bench', level: 'warn' }),
})
await bus.ensureStreams(allStreams, { maxBytes: 512 * 1024 * 1024 })
const rawNc = await connect({ servers, name: 'bench-raw' })
const tunedNc = await connect({ servers, name: 'bench-raw-noasynctraces', noAsyncTraces: true })
const jsm = await jetstreamManager(rawNc)
const stream = `${namespace.toUpperCase()}_OCPP_IN`

let n = 0
function aMessage() {
  n++
  return {
    stationId: `CP-${n % 500}`,
    ocppVersion: '1.6' as const,
    action: 'MeterValues',
    messageId: `urn:uuid:bench-${namespace}-${n}`,
    receivedAt: new Date().toISOString(),
    from: 'http://10.0.0.7:8080/ChargePointService',
    payload: { connectorId: 1, transactionId: n, values: [{ timestamp: new Date().toISOString(), wh: n }] },
    quirks: [],
  }
}

const encoder = new TextEncoder()
type PublishOne = () => Promise<unknown>

function rawPublisher(js: ReturnType<typeof jetstream>): PublishOne {
  return () => {
    const m = aMessage()
    const subject = `${namespace}.${OcppMessageReceived.subjectOf(m)}`
    return js.publish(subject, encoder.encode(JSON.stringify(m)), { msgID: m.messageId })
  }
}

const busPublisher: PublishOne = () => {
  const m = aMessage()
  return bus.publish(OcppMessageReceived, m, { msgId: m.messageId })
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * `workers` callers, each publishing and awaiting its ack, until `total` acks; returns msgs/s. With
 * `perMacrotask`, each publish starts in its own macrotask, as requests arriving on separate sockets do
 * (Node runs the microtask queue, and so nats.js' flush, after each one).
 */
async function run(
  publishOne: PublishOne,
  total: number,
  workers: number,
  perMacrotask = false,
): Promise<number> {
  let started = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (started < total) {
        started++
        if (perMacrotask) await nextMacrotask()
        await publishOne()
      }
    }),
  )
  return Math.round(total / ((performance.now() - t0) / 1000))
}

const raw = rawPublisher(jetstream(rawNc))
const tuned = rawPublisher(jetstream(tunedNc))
const C = concurrency
const scenarios: [string, PublishOne, number, number, boolean][] = [
  ['js.publish sequential', raw, seqCount, 1, false],
  ['bus.publish sequential', busPublisher, seqCount, 1, false],
  [`js.publish ${C} concurrent`, raw, concCount, C, false],
  [`js.publish ${C} concurrent, noAsyncTraces`, tuned, concCount, C, false],
  [`bus.publish ${C} concurrent`, busPublisher, concCount, C, false],
  [`js.publish ${C} concurrent, one per macrotask`, raw, concCount, C, true],
  [`js.publish ${C} concurrent, one per macrotask, noAsyncTraces`, tuned, concCount, C, true],
  [`bus.publish ${C} concurrent, one per macrotask`, busPublisher, concCount, C, true],
]
const serverVersion = rawNc.info?.version

const samples = new Map<string, number[]>(scenarios.map(([name]) => [name, []]))
try {
  // Warm-up (JIT, connections, stream files), not counted.
  for (const [, publishOne, , , perMacrotask] of scenarios) await run(publishOne, 500, 16, perMacrotask)
  for (let round = 0; round < rounds; round++) {
    for (const [name, publishOne, total, workers, perMacrotask] of scenarios) {
      await jsm.streams.purge(stream)
      samples.get(name)?.push(await run(publishOne, total, workers, perMacrotask))
    }
  }
} finally {
  await bus.deleteNamespace()
  await bus.close()
  await rawNc.close()
  await tunedNc.close()
}

const results = Object.fromEntries(
  [...samples].map(([name, xs]) => [name, { msgsPerSec: median(xs), rounds: xs }]),
)
const rate = (name: string) => median(samples.get(name) ?? [])
const ratio = (ours: string, theirs: string) => +(rate(ours) / rate(theirs)).toFixed(2)
console.log(
  JSON.stringify(
    {
      node: process.version,
      server: serverVersion,
      messages: { sequential: seqCount, concurrent: concCount },
      concurrency,
      rounds,
      results,
      ratio: {
        sequential: ratio('bus.publish sequential', 'js.publish sequential'),
        concurrent: ratio(`bus.publish ${C} concurrent`, `js.publish ${C} concurrent`),
        concurrentVsNoAsyncTraces: ratio(
          `bus.publish ${C} concurrent`,
          `js.publish ${C} concurrent, noAsyncTraces`,
        ),
        perMacrotask: ratio(
          `bus.publish ${C} concurrent, one per macrotask`,
          `js.publish ${C} concurrent, one per macrotask`,
        ),
        perMacrotaskVsNoAsyncTraces: ratio(
          `bus.publish ${C} concurrent, one per macrotask`,
          `js.publish ${C} concurrent, one per macrotask, noAsyncTraces`,
        ),
      },
    },
    null,
    2,
  ),
)
