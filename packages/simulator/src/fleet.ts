import type { OcppVersion } from '@chargebus/ocpp'
import { type Command, isObeyed, obey } from './domain/commands.ts'
import {
  type Behaviour,
  createStation,
  type Effect,
  react,
  type Send,
  type Station,
  type StationEvent,
  type TimerName,
  type Transfer,
} from './domain/station.ts'
import { SimulatorOptionError } from './errors.ts'
import { startCpServer } from './io/cp-server.ts'
import { type CsClient, createCsClient } from './io/cs-client.ts'
import { runTransfer } from './io/ftp-transfer.ts'
import { type LatencySummary, RunStats } from './stats.ts'

export interface FleetOptions {
  readonly stations: number
  readonly profile: 'steady' | 'burst'
  readonly ocppVersion: OcppVersion
  /**
   * The gateway's CentralSystemService URL; several replicas as a comma-separated list (see `gatewayUrls`).
   */
  readonly url: string
  /** steady: how long to run; burst: the most it may take (stations still busy are then wound down). */
  readonly durationS: number
  readonly seed: number
  readonly idPrefix: string
  readonly idTag: string
  /** The fleet's ChargePointService endpoint (port 0: any free port). */
  readonly listen: { readonly host: string; readonly port: number }
  /** Most sockets open to the gateway at once. */
  readonly concurrency: number
  /** burst: sessions per station. */
  readonly sessions: number
  /** burst: MeterValues per session. */
  readonly meterValues: number
  /** MeterValueSampleInterval the stations start with (s). */
  readonly meterIntervalS: number
  /** steady: chance per minute that an idle station gets a car. */
  readonly sessionChance: number
  /** steady: spread station starts over this many seconds. */
  readonly rampS: number
  readonly timeoutMs: number
  /** How long to wait for running sessions to stop after the duration (s). */
  readonly drainS: number
}

export const DEFAULT_FLEET_OPTIONS: Omit<FleetOptions, 'stations' | 'profile'> = {
  ocppVersion: '1.6',
  url: 'http://127.0.0.1:3100/ocpp/1.6',
  durationS: 60,
  seed: 1,
  idPrefix: 'SIM',
  idTag: 'SIM-TAG',
  listen: { host: '127.0.0.1', port: 0 },
  concurrency: 256,
  sessions: 1,
  meterValues: 3,
  meterIntervalS: 60,
  sessionChance: 0.1,
  rampS: 5,
  timeoutMs: 30_000,
  drainS: 30,
}

/** One line of live progress (the CLI renders it on a TTY). */
export interface FleetProgress {
  readonly elapsedS: number
  readonly stationsUp: number
  readonly stations: number
  readonly callsPerS: number
  readonly calls: number
  readonly failed: number
  readonly sessionsCompleted: number
}

/** The JSON summary of a run. */
export interface FleetSummary {
  readonly profile: 'steady' | 'burst'
  readonly ocppVersion: OcppVersion
  readonly url: string
  readonly stations: number
  readonly seed: number
  readonly durationS: number
  readonly stationsUp: number
  readonly calls: { total: number; perSecond: number; byOperation: Record<string, number> }
  readonly failed: { total: number; byReason: Record<string, number> }
  readonly latencyMs: Record<string, LatencySummary>
  readonly sessions: { completed: number; refused: Record<string, number>; energyWh: number }
  readonly commandsObeyed: {
    total: number
    byOperation: Record<string, { received: number; obeyed: number }>
  }
  /** Diagnostics uploads (GetDiagnostics) and firmware downloads (UpdateFirmware) over FTP. */
  readonly transfers: {
    upload: { ok: number; failed: number }
    download: { ok: number; failed: number }
    failures: Record<string, number>
  }
  readonly http: { maxSockets: number; connectionsOpened: number; retriedOnClosedIdleSocket: number }
  readonly chargePointService: string
}

