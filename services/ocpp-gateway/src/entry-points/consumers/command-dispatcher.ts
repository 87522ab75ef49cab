import { createHash, randomUUID } from 'node:crypto'
import type { Bus, Consumption, ReceivedEvent } from '@chargebus/bus'
import type { CommandRecord, CommandRequest, CommandStore } from '@chargebus/command-store'
import {
  CommandRequested,
  CommandUpdated,
  commandMsgId,
  type EventData,
  OcppMessageReceived,
  type StationMessage,
  Streams,
  TERMINAL_COMMAND_STATUSES,
} from '@chargebus/events'
import { COMMAND_OPERATIONS, type CommandOperation, type CpOperation } from '@chargebus/ocpp'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import type { StationCaller, StationTarget } from '../../data-access/station-caller.ts'
import type { StationFacts } from '../../data-access/station-facts.ts'
import { CommandError, DispatcherStopping } from '../../domain/command-errors.ts'
import {
  type AuthorizationData,
  applyLocalList,
  buildLocalList,
  isExpired,
  type LocalListEntry,
  learnConfiguration,
  needsDiscovery,
  outcomeOf,
  retryDelayMs,
  uploadLocationFor,
} from '../../domain/commands.ts'

/** The durable consumer of command requests (`cmd.*.*`) on the COMMANDS stream. */
export const COMMANDS_DURABLE = 'ocpp-gateway-commands'

export interface DispatcherSettings {
  /** Calls in flight at once (different stations). */
  concurrency: number
  /** Command messages held at once (bus `maxInFlight` and the consumer's max ack pending). */
  maxPending: number
  /** Waits between attempts to an unreachable station; the last repeats. */
  retryScheduleMs: readonly number[]
  /** Expiry of commands requested without one. */
  defaultTtlMs: number
  ackWaitMs: number
  /** An older unfinished command not touched for this long no longer blocks a newer one. */
  orderStaleMs: number
  /** How often a command blocked by an older one held elsewhere looks again. Default 500 ms. */
  orderPollMs?: number
  /** Delay before GetConfiguration after an Accepted boot; negative turns discovery off. */
  capabilitiesDelayMs: number
  /** Capabilities younger than this are not asked for again at a boot (0: ask at every boot). */
  capabilitiesMaxAgeMs: number
  diagnosticsLocation?: string | undefined
}

export interface CommandDispatcherDeps {
  bus: Bus
  commands: CommandStore
  facts: StationFacts
  caller: StationCaller
  logger: Logger
  settings: DispatcherSettings
  clock: Clock
}

/** The gateway's command dispatcher; see the README's Commands section. */
export interface CommandDispatcher {
  /** Ensures the COMMANDS stream and starts the durable consumer. */
  start(): Promise<void>
  /** Hands held commands back to JetStream (nak), lets calls in flight finish and record, stops consuming. */
  stop(): Promise<void>
  /**
   * The station-message hook (called after this replica stored a station's message): learns the station's
   * address and version and retries its waiting commands at once ("the station is back"). What other replicas
   * store arrives through NATS (`bus.listen`): every BootNotification (an Accepted boot queues GetConfiguration
   * to learn the station's capabilities) and, while a station has commands waiting, all of its messages.
   * Never throws, never waits.
   */
  noteStationMessage(message: StationMessage): void
  stats(): { held: number; stations: number; inFlight: number }
}

interface Item {
  record: CommandRecord
  seq: number
  working: () => void
  done: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
  /** Being worked on by its station's loop (not just waiting). */
  active: boolean
  /** Failed delivery attempts in this process (drives the backoff). */
  failures: number
  /** Last time the row was touched while waiting (freshness for other dispatchers' ordering guard). */
  touchedAt: number
  expiryTimer?: NodeJS.Timeout
}

interface StationQueue {
  stationId: string
  items: Item[]
  running: boolean
  wake: (() => void) | undefined
  /** Set while the queue waits: stops following the station's messages stored by any gateway replica. */
  stopListening: (() => void) | undefined
  /** The station's last message seen (the same message may come from this replica's hook and from NATS). */
  lastMessageId: string | undefined
}

type Outcome = 'accepted' | 'rejected' | 'failed' | 'expired'
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_COMMAND_STATUSES)
const MAX_TIMER_MS = 2_147_483_647
// Discovery left unfinished is asked again at the station's next boot: no need to retry it for long.
const DISCOVERY_TTL_MS = 10 * 60_000

