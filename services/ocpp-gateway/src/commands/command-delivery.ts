import { createSlots } from '@chargebus/bus'
import { type CommandStore, isTerminal } from '@chargebus/command-store'
import { COMMAND_OPERATIONS, type CommandOperation, type CpOperation } from '@chargebus/ocpp'
import type { Clock } from '@chargebus/platform'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import type { CommandRecorder } from './command-recorder.ts'
import type { CallResult, PreparedCall, StationCaller, StationTarget } from './data-access/station-caller.ts'
import type { StationFacts } from './data-access/station-facts.ts'
import { learnConfiguration } from './domain/capabilities.ts'
import { CommandError, DispatcherStopping } from './domain/command-errors.ts'
import { isExpired, isWaitingNoteFresh, outcomeOf, retryDelayMs } from './domain/delivery-rules.ts'
import type { LocalList } from './domain/local-list.ts'
import { completePayload } from './payload-completion.ts'
import { createRoutineTally } from './routine-tally.ts'
import type { StationPresence } from './station-presence.ts'
import type { AttemptResult, HeldCommand } from './station-queues.ts'

export interface CommandDeliverySettings {
  /** Calls in flight at once (different stations). */
  concurrency: number
  /** Waits between attempts to an unreachable station; the last repeats. */
  retryScheduleMs: readonly number[]
  /** An older unfinished command not touched for this long no longer blocks a newer one. */
  orderStaleMs: number
  /** How often a command blocked by an older one held elsewhere looks again. Default 500 ms. */
  orderPollMs?: number
  diagnosticsLocation?: string | undefined
  /** The FTP edge as stations reach it (one-time credentials for GetDiagnostics and catalogued firmware). */
  ftpEdgeUrl: string
  ftpGrantTtlMs: number
}

/** Delivering commands to stations, one attempt at a time. */
export interface CommandDelivery {
  /** One try at the head command of a station: `done` once a final status is recorded, else how long to wait. */
  attempt(command: HeldCommand, heldIds: readonly string[]): Promise<AttemptResult>
  /** Calls to stations in flight. */
  inFlight(): number
}

/**
 * One delivery attempt: not after its expiry; not before an older unfinished command of the station held
 * elsewhere (the ordering guard in Postgres); to the station's known address; with the payload completed.
 * At most once: the row is marked `sent` with the call's MessageID before the call goes out, within one of
 * `concurrency` slots. The answer is recorded with its side effects (capabilities, local list); a call that
 * certainly reached nobody is queued again with backoff.
 *
 * ### Examples
 * ```ts
 * const delivery = createCommandDelivery({ commands, facts, caller, presence, recorder, clock, logger, stopping, settings })
 * const result = await delivery.attempt(command, heldIds) // 'done', or 1000 (ms to wait)
 * ```
 */
