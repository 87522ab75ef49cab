import type { Bus, ReceivedEvent } from '@chargebus/bus'
import { type CommandStore, isTerminal } from '@chargebus/command-store'
import { CommandRequested, Streams } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import type { CommandRecorder } from './command-recorder.ts'
import { DispatcherStopping } from './domain/command-errors.ts'
import type { StationQueues } from './station-queues.ts'

/** The durable consumer of command requests (`cmd.*.*`) on the COMMANDS stream. */
export const COMMANDS_DURABLE = 'ocpp-gateway-commands'

export interface CommandConsumerSettings {
  /** Command messages held at once (bus `maxInFlight` and the consumer's max ack pending). */
  maxPending: number
  ackWaitMs: number
  /** Expiry of commands requested without one. */
  defaultTtlMs: number
}

/**
 * Ensures the COMMANDS stream and consumes `command.requested` with one durable consumer. A request is
 * recorded in `commands` (its row is the idempotency record) and held in its station's queue; the message is
 * acked once the command is done with (its final status recorded and published) and nak'ed when it is handed
 * back on shutdown. Held messages are kept alive (`working()` every third of the ack wait). Redeliveries: a
 * command still held here keeps its place; one already final is published again (the bus stores it once); one
 * found `sent` is failed as COMMAND_ERR_OUTCOME_UNKNOWN, never sent again (at most once). `stop()` resolves
 * once every handler has returned.
 *
 * ### Examples
 * ```ts
 * const consumer = await startCommandConsumer({ bus, commands, recorder, queues, clock, logger, stopping, settings })
 * await consumer.stop()
 * ```
 */
export async function startCommandConsumer(deps: {
  bus: Bus
  commands: CommandStore
  recorder: CommandRecorder
  queues: StationQueues
  clock: Clock
  logger: Logger
  /** Aborted when the dispatcher stops: requests still arriving are handed back. */
  stopping: AbortSignal
  settings: CommandConsumerSettings
}): Promise<{ stop(): Promise<void> }> {
  const { bus, commands, recorder, queues, clock, logger: log, stopping, settings } = deps

  async function handle(event: ReceivedEvent<typeof CommandRequested>): Promise<void> {
    if (stopping.aborted) throw new DispatcherStopping()
    const cmd = event.data
    const already = queues.get(cmd.commandId)
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
    if (isTerminal(record.status)) {
      // Finished before (the ack was lost, or the result event was not published yet): publish it again;
      // the bus stores it once.
      await recorder.publish(record)
      return
    }
    if (record.status === 'sent') {
      // We sent it and stopped before recording the answer: the station may have acted. Never resend.
      const failed = await commands.finish(record.id, {
        operation: record.operation,
        status: 'failed',
        at: clock(),
        from: 'sent',
        error: {
          code: 'COMMAND_ERR_OUTCOME_UNKNOWN',
          message: `sent as ${record.messageId ?? '?'} before a restart; the answer was not recorded, so it is not sent again`,
        },
      })
      const final = failed ?? (await commands.get(record.id))
      if (final) await recorder.publish(final)
      return
    }
    return queues.hold(record, cmd.payload, record.streamSeq ?? event.seq, event.working)
  }

  await bus.ensureStreams([Streams.COMMANDS])
  const consumption = await bus.consume({
    stream: Streams.COMMANDS,
    durable: COMMANDS_DURABLE,
    events: CommandRequested,
    handler: handle,
    maxInFlight: settings.maxPending,
    maxAckPending: settings.maxPending,
    ackWaitMs: settings.ackWaitMs,
    // Handing commands back on shutdown is a delivery too: never dead-letter for that.
    maxDeliver: 1000,
    // Commands are at most once: replaying one would send it to the station again.
    replayLane: false,
    backoffMs: [250, 1000, 5000],
  })
  const keepAlive = setInterval(
    () => {
      for (const command of queues.held()) command.working()
    },
    Math.max(Math.floor(settings.ackWaitMs / 3), 100),
  )
  return {
    async stop() {
      await consumption.stop()
      clearInterval(keepAlive)
    },
  }
}
