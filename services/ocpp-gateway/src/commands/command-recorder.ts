import type { Bus } from '@chargebus/bus'
import { type CommandRecord, type CommandStore, isTerminal } from '@chargebus/command-store'
import { CommandUpdated, type EventData } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import { type CommandError, CommandExpired } from './domain/command-errors.ts'
import { createRoutineTally } from './routine-tally.ts'

/** How often the info-level summary of finished commands is written (each one is at debug). */
const SUMMARY_INTERVAL_MS = 60_000

/** A final status and what led to it; `from` is the status the row must still have. */
export interface CommandResult {
  status: 'accepted' | 'rejected' | 'failed' | 'expired'
  response?: Record<string, unknown>
  error?: CommandError
  from?: 'queued' | 'sent'
}

/** What became of commands, in the `commands` table and as `command.updated` events. */
export interface CommandRecorder {
  /** Retries `fn` (a write that must happen: the audit row, the result event) until it works or we stop. */
  persist<T>(what: string, fn: () => Promise<T>): Promise<T>
  /** Publishes the record's status as `command.updated` (deduplicated per status and attempt). */
  publish(record: CommandRecord): Promise<unknown>
  /** Intermediate statuses (sent, queued again) are informative: a lost one is logged, not retried. */
  publishQuietly(record: CommandRecord): Promise<void>
  /** Records a final status (once) and publishes it; afterwards the command message may be acked. */
  finish(record: CommandRecord, result: CommandResult): Promise<void>
  /** Records a command that expired before it could be sent. */
  expire(record: CommandRecord): Promise<void>
}

/**
 * ### Examples
 * ```ts
 * const recorder = createCommandRecorder({ bus, commands, clock, logger, stopping })
 * await recorder.finish(record, { status: 'accepted', response: { status: 'Accepted' }, from: 'sent' })
 * ```
 */
export function createCommandRecorder(deps: {
  bus: Bus
  commands: CommandStore
  clock: Clock
  logger: Logger
  /** Aborted when the dispatcher stops: writes are no longer retried. */
  stopping: AbortSignal
}): CommandRecorder {
  const { bus, commands, clock, logger: log, stopping } = deps
  const finishedTally = createRoutineTally(clock, SUMMARY_INTERVAL_MS)

  async function persist<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn()
      } catch (err) {
        if (stopping.aborted) throw err
        const delay = Math.min(500 * 2 ** (attempt - 1), 10_000)
        log.warn({ err, attempt, delay }, `${what} failed; retrying`)
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }

  function publish(record: CommandRecord): Promise<unknown> {
    return bus.publish(CommandUpdated, updateOf(record), {
      msgId: `upd:${record.id}:${record.status}:${record.attempts}`,
    })
  }

  async function finish(record: CommandRecord, result: CommandResult): Promise<void> {
    const at = clock()
    const finished = await persist('recording a command result', () =>
      commands.finish(record.id, {
        operation: record.operation,
        status: result.status,
        at,
        ...(result.response === undefined ? {} : { response: result.response }),
        ...(result.error === undefined
          ? {}
          : { error: { code: result.error.code, message: result.error.message } }),
        ...(result.from === undefined ? {} : { from: result.from }),
      }),
    )
    const final = finished ?? (await persist('reading a command', () => commands.get(record.id)))
    if (final && isTerminal(final.status)) await persist('publishing a command result', () => publish(final))
    // Routine, and by the thousand after a restart with old commands: per command at debug, a line a minute at info.
    log.debug(
      { command: record.id, station: record.stationId, operation: record.operation, status: final?.status },
      'command finished',
    )
    const due = finishedTally.count(final?.status ?? 'unknown')
    if (due) log.info(due, 'commands finished (by final status) since the last summary')
  }

  return {
    persist,
    publish,
    async publishQuietly(record) {
      try {
        await publish(record)
      } catch (err) {
        log.warn({ err, command: record.id, status: record.status }, 'command update not published')
      }
    },
    finish,
    expire: (record) =>
      finish(record, { status: 'expired', error: new CommandExpired(record.expiresAt), from: 'queued' }),
  }
}

/** A command's row as the `command.updated` event carries it. */
function updateOf(record: CommandRecord): EventData<typeof CommandUpdated> {
  const data: EventData<typeof CommandUpdated> = {
    commandId: record.id,
    stationId: record.stationId,
    operation: record.operation,
    status: record.status,
    at: record.updatedAt.toISOString(),
    attempts: record.attempts,
  }
  if (record.ocppVersion !== null) data.ocppVersion = record.ocppVersion
  if (record.messageId !== null) data.messageId = record.messageId
  if (record.response !== null) data.response = record.response
  if (record.errorCode !== null) data.error = { code: record.errorCode, message: record.errorMessage ?? '' }
  return data
}
