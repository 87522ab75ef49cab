import type { Bus } from '@chargebus/bus'
import { OcppMessageReceived, type StationMessage } from '@chargebus/events'
import type { OcppVersion } from '@chargebus/ocpp'
import type { Logger } from 'pino'
import type { StationTarget } from './data-access/station-caller.ts'
import type { StationFacts } from './data-access/station-facts.ts'

const ENDPOINTS_MAX = 100_000

/** Where stations are: what their messages say, on this replica or any other. */
export interface StationPresence {
  /** Learns the station's address (`wsa:From`) and OCPP version from one of its messages. */
  learn(message: StationMessage): void
  /** Where to call the station: the newest address it sent, else the one ingest recorded; undefined if none. */
  target(stationId: string): Promise<StationTarget | undefined>
  /**
   * Follows the station's messages stored by any gateway replica (`bus.listen`, live, not durable) until the
   * returned function is called. A message missed while NATS reconnects only means waiting for a retry.
   */
  follow(stationId: string, onMessage: (message: StationMessage) => void): () => void
}

/**
 * ### Examples
 * ```ts
 * const presence = createStationPresence({ bus, facts, logger })
 * presence.learn(message) // wsa:From http://10.0.0.7:8080/ocpp, 1.6
 * await presence.target('CP-1') // { stationId: 'CP-1', endpointUrl: 'http://10.0.0.7:8080/ocpp', ocppVersion: '1.6' }
 * ```
 */
export function createStationPresence(deps: {
  bus: Bus
  facts: StationFacts
  logger: Logger
}): StationPresence {
  const { bus, facts, logger: log } = deps
  // Only addresses the gateway was given by trusted stations (`from` is set for those alone), and at most
  // ENDPOINTS_MAX of them: the least recently heard go first (ingest's stations table still has them).
  const endpoints = new Map<string, { url: string; version: OcppVersion }>()

  return {
    learn(message) {
      const url = message.from ?? endpoints.get(message.stationId)?.url
      if (url === undefined) return
      endpoints.delete(message.stationId)
      endpoints.set(message.stationId, { url, version: message.ocppVersion })
      if (endpoints.size > ENDPOINTS_MAX) endpoints.delete(endpoints.keys().next().value as string)
    },

    async target(stationId) {
      const known = endpoints.get(stationId)
      if (known !== undefined) return { stationId, endpointUrl: known.url, ocppVersion: known.version }
      const row = await facts.findStation(stationId)
      const url = row?.endpointUrl ?? undefined
      if (url === undefined) return undefined
      return { stationId, endpointUrl: url, ocppVersion: row?.ocppVersion ?? '1.6' }
    },

    follow(stationId, onMessage) {
      try {
        return bus.listen(OcppMessageReceived, { station: stationId }, onMessage)
      } catch (err) {
        log.warn({ err, station: stationId }, 'cannot follow the station through NATS; retries only')
        return () => {}
      }
    },
  }
}