export interface Fleet {
  /** Station ids, in fleet order. */
  readonly ids: readonly string[]
  /** The ChargePointService URL of a station (what it sends as wsa:From). */
  urlOf(stationId: string): string
  /** A copy of a station's current state (tests, diagnostics). */
  station(stationId: string): Station | undefined
  /** Ends the run early: running sessions are stopped, then `done` resolves. */
  stop(): void
  /** Resolves with the summary once the run is over and every socket is closed. */
  readonly done: Promise<FleetSummary>
}

interface Runtime {
  station: Station
  /** The gateway replica this station talks to. */
  readonly client: CsClient
  readonly queue: Send[]
  busy: boolean
  finished: boolean
  readonly timers: Map<TimerName, NodeJS.Timeout>
}

/**
 * The gateway replicas of `--url a,b`: station i talks to the (i mod n)-th, always the same one, as a load
 * balancer that keeps a station's connection on one target would place it.
 *
 * ### Examples
 * ```ts
 * gatewayUrls('http://127.0.0.1:3100/ocpp/1.6,http://127.0.0.1:3101/ocpp/1.6') // two URLs
 * ```
 */
export function gatewayUrls(url: string): string[] {
  return url.split(',').map((u) => u.trim())
}

export function stationIds(prefix: string, count: number): string[] {
  const width = Math.max(5, String(count).length)
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`)
}

/** Throws `SimulatorOptionError` for options `startFleet` would refuse (callers check before their own set-up). */
export function validateFleetOptions(o: FleetOptions): void {
  const bad = (m: string) => {
    throw new SimulatorOptionError(m)
  }
  if (!Number.isInteger(o.stations) || o.stations < 1 || o.stations > 100_000)
    bad('--stations must be an integer from 1 to 100000')
  if (!gatewayUrls(o.url).every((u) => /^https?:\/\/[^,\s]+$/.test(u)))
    bad('--url must be an http:// or https:// URL, or several separated by commas')
  if (!(o.durationS > 0)) bad('--duration must be a positive number of seconds')
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) bad('--concurrency must be a positive integer')
  if (o.idTag.length < 1 || o.idTag.length > 20) bad('--id-tag must have 1 to 20 characters')
  if (`${o.idPrefix}-${o.stations}`.length > 25)
    bad('--id-prefix is too long (station ids are at most 25 characters)')
  if (!Number.isInteger(o.sessions) || o.sessions < 0) bad('--sessions must be an integer >= 0')
  if (!Number.isInteger(o.meterValues) || o.meterValues < 1) bad('--meter-values must be an integer >= 1')
  if (!Number.isInteger(o.meterIntervalS) || o.meterIntervalS < 0)
    bad('--meter-interval must be an integer >= 0')
  if (!(o.sessionChance >= 0 && o.sessionChance <= 1)) bad('--session-chance must be from 0 to 1')
}

/**
 * Starts a fleet: the ChargePointService endpoint, then every station (burst: all at once; steady: spread over
 * `rampS`). Each station is a pure model (`react`, `obey`) driven by timers, gateway answers and commands; its
 * requests go out one at a time, in order, over the shared keep-alive agent.
 *
 * ### Examples
 * ```ts
 * const fleet = await startFleet({ ...DEFAULT_FLEET_OPTIONS, stations: 100, profile: 'burst' })
 * const summary = await fleet.done
 * ```
 */
export async function startFleet(
  options: FleetOptions,
  hooks: { onProgress?: (p: FleetProgress) => void; clock?: () => Date } = {},
): Promise<Fleet> {
  validateFleetOptions(options)
  const clock = hooks.clock ?? (() => new Date())
  const stats = new RunStats()
  const ids = stationIds(options.idPrefix, options.stations)
  const behaviour: Behaviour = {
    profile: options.profile,
    sessions: options.sessions,
    meterValuesPerSession: options.meterValues,
    sessionChance: options.sessionChance,
    plugInCheckS: 60,
    sessionS: [15 * 60, 90 * 60],
    unplugS: [10, 120],
    bootRetryS: 30,
  }
  // One keep-alive pool per gateway replica; together at most `concurrency` sockets.
  const urls = gatewayUrls(options.url)
  const clients = urls.map((url) =>
    createCsClient({
      url,
      ocppVersion: options.ocppVersion,
      maxSockets: Math.max(1, Math.ceil(options.concurrency / urls.length)),
      timeoutMs: options.timeoutMs,
    }),
  )
  const closeClients = () => {
    for (const c of clients) c.close()
  }
  const runtimes = new Map<string, Runtime>(
    ids.map((id, index) => [
      id,
      {
        client: clients[index % clients.length] as CsClient,
        station: createStation({
          id,
          index,
          fleetSeed: options.seed,
          idTag: options.idTag,
          behaviour,
          meterValueSampleIntervalS: options.meterIntervalS,
        }),
        queue: [],
        busy: false,
        finished: false,
        timers: new Map(),
      },
    ]),
  )
  let finishedCount = 0
  let resolveAllFinished: () => void = () => {}
  const allFinished = new Promise<void>((r) => {
    resolveAllFinished = r
  })

  const server = await startCpServer({
    host: options.listen.host,
    port: options.listen.port,
    ocppVersion: options.ocppVersion,
    onCommand(stationId, command: Command) {
      const rt = runtimes.get(stationId)
      if (!rt) return undefined
      const { station, reply, effects } = obey(rt.station, command, clock().toISOString())
      stats.command(command.operation, isObeyed(reply as Record<string, unknown>))
      apply(rt, station, effects)
      return reply
    },
  }).catch((err: unknown) => {
    closeClients()
    throw err
  })

  function dispatch(rt: Runtime, event: StationEvent): void {
    const { station, effects } = react(rt.station, event, clock().toISOString())
    apply(rt, station, effects)
  }

  function apply(rt: Runtime, station: Station, effects: readonly Effect[]): void {
    rt.station = station
    for (const e of effects) {
      switch (e.kind) {
        case 'send':
          rt.queue.push(e)
          break
        case 'set-timer': {
          clearTimeout(rt.timers.get(e.timer))
          const t = setTimeout(() => {
            rt.timers.delete(e.timer)
            dispatch(rt, { type: 'timer', timer: e.timer })
          }, e.afterS * 1000)
          rt.timers.set(e.timer, t)
          break
        }
        case 'clear-timer':
          clearTimeout(rt.timers.get(e.timer))
          rt.timers.delete(e.timer)
          break
        case 'session-completed':
          stats.sessionCompleted(e.energyWh)
          break
        case 'session-refused':
          stats.sessionRefused(e.status)
          break
        case 'transfer':
          void transfer(rt, e.transfer)
          break
        case 'finished':
          if (!rt.finished) {
            rt.finished = true
            if (++finishedCount === runtimes.size) resolveAllFinished()
          }
          break
      }
    }
    void pump(rt)
  }

  /** A diagnostics upload or firmware download (not before its retrieveDate); its end goes back into the model. */
  async function transfer(rt: Runtime, t: Transfer): Promise<void> {
    if (t.direction === 'download') {
      const waitMs = Date.parse(t.notBefore) - clock().getTime()
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs))
    }
    const outcome = await runTransfer(t)
    stats.transfer(t.direction, outcome.ok ? undefined : outcome.reason)
    dispatch(rt, { type: 'transfer-ended', direction: t.direction, ok: outcome.ok })
  }

  /** Sends the station's requests one at a time, in order; each answer goes back into the model. */
  async function pump(rt: Runtime): Promise<void> {
    if (rt.busy) return
    rt.busy = true
    try {
      for (let next = rt.queue.shift(); next !== undefined; next = rt.queue.shift()) {
        const id = rt.station.id
        const out = await rt.client.call(id, server.urlOf(id), next.operation, next.payload as never)
        stats.call(next.operation, out.latencyMs, out.ok ? undefined : out.reason)
        dispatch(
          rt,
          out.ok
            ? ({ type: 'answer', operation: next.operation, payload: out.payload } as StationEvent)
            : { type: 'call-failed', operation: next.operation, reason: out.reason },
        )
      }
    } finally {
      rt.busy = false
    }
  }

  const idle = () => [...runtimes.values()].every((rt) => !rt.busy && rt.queue.length === 0)
  const startedAt = performance.now()
  let lastCalls = 0
  let lastTick = startedAt
  const progress = setInterval(() => {
    const now = performance.now()
    const perS = ((stats.calls - lastCalls) * 1000) / Math.max(1, now - lastTick)
    lastCalls = stats.calls
    lastTick = now
    hooks.onProgress?.({
      elapsedS: (now - startedAt) / 1000,
      stationsUp: countUp(),
      stations: runtimes.size,
      callsPerS: perS,
      calls: stats.calls,
      failed: stats.failed,
      sessionsCompleted: stats.sessionsCompleted,
    })
  }, 1000)
  const countUp = () => [...runtimes.values()].filter((rt) => rt.station.registration === 'accepted').length

  // Power on: burst all at once, steady spread evenly over the ramp.
  const starts: NodeJS.Timeout[] = []
  let index = 0
  for (const rt of runtimes.values()) {
    const delayMs = options.profile === 'burst' ? 0 : (options.rampS * 1000 * index) / runtimes.size
    starts.push(setTimeout(() => dispatch(rt, { type: 'power-on' }), delayMs))
    index++
  }

  let stopRequested: () => void = () => {}
  const stopped = new Promise<void>((r) => {
    stopRequested = r
  })
  const deadline = setTimeout(() => stopRequested(), options.durationS * 1000)

  async function run(): Promise<FleetSummary> {
    await Promise.race([stopped, options.profile === 'burst' ? allFinished : stopped])
    clearTimeout(deadline)
    for (const t of starts) clearTimeout(t)
    for (const rt of runtimes.values()) if (!rt.finished) dispatch(rt, { type: 'shutdown' })
    // Let running sessions stop and queued requests go out, within the drain budget.
    const drainUntil = performance.now() + options.drainS * 1000
    let drainTimer: NodeJS.Timeout | undefined
    await Promise.race([allFinished, new Promise((r) => (drainTimer = setTimeout(r, options.drainS * 1000)))])
    clearTimeout(drainTimer)
    while (!idle() && performance.now() < drainUntil) await sleep(20)
    const durationS = (performance.now() - startedAt) / 1000
    clearInterval(progress)
    for (const rt of runtimes.values()) {
      for (const t of rt.timers.values()) clearTimeout(t)
      rt.timers.clear()
      rt.queue.length = 0
    }
    await server.close()
    const conn = clients
      .map((c) => c.connections())
      .reduce((a, c) => ({ opened: a.opened + c.opened, retries: a.retries + c.retries }))
    closeClients()
    return {
      profile: options.profile,
      ocppVersion: options.ocppVersion,
      url: options.url,
      stations: runtimes.size,
      seed: options.seed,
      durationS: round(durationS, 2),
      stationsUp: countUp(),
      calls: {
        total: stats.calls,
        perSecond: round(stats.calls / Math.max(durationS, 0.001), 1),
        byOperation: sortKeys(stats.callsByOperation),
      },
      failed: { total: stats.failed, byReason: sortKeys(stats.failedByReason) },
      latencyMs: stats.latencySummary(),
      sessions: {
        completed: stats.sessionsCompleted,
        refused: sortKeys(stats.refusedByStatus),
        energyWh: stats.energyWh,
      },
      commandsObeyed: {
        total: Object.values(stats.commandsByOperation).reduce((n, c) => n + c.obeyed, 0),
        byOperation: sortKeys(stats.commandsByOperation),
      },
      transfers: { ...stats.transfersByDirection, failures: sortKeys(stats.transferFailures) },
      http: {
        maxSockets: options.concurrency,
        connectionsOpened: conn.opened,
        retriedOnClosedIdleSocket: conn.retries,
      },
      chargePointService: `${server.baseUrl}/cp/<station id>`,
    }
  }

  return {
    ids,
    urlOf: (id) => server.urlOf(id),
    station: (id) => runtimes.get(id)?.station,
    stop: () => stopRequested(),
    done: run(),
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function round(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))
}