export function createCommandDelivery(deps: {
  commands: CommandStore
  facts: StationFacts
  caller: StationCaller
  presence: StationPresence
  recorder: CommandRecorder
  clock: Clock
  logger: Logger
  /** One-time FTP credentials (`ftp_grants`). */
  grants: Pick<KV, 'create'>
  /** Aborted when the dispatcher stops: nothing more is sent. */
  stopping: AbortSignal
  settings: CommandDeliverySettings
}): CommandDelivery {
  const { commands, facts, caller, presence, recorder, clock, logger: log, stopping, settings, grants } = deps
  // Retries are routine (a station offline for a while): per retry at debug, a line a minute at info.
  const retryTally = createRoutineTally(clock, 60_000)
  const orderPollMs = settings.orderPollMs ?? 500
  const slots = createSlots(settings.concurrency)

  /** Keeps a waiting command's row fresh (and its reason current) for other dispatchers' ordering guard. */
  async function noteWaiting(command: HeldCommand, error: CommandError, waitMs: number): Promise<void> {
    const now = clock()
    const last = { touchedAtMs: command.touchedAt, errorCode: command.record.errorCode }
    if (isWaitingNoteFresh(last, error.code, now.getTime(), settings.orderStaleMs)) return
    await commands.noteWaiting(command.record.id, now, error, new Date(now.getTime() + waitMs))
    command.touchedAt = now.getTime()
    command.record = { ...command.record, errorCode: error.code, errorMessage: error.message }
  }

  async function attempt(command: HeldCommand, heldIds: readonly string[]): Promise<AttemptResult> {
    const record = command.record
    if (isExpired(record.expiresAt, clock())) {
      await recorder.expire(record)
      return 'done'
    }
    const freshAfter = new Date(clock().getTime() - settings.orderStaleMs)
    if (await commands.hasOpenPredecessor(record, heldIds, freshAfter)) {
      await noteWaiting(
        command,
        new CommandError('COMMAND_ERR_ORDER_WAIT', 'an older command of this station is not finished yet'),
        orderPollMs,
      )
      return orderPollMs
    }
    const target = await presence.target(record.stationId)
    if (target === undefined) {
      command.failures++
      const wait = retryDelayMs(command.failures, settings.retryScheduleMs)
      await noteWaiting(
        command,
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
      await recorder.finish(record, { status: 'failed', error, from: 'queued' })
      return 'done'
    }
    const operation = record.operation as CommandOperation & CpOperation<'1.6'>
    let call: PreparedCall
    let localList: LocalList | undefined
    try {
      // The payload as requested (secrets included), not the stored copy, which has them masked.
      const completed = await completePayload(
        { ...record, payload: command.payload },
        {
          facts,
          diagnosticsLocation: settings.diagnosticsLocation,
          ftpEdgeUrl: settings.ftpEdgeUrl,
          ftpGrantTtlMs: settings.ftpGrantTtlMs,
          grants,
          now: clock(),
        },
      )
      localList = completed.localList
      call = caller.prepare(target, operation, completed.payload)
    } catch (err) {
      if (!(err instanceof CommandError)) throw err
      await recorder.finish(record, { status: 'failed', error: err, from: 'queued' })
      return 'done'
    }

    const result = await send(command, call, target)
    if (result === 'done') return 'done'
    const ctx = { command: record.id, station: record.stationId, operation }
    if (result.kind === 'answered') {
      const status = outcomeOf(result.response)
      if (status === 'accepted') await recordSideEffects(command, target, result.response, localList)
      await recorder.finish(record, { status, response: result.response, from: 'sent' })
      return 'done'
    }
    if (result.kind === 'failed') {
      log.warn({ ...ctx, err: result.error }, 'command failed')
      await recorder.finish(record, { status: 'failed', error: result.error, from: 'sent' })
      return 'done'
    }
    command.failures++
    const wait = retryDelayMs(command.failures, settings.retryScheduleMs)
    const at = clock()
    log.debug({ ...ctx, err: result.error.message, wait }, 'station unreachable; will retry')
    const due = retryTally.count(operation)
    if (due)
      log.info(due, 'command retries scheduled (station unreachable), by operation, since the last summary')
    const requeued = await recorder.persist('re-queueing a command', () =>
      commands.requeue(record.id, at, result.error, new Date(at.getTime() + wait)),
    )
    if (requeued) {
      command.record = requeued
      command.touchedAt = at.getTime()
      await recorder.publishQuietly(requeued)
    }
    return wait
  }

  /**
   * Within a slot: a last expiry check, the row marked `sent` (at most once: before the call goes out), the
   * call. `done` when there was nothing to send (expired, or no longer queued).
   */
  async function send(
    command: HeldCommand,
    call: PreparedCall,
    target: StationTarget,
  ): Promise<CallResult | 'done'> {
    const record = command.record
    await slots.acquire()
    try {
      if (stopping.aborted) throw new DispatcherStopping()
      if (isExpired(record.expiresAt, clock())) {
        await recorder.expire(record)
        return 'done'
      }
      const sent = await commands.markSent(record.id, {
        operation: record.operation,
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
        if (current && isTerminal(current.status)) await recorder.publish(current)
        return 'done'
      }
      command.record = sent
      await recorder.publishQuietly(sent)
      return await caller.send(call)
    } finally {
      slots.release()
    }
  }

  async function recordSideEffects(
    command: HeldCommand,
    target: StationTarget,
    response: Record<string, unknown>,
    localList: LocalList | undefined,
  ): Promise<void> {
    const { record } = command
    if (record.operation === 'GetConfiguration') {
      const learned = learnConfiguration(response as Parameters<typeof learnConfiguration>[0])
      await recorder.persist('storing station capabilities', () =>
        facts.saveCapabilities(record.stationId, target.ocppVersion, learned, record.id, clock()),
      )
    }
    if (record.operation === 'SendLocalList' && localList !== undefined) {
      await recorder.persist('storing the local list version', () =>
        facts.saveLocalList(record.stationId, localList.version, localList.entries, record.id),
      )
    }
  }

  return { attempt, inFlight: () => slots.inUse() }
}
