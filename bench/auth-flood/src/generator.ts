/**
 * One open-loop load generator, run as its own process so its CPU is not the measuring side's: it sends
 * requests at fixed times (`rate` per second) whatever the answers do, and measures each latency from the
 * time the request was due, so a stalled server shows as latency instead of as fewer requests
 * (no coordinated omission). Reads a `GeneratorSpec` (JSON) from argv[2], prints a `GeneratorResult` (JSON).
 */
import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { type RequestPlan, requestAt } from './requests.ts'
import { type Percentiles, percentiles } from './stats.ts'

export interface GeneratorSpec {
  url: string
  plan: RequestPlan
  /** Requests per second, spread evenly. */
  rate: number
  warmupS: number
  durationS: number
  /** Connections to the gateway (each honest station has its own in reality). */
  connections: number
}

export interface GeneratorResult {
  /** Requests due in the measured window, and answered in it or after. */
  sent: number
  answered: number
  /** Answered requests by HTTP status. */
  statuses: Record<string, number>
  /** Failed without an answer (connection errors, the 10 s client timeout). */
  failed: number
  /** Latency from the time each request was due, in ms. */
  latencyMs: Percentiles
  /** How late the generator itself sent, in ms: when this is large, the machine, not the gateway, was slow. */
  sendLagMs: Percentiles
  /** Requests per second actually sent in the measured window. */
  achievedRate: number
  /** Per second of the whole run (warm-up included, by due time): answered requests and their latency. */
  timeline: Array<{ second: number; answered: number; p99Ms: number; maxMs: number; stallMs: number }>
}

async function run(spec: GeneratorSpec): Promise<GeneratorResult> {
  const origin = new URL(spec.url)
  const pool = new Pool(origin.origin, {
    connections: spec.connections,
    pipelining: 1,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  })
  const path = origin.pathname
  const intervalMs = 1000 / spec.rate
  const total = Math.round((spec.warmupS + spec.durationS) * spec.rate)
  const measuredFrom = Math.round(spec.warmupS * spec.rate)
  const latencies: number[] = []
  const perSecond: number[][] = []
  const lags: number[] = []
  const statuses: Record<string, number> = {}
  let failed = 0
  const inFlight = new Set<Promise<void>>()
  const runId = randomBytes(4).toString('hex')
  const stalls = trackStalls()
  const started = performance.now()
  let measuredStart = started

  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    const measured = i >= measuredFrom
    if (i === measuredFrom) measuredStart = performance.now()
    const request = requestAt(spec.plan, i, runId)
    if (measured) lags.push(Math.max(0, performance.now() - due))
    const done: Promise<void> = pool
      .request({ method: 'POST', path, headers: request.headers, body: request.body })
      .then(async (res) => {
        await res.body.dump()
        const latency = performance.now() - due
        const second = Math.floor((due - started) / 1000)
        perSecond[second] ??= []
        perSecond[second].push(latency)
        if (!measured) return
        latencies.push(latency)
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
      })
      .catch(() => {
        if (measured) failed++
      })
      .finally(() => inFlight.delete(done))
    inFlight.add(done)
  }
  const sendingS = (performance.now() - measuredStart) / 1000 + intervalMs / 1000
  await Promise.all(inFlight)
  await pool.close()
  const stallMs = stalls.stop()
  const sent = total - measuredFrom
  return {
    sent,
    answered: latencies.length,
    statuses,
    failed,
    latencyMs: percentiles(latencies),
    sendLagMs: percentiles(lags),
    achievedRate: Math.round((sent / sendingS) * 10) / 10,
    timeline: Array.from(perSecond, (values = [], second) => {
      const { p99, max } = percentiles(values)
      return { second, answered: values.length, p99Ms: p99, maxMs: max, stallMs: stallMs[second] ?? 0 }
    }),
  }
}

/** The generator's own longest event-loop stall in each second: latency it adds, not the gateway. */
function trackStalls(): { stop(): number[] } {
  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const perSecond: number[] = []
  const tick = setInterval(() => {
    perSecond.push(Math.round(delay.max / 1e6))
    delay.reset()
  }, 1000)
  return {
    stop() {
      clearInterval(tick)
      delay.disable()
      return perSecond
    },
  }
}

const spec = JSON.parse(process.argv[2] ?? '') as GeneratorSpec
process.stdout.write(`${JSON.stringify(await run(spec))}\n`)
