import { randomUUID } from 'node:crypto'
import type { Bus } from '@chargebus/bus'
import { CommandRequested, commandMsgId, OcppMessageReceived, type StationMessage } from '@chargebus/events'
import type { Clock } from '@chargebus/platform'
import type { Logger } from 'pino'
import type { StationFacts } from './data-access/station-facts.ts'
import { discoveryCommand, needsDiscovery } from './domain/capabilities.ts'

export interface CapabilityDiscoverySettings {
  /** Delay before GetConfiguration after an Accepted boot; negative turns discovery off. */
  capabilitiesDelayMs: number
  /** Capabilities younger than this are not asked for again at a boot (0: ask at every boot). */
  capabilitiesMaxAgeMs: number
}

/**
 * Every BootNotification any replica stores is passed to `onBoot` (the station is there, at this address);
 * an Accepted one that came with a trusted callback address is followed, `capabilitiesDelayMs` later, by a GetConfiguration command when
 * `needsDiscovery` says the station's capabilities are unknown or stale. A FirmwareStatusNotification
 * `Installed` marks them stale, so the boot after a firmware update asks again. The answer is stored by
 * delivery (`station_capabilities`). Listens (`bus.listen`) until `stop()`, which also drops discoveries not
 * queued yet (the next boot asks again).
 *
 * ### Examples
 * ```ts
 * const discovery = startCapabilityDiscovery({ bus, facts, clock, logger, stopping, settings, onBoot: noteStationMessage })
 * discovery.stop()
 * ```
 */
export function startCapabilityDiscovery(deps: {
  bus: Bus
  facts: StationFacts
  clock: Clock
  logger: Logger
  /** Aborted when the dispatcher stops. */
  stopping: AbortSignal
  settings: CapabilityDiscoverySettings
  onBoot: (message: StationMessage) => void
}): { stop(): void } {
  const { bus, facts, clock, logger: log, stopping, settings, onBoot } = deps
  const timers = new Set<NodeJS.Timeout>()

  function noteBoot(message: StationMessage): void {
    onBoot(message)
    const status = (message.response as { status?: unknown } | undefined)?.status
    // Only a station trusted with a callback address (authenticated, Accepted) is asked: unauthenticated boots
    // of made-up identities must not fill the COMMANDS stream with discovery commands.
    if (status === 'Accepted' && message.from !== undefined && !stopping.aborted) schedule(message)
  }

  /** A firmware installed (any replica): what the station supports may have changed. */
  function noteFirmware(message: StationMessage): void {
    const payload = (message.normalizedPayload ?? message.payload) as { status?: unknown }
    if (payload.status !== 'Installed' || stopping.aborted) return
    void facts
      .markCapabilitiesStale(message.stationId)
      .catch((err: unknown) =>
        log.warn(
          { err, station: message.stationId },
          'could not mark capabilities stale after a firmware update',
        ),
      )
  }

  function schedule(boot: StationMessage): void {
    if (settings.capabilitiesDelayMs < 0) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      void request(boot).catch((err: unknown) =>
        log.warn({ err, station: boot.stationId }, 'could not queue GetConfiguration after boot'),
      )
    }, settings.capabilitiesDelayMs)
    timers.add(timer)
  }

  async function request(boot: StationMessage): Promise<void> {
    const now = clock()
    const known = await facts.capabilitiesLearned(boot.stationId)
    if (!needsDiscovery(known, boot, now, settings.capabilitiesMaxAgeMs)) {
      log.debug({ station: boot.stationId }, 'capabilities known and fresh: no GetConfiguration')
      return
    }
    const cmd = discoveryCommand(boot, now, randomUUID())
    await bus.publish(CommandRequested, cmd, {
      msgId: commandMsgId(cmd.stationId, cmd.idempotencyKey, cmd.commandId),
    })
  }

  const stopListening = [
    bus.listen(OcppMessageReceived, { action: 'BootNotification' }, noteBoot),
    bus.listen(OcppMessageReceived, { action: 'FirmwareStatusNotification' }, noteFirmware),
  ]
  return {
    stop() {
      for (const stop of stopListening) stop()
      for (const t of timers) clearTimeout(t)
      timers.clear()
    },
  }
}