/**
 * Consumes `command.requested` with one durable consumer and sends each command to its station: one call in
 * flight per station and a station's commands in stream order (per-station queues; an ordering guard in
 * Postgres covers commands held by another dispatcher or not redelivered yet), different stations
 * concurrently up to `concurrency`. A command is acked only after its final status is recorded in `commands`
 * and published as `command.updated`. At-most-once towards the station: the row says `sent` (with the
 * MessageID) before the call goes out, and a command found `sent` on redelivery is failed as
 * COMMAND_ERR_OUTCOME_UNKNOWN instead of being sent again.
 *
 * ### Examples
 * ```ts
 * const dispatcher = createCommandDispatcher({ bus, commands: createCommandStore(db), facts: createStationFacts(db), caller, logger, settings, clock })
 * await dispatcher.start()
 * app.addHook('preClose', () => dispatcher.stop())
 * ```
 */
export function createCommandDispatcher(deps: CommandDispatcherDeps): CommandDispatcher {
  const { bus, commands, facts, caller, settings } = deps
  const log = deps.logger.child({ component: 'command-dispatcher' })
  const { clock } = deps
  const orderPollMs = settings.orderPollMs ?? 500
  const held = new Map<string, Item>()
  const queues = new Map<string, StationQueue>()
  const endpoints = new Map<string, { url: string | undefined; version: '1.5' | '1.6' }>()
  const discoveryTimers = new Set<NodeJS.Timeout>()
  let inFlight = 0
  const waitingForSlot: Array<() => void> = []
  let consumption: Consumption | undefined
  let keepAlive: NodeJS.Timeout | undefined
  let stopping = false
  let started = false
  let stopBootListening: (() => void) | undefined
  let stopFirmwareListening: (() => void) | undefined

  async function acquireSlot(): Promise<void> {
    if (inFlight < settings.concurrency) {
      inFlight++
      return
    }
    await new Promise<void>((resolve) => waitingForSlot.push(resolve))
  }
  function releaseSlot(): void {
    const next = waitingForSlot.shift()
    if (next) next()
    else inFlight--
  }

  /** Retries `fn` (a write that must happen: the audit row, the result event) until it works or we stop. */
  async function persist<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (stopping) throw err
        const delay = Math.min(500 * 2 ** (attempt - 1), 10_000)
        log.warn({ err, attempt, delay }, `${what} failed; retrying`)
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }

  function updateOf(record: CommandRecord, at: Date): EventData<typeof CommandUpdated> {
    const data: EventData<typeof CommandUpdated> = {
      commandId: record.id,
      stationId: record.stationId,
      operation: record.operation,
      status: record.status,
      at: at.toISOString(),
      attempts: record.attempts,
    }
    if (record.ocppVersion !== null) data.ocppVersion = record.ocppVersion
    if (record.messageId !== null) data.messageId = record.messageId
    if (record.response !== null) data.response = record.response
    if (record.errorCode !== null) data.error = { code: record.errorCode, message: record.errorMessage ?? '' }
    return data
  }

  function publishUpdate(record: CommandRecord): Promise<unknown> {
    return bus.publish(CommandUpdated, updateOf(record, record.updatedAt), {
      msgId: `upd:${record.id}:${record.status}:${record.attempts}`,
    })
  }

  /** Intermediate statuses (sent, queued again) are informative: a lost one is logged, not retried. */
  async function publishQuietly(record: CommandRecord): Promise<void> {
    try {
      await publishUpdate(record)
    } catch (err) {
      log.warn({ err, command: record.id, status: record.status }, 'command update not published')
    }
  }

  function queueOf(stationId: string): StationQueue {
    let q = queues.get(stationId)
    if (!q) {
      q = {
        stationId,
        items: [],
        running: false,
        wake: undefined,
        stopListening: undefined,
        lastMessageId: undefined,
      }
      queues.set(stationId, q)
    }
    return q
  }

  function settle(item: Item, err?: unknown): void {
    clearTimeout(item.expiryTimer)
    held.delete(item.record.id)
    const q = queues.get(item.record.stationId)
    if (q) {
      const i = q.items.indexOf(item)
      if (i >= 0) q.items.splice(i, 1)
      if (i === 0) q.wake?.()
    }
    if (err === undefined) item.resolve()
    else item.reject(err)
  }

  /** Records a final status (once), publishes it, then lets the bus ack the command message. */
  async function complete(
    item: Item,
    result: {
      status: Outcome
      response?: Record<string, unknown>
      error?: CommandError
      from?: 'queued' | 'sent'
    },
  ): Promise<void> {
    const at = clock()
    const finished = await persist('recording a command result', () =>
      commands.finish(item.record.id, {
        status: result.status,
        at,
        ...(result.response === undefined ? {} : { response: result.response }),
        ...(result.error === undefined
          ? {}
          : { error: { code: result.error.code, message: result.error.message } }),
        ...(result.from === undefined ? {} : { from: result.from }),
      }),
    )
    const final = finished ?? (await persist('reading a command', () => commands.get(item.record.id)))
    if (final && TERMINAL.has(final.status)) {
      await persist('publishing a command result', () => publishUpdate(final))
      item.record = final
    }
    log.info(
      {
        command: item.record.id,
        station: item.record.stationId,
        operation: item.record.operation,
        status: final?.status,
      },
      'command finished',
    )
    settle(item)
  }

  function armExpiry(item: Item): void {
    const expiresAt = item.record.expiresAt
    if (expiresAt === null) return
    const ms = Math.min(Math.max(expiresAt.getTime() - clock().getTime(), 0), MAX_TIMER_MS)
    item.expiryTimer = setTimeout(() => void expireWaiting(item), ms)
    item.expiryTimer.unref?.()
  }

  /** A command that expires while it waits (behind its station's other commands, or for the station). */
  async function expireWaiting(item: Item): Promise<void> {
    if (stopping || !held.has(item.record.id)) return
    if (item.active) {
      // Its station's loop is on it and checks the expiry itself before sending.
      item.expiryTimer = setTimeout(() => void expireWaiting(item), 100)
      return
    }
    try {
      item.active = true
      await complete(item, { status: 'expired', error: expiredError(item.record), from: 'queued' })
    } catch (err) {
      item.active = false
      if (!stopping) {
        log.warn({ err, command: item.record.id }, 'expiring a command failed; retrying')
        item.expiryTimer = setTimeout(() => void expireWaiting(item), 1000)
      }
    }
  }

  function enqueue(record: CommandRecord, event: ReceivedEvent<typeof CommandRequested>): Promise<void> {
    let resolve!: () => void
    let reject!: (err: unknown) => void
    const done = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    const item: Item = {
      record,
      seq: record.streamSeq ?? event.seq,
      working: event.working,
      done,
      resolve,
      reject,
      active: false,
      failures: 0,
      touchedAt: 0,
    }
    held.set(record.id, item)
    const q = queueOf(record.stationId)
    // Stream order, also when redeliveries arrive out of order.
    let at = q.items.length
    while (at > 0 && (q.items[at - 1]?.seq ?? 0) > item.seq) at--
    q.items.splice(at, 0, item)
    armExpiry(item)
    if (!q.running) void run(q)
    else if (at === 0) q.wake?.()
    return done
  }

  function park(q: StationQueue, ms: number): Promise<void> {
    if (stopping) return Promise.resolve()
    // The station may talk to another replica: hear about it through NATS, not only through this one's hook.
    q.stopListening ??= listenForStation(q.stationId)
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        if (q.wake === done) q.wake = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      q.wake = done
    })
  }

  /** One station's loop: its commands one at a time, in order. */
  async function run(q: StationQueue): Promise<void> {
    q.running = true
    try {
      while (!stopping) {
        const item = q.items[0]
        if (!item) break
        let wait: number | 'done'
        item.active = true
        try {
          wait = await attempt(q, item)
        } catch (err) {
          if (err instanceof DispatcherStopping || stopping) {
            settle(item, err instanceof DispatcherStopping ? err : new DispatcherStopping())
            continue
          }
          log.error({ err, command: item.record.id }, 'command dispatch failed; retrying')
          wait = 1000
        } finally {
          item.active = false
        }
        if (wait !== 'done') await park(q, wait)
      }
    } finally {
      q.running = false
      // Stopping: whatever is left goes back to JetStream (nak) for the next process.
      if (stopping) for (const item of [...q.items]) if (!item.active) settle(item, new DispatcherStopping())
      if (q.items.length === 0 && queues.get(q.stationId) === q) {
        queues.delete(q.stationId)
        q.stopListening?.()
      }
    }
  }

  function listenForStation(stationId: string): () => void {
    try {
      return bus.listen(OcppMessageReceived, { station: stationId }, noteStationMessage)
    } catch (err) {
      log.warn({ err, station: stationId }, 'cannot follow the station through NATS; retries only')
      return () => {}
    }
  }

  function noteStationMessage(message: StationMessage): void {
    if (!started || stopping) return
    try {
      const q = queues.get(message.stationId)
      if (q) {
        if (q.lastMessageId === message.messageId) return
        q.lastMessageId = message.messageId
      }
      const known = endpoints.get(message.stationId)
      if (message.from !== undefined || known === undefined || known.version !== message.ocppVersion) {
        endpoints.set(message.stationId, { url: message.from ?? known?.url, version: message.ocppVersion })
      }
      q?.wake?.()
    } catch (err) {
      log.error({ err }, 'station-message hook failed')
    }
  }

  /** A firmware installed (any replica): what the station supports may have changed. */
  function noteFirmware(message: StationMessage): void {
    const payload = (message.normalizedPayload ?? message.payload) as { status?: unknown }
    if (payload.status !== 'Installed' || stopping) return
    void facts
      .markCapabilitiesStale(message.stationId)
      .catch((err: unknown) =>
        log.warn(
          { err, station: message.stationId },
          'could not mark capabilities stale after a firmware update',
        ),
      )
  }

  /** Every replica's BootNotifications (this one's too): learn the station, then its capabilities. */
  function noteBoot(message: StationMessage): void {
    noteStationMessage(message)
    const status = (message.response as { status?: unknown } | undefined)?.status
    if (status === 'Accepted' && started && !stopping) scheduleDiscovery(message)
  }

  async function resolveTarget(stationId: string): Promise<StationTarget | undefined> {
    const known = endpoints.get(stationId)
    if (known?.url !== undefined) return { stationId, endpointUrl: known.url, ocppVersion: known.version }
    const row = await facts.findStation(stationId)
    const url = row?.endpointUrl ?? undefined
    if (url === undefined) return undefined
    return { stationId, endpointUrl: url, ocppVersion: known?.version ?? row?.ocppVersion ?? '1.6' }
  }

  async function noteWaiting(item: Item, error: CommandError, waitMs: number): Promise<void> {
    const now = clock()
    if (now.getTime() - item.touchedAt < settings.orderStaleMs / 3 && item.record.errorCode === error.code)
      return
    await commands.noteWaiting(item.record.id, now, error, new Date(now.getTime() + waitMs))
    item.touchedAt = now.getTime()
    item.record = { ...item.record, errorCode: error.code, errorMessage: error.message }
  }

  /** What is actually sent: the stored payload, completed where the dispatcher knows better. */
  async function completePayload(record: CommandRecord): Promise<{
    payload: Record<string, unknown>
    localList?: { version: number; entries: Record<string, LocalListEntry> }
  }> {
    const payload = { ...record.payload }
    if (record.operation === 'GetDiagnostics' && payload.location === undefined) {
      if (settings.diagnosticsLocation === undefined)
        throw new CommandError(
          'COMMAND_ERR_NO_UPLOAD_LOCATION',
          'GetDiagnostics needs a location and OCPP_DIAGNOSTICS_LOCATION is not set',
        )
      payload.location = uploadLocationFor(settings.diagnosticsLocation, record.stationId)
    }
    if (record.operation === 'SendLocalList') {
      const updateType = payload.updateType === 'Differential' ? 'Differential' : 'Full'
      const previous = await facts.loadLocalList(record.stationId)
      const version =
        typeof payload.listVersion === 'number' ? payload.listVersion : (previous?.version ?? 0) + 1
      let list: AuthorizationData[]
      let entries: Record<string, LocalListEntry>
      if (payload.localAuthorizationList === undefined) {
        const built = buildLocalList(updateType, await facts.listIdTags(), previous?.entries ?? {})
        list = built.list
        entries = built.entries
      } else {
        list = payload.localAuthorizationList as AuthorizationData[]
        entries = applyLocalList(previous?.entries ?? {}, updateType, list)
      }
      return {
        payload: { listVersion: version, localAuthorizationList: list, updateType },
        localList: { version, entries },
      }
    }
    return { payload }
  }

  /** One try at the head command of a station: 'done', or how long to wait before the next try. */
  async function attempt(q: StationQueue, item: Item): Promise<number | 'done'> {
    const record = item.record
    if (isExpired(record.expiresAt, clock())) {
      await complete(item, { status: 'expired', error: expiredError(record), from: 'queued' })
      return 'done'
    }
    const now = clock()
    const heldIds = q.items.map((i) => i.record.id)
    if (await commands.hasOpenPredecessor(record, heldIds, new Date(now.getTime() - settings.orderStaleMs))) {
      await noteWaiting(
        item,
        new CommandError('COMMAND_ERR_ORDER_WAIT', 'an older command of this station is not finished yet'),
        orderPollMs,
      )
      return orderPollMs
    }
    const target = await resolveTarget(record.stationId)
    if (target === undefined) {
      item.failures++
      const wait = retryDelayMs(item.failures, settings.retryScheduleMs)
      await noteWaiting(
        item,
        new CommandError(
          'COMMAND_ERR_NO_ENDPOINT',
          'no ChargePointService address known for the station yet',
        ),
        wait,
      )
      return wait
    }
    if (!(record.operation in COMMAND_OPERATIONS)) {
      const error = new CommandError('COMMAND_ERR_INVALID_PAYLOAD', `unknown operation ${record.operation}`)
      await complete(item, { status: 'failed', error, from: 'queued' })
      return 'done'
    }
    const operation = record.operation as CommandOperation & CpOperation<'1.6'>
    let call: ReturnType<StationCaller['prepare']>
    let localList: { version: number; entries: Record<string, LocalListEntry> } | undefined
    try {
      const completed = await completePayload(record)
      localList = completed.localList
      call = caller.prepare(target, operation, completed.payload)
    } catch (err) {
      if (!(err instanceof CommandError)) throw err
      await complete(item, { status: 'failed', error: err, from: 'queued' })
      return 'done'
    }

    await acquireSlot()
    let result: Awaited<ReturnType<StationCaller['send']>>
    try {
      if (stopping) throw new DispatcherStopping()
      if (isExpired(record.expiresAt, clock())) {
        await complete(item, { status: 'expired', error: expiredError(record), from: 'queued' })
        return 'done'
      }
      const sent = await commands.markSent(record.id, {
        at: clock(),
        messageId: call.messageId,
        ocppVersion: target.ocppVersion,
        endpointUrl: target.endpointUrl,
        sentPayload: call.sentPayload,
      })
      if (sent === undefined) {
        // No longer queued: finished or being sent elsewhere (another dispatcher). Report a final status; leave
        // one in progress to its owner.
        const current = await commands.get(record.id)
        if (current && TERMINAL.has(current.status)) await publishUpdate(current)
        settle(item)
        return 'done'
      }
      item.record = sent
      await publishQuietly(sent)
      result = await caller.send(call)
    } finally {
      releaseSlot()
    }

    const ctx = { command: record.id, station: record.stationId, operation }
    if (result.kind === 'answered') {
      const status = outcomeOf(result.response)
      if (status === 'accepted') await recordSideEffects(item, target, result.response, localList)
      await complete(item, { status, response: result.response, from: 'sent' })
      return 'done'
    }
    if (result.kind === 'failed') {
      log.warn({ ...ctx, err: result.error }, 'command failed')
      await complete(item, { status: 'failed', error: result.error, from: 'sent' })
      return 'done'
    }
    item.failures++
    const wait = retryDelayMs(item.failures, settings.retryScheduleMs)
    const at = clock()
    log.info({ ...ctx, err: result.error.message, wait }, 'station unreachable; will retry')
    const requeued = await persist('re-queueing a command', () =>
      commands.requeue(record.id, at, result.error, new Date(at.getTime() + wait)),
    )
    if (requeued) {
      item.record = requeued
      item.touchedAt = at.getTime()
      await publishQuietly(requeued)
    }
    return wait
  }

  async function recordSideEffects(
    item: Item,
    target: StationTarget,
    response: Record<string, unknown>,
    localList: { version: number; entries: Record<string, LocalListEntry> } | undefined,
  ): Promise<void> {
    const { record } = item
    if (record.operation === 'GetConfiguration') {
      const learned = learnConfiguration(response as Parameters<typeof learnConfiguration>[0])
      await persist('storing station capabilities', () =>
        facts.saveCapabilities(record.stationId, target.ocppVersion, learned, record.id, clock()),
      )
    }
    if (record.operation === 'SendLocalList' && localList !== undefined) {
      await persist('storing the local list version', () =>
        facts.saveLocalList(record.stationId, localList.version, localList.entries, record.id),
      )
    }
  }

  async function handle(event: ReceivedEvent<typeof CommandRequested>): Promise<void> {
    if (stopping) throw new DispatcherStopping()
    const cmd: CommandRequest = event.data
    const already = held.get(cmd.commandId)
    if (already) {
      already.working = event.working
      return already.done
    }
    const defaultExpiry = new Date(Date.parse(cmd.requestedAt) + settings.defaultTtlMs)
    const record = await commands.recordConsumed(cmd, event.seq, defaultExpiry, clock())
    if (record === undefined) {
      log.warn(
        { command: cmd.commandId, station: cmd.stationId, idempotencyKey: cmd.idempotencyKey },
        'another command of this station has the same idempotency key; skipped',
      )
      return
    }
    if (TERMINAL.has(record.status)) {
      // Finished before (the ack was lost, or the result event was not published yet): publish it again;
      // the bus stores it once.
      await publishUpdate(record)
      return
    }
    if (record.status === 'sent') {
      // We sent it and stopped before recording the answer: the station may have acted. Never resend.
      const failed = await commands.finish(record.id, {
        status: 'failed',
        at: clock(),
        from: 'sent',
        error: {
          code: 'COMMAND_ERR_OUTCOME_UNKNOWN',
          message: `sent as ${record.messageId ?? '?'} before a restart; the answer was not recorded, so it is not sent again`,
        },
      })
      const final = failed ?? (await commands.get(record.id))
      if (final) await publishUpdate(final)
      return
    }
    return enqueue(record, event)
  }

  function scheduleDiscovery(message: StationMessage): void {
    if (settings.capabilitiesDelayMs < 0 || stopping) return
    const timer = setTimeout(() => {
      discoveryTimers.delete(timer)
      void requestCapabilities(message).catch((err: unknown) =>
        log.warn({ err, station: message.stationId }, 'could not queue GetConfiguration after boot'),
      )
    }, settings.capabilitiesDelayMs)
    discoveryTimers.add(timer)
  }

  async function requestCapabilities(message: StationMessage): Promise<void> {
    const now = clock()
    const known = await facts.capabilitiesLearned(message.stationId)
    if (!needsDiscovery(known, message, now, settings.capabilitiesMaxAgeMs)) {
      log.debug({ station: message.stationId }, 'capabilities known and fresh: no GetConfiguration')
      return
    }
    const key = `capabilities:${createHash('sha256').update(message.messageId).digest('hex').slice(0, 40)}`
    const commandId = randomUUID()
    const cmd: CommandRequest = {
      commandId,
      stationId: message.stationId,
      operation: 'GetConfiguration',
      payload: {},
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + DISCOVERY_TTL_MS).toISOString(),
      idempotencyKey: key,
      origin: 'system',
      requestedBy: 'ocpp-gateway',
    }
    await bus.publish(CommandRequested, cmd, { msgId: commandMsgId(message.stationId, key, commandId) })
  }

  return {
    async start() {
      await bus.ensureStreams([Streams.COMMANDS])
      consumption = await bus.consume({
        stream: Streams.COMMANDS,
        durable: COMMANDS_DURABLE,
        events: CommandRequested,
        handler: handle,
        maxInFlight: settings.maxPending,
        maxAckPending: settings.maxPending,
        ackWaitMs: settings.ackWaitMs,
        // Handing commands back on shutdown is a delivery too: never dead-letter for that.
        maxDeliver: 1000,
        backoffMs: [250, 1000, 5000],
      })
      stopBootListening = bus.listen(OcppMessageReceived, { action: 'BootNotification' }, noteBoot)
      stopFirmwareListening = bus.listen(
        OcppMessageReceived,
        { action: 'FirmwareStatusNotification' },
        noteFirmware,
      )
      started = true
      keepAlive = setInterval(
        () => {
          for (const item of held.values()) item.working()
        },
        Math.max(Math.floor(settings.ackWaitMs / 3), 100),
      )
    },

    async stop() {
      if (stopping) {
        await consumption?.stop()
        return
      }
      stopping = true
      stopBootListening?.()
      stopFirmwareListening?.()
      for (const t of discoveryTimers) clearTimeout(t)
      discoveryTimers.clear()
      for (const item of [...held.values()]) if (!item.active) settle(item, new DispatcherStopping())
      for (const q of queues.values()) {
        q.stopListening?.()
        q.wake?.()
      }
      await consumption?.stop()
      clearInterval(keepAlive)
    },

    noteStationMessage,

    stats: () => ({ held: held.size, stations: queues.size, inFlight }),
  }
}

function expiredError(record: CommandRecord): CommandError {
  return new CommandError(
    'COMMAND_ERR_EXPIRED',
    `expired at ${record.expiresAt?.toISOString() ?? '?'} before it could be sent`,
  )
}
