import type { Bus } from '@chargebus/bus'
import type { CommandStore } from '@chargebus/command-store'
import type { StationMessage } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { type CapabilityDiscoverySettings, startCapabilityDiscovery } from './capability-discovery.ts'
import { type CommandConsumerSettings, startCommandConsumer } from './command-consumer.ts'
import { type CommandDeliverySettings, createCommandDelivery } from './command-delivery.ts'
import { createCommandRecorder } from './command-recorder.ts'
import type { StationCaller } from './data-access/station-caller.ts'
import type { StationFacts } from './data-access/station-facts.ts'
import { createStationPresence } from './station-presence.ts'
import { createStationQueues, type StationQueueSettings } from './station-queues.ts'

export type DispatcherSettings = CommandConsumerSettings &
  CommandDeliverySettings &
  StationQueueSettings &
  CapabilityDiscoverySettings

export interface CommandDispatcherDeps {
  bus: Bus
  commands: CommandStore
  facts: StationFacts
  caller: StationCaller
  logger: Logger
  settings: DispatcherSettings
  clock: Clock
  /** One-time FTP credentials the dispatcher issues (GetDiagnostics, catalogued firmware). */
  grants: Pick<KV, 'create'>
}

/** The gateway's command dispatcher; see the README's Commands section. */
export interface CommandDispatcher {
  /** Ensures the COMMANDS stream and starts the durable consumer and capability discovery. */
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

/**
 * Sends commands to stations: the consumer takes `command.requested` from JetStream into per-station queues
 * (one call in flight per station, in stream order; different stations concurrently up to `concurrency`),
 * delivery makes each attempt, presence knows where stations are and wakes their queues when they are back,
 * and capability discovery asks Accepted stations for their configuration. A command is acked only after its
 * final status is recorded in `commands` and published as `command.updated`. At-most-once towards the
 * station: the row says `sent` (with the MessageID) before the call goes out, and a command found `sent` on
 * redelivery is failed as COMMAND_ERR_OUTCOME_UNKNOWN instead of being sent again.
 *
 * ### Examples
 * ```ts
 * const dispatcher = createCommandDispatcher({ bus, commands: createCommandStore(db), facts: createStationFacts(db), caller, logger, settings, clock })
 * await dispatcher.start()
 * app.addHook('preClose', () => dispatcher.stop())
 * ```
 */
export function createCommandDispatcher(deps: CommandDispatcherDeps): CommandDispatcher {
  const { bus, commands, facts, caller, clock, settings } = deps
  const logger = deps.logger.child({ component: 'command-dispatcher' })
  // One owner of "stopping": every part reads the signal, only `stop()` aborts it.
  const stopController = new AbortController()
  const stopping = stopController.signal
  // Set by `start()`: the JetStream consumer and the boot/firmware listeners.
  let consumer: { stop(): Promise<void> } | undefined
  let discovery: { stop(): void } | undefined
  let started = false

  const recorder = createCommandRecorder({ bus, commands, clock, logger, stopping })
  const presence = createStationPresence({ bus, facts, logger })
  const delivery = createCommandDelivery({
    commands,
    facts,
    caller,
    presence,
    recorder,
    clock,
    logger,
    stopping,
    settings,
    grants: deps.grants,
  })
  const queues = createStationQueues({
    clock,
    settings,
    logger,
    stopping,
    attempt: delivery.attempt,
    expire: (command) => recorder.expire(command.record),
    follow: (stationId) => presence.follow(stationId, noteStationMessage),
  })

  function noteStationMessage(message: StationMessage): void {
    if (!started || stopping.aborted) return
    try {
      presence.learn(message)
      queues.wake(message.stationId, message.messageId)
    } catch (err) {
      logger.error({ err }, 'station-message hook failed')
    }
  }

  return {
    async start() {
      consumer = await startCommandConsumer({
        bus,
        commands,
        recorder,
        queues,
        clock,
        logger,
        stopping,
        settings,
      })
      discovery = startCapabilityDiscovery({
        bus,
        facts,
        clock,
        logger,
        stopping,
        settings,
        onBoot: noteStationMessage,
      })
      started = true
    },

    async stop() {
      if (!stopping.aborted) {
        stopController.abort()
        discovery?.stop()
        queues.handBack()
      }
      await consumer?.stop()
    },

    noteStationMessage,

    stats: () => ({ ...queues.stats(), inFlight: delivery.inFlight() }),
  }
}
