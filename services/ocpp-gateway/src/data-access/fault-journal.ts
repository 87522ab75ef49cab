import { randomUUID } from 'node:crypto'
import type { Bus } from '@chargebus/bus'
import { type EventData, OcppRequestFaulted } from '@chargebus/events'
import { createFailureThrottle } from '@chargebus/platform'
import type { Logger } from 'pino'

export type JournaledFault = EventData<typeof OcppRequestFaulted>

/** `journaled`: stored; `rate_limited`: over the station's budget, not stored; `failed`: the publish failed. */
export type FaultJournalOutcome = 'journaled' | 'rate_limited' | 'failed'

/**
 * The journal of faults answered to authenticated stations (`ocpp.fault.<version>.<station>.<action>` in
 * OCPP_IN), beside the journal of what was stored: an operator sees why a station's messages do not arrive.
 * Best effort by design: `record` returns at once and never throws, so the fault a station gets is neither
 * delayed nor changed; a station past its budget (`perStationPerMinute`) is counted, not journaled.
 */
export interface FaultJournal {
  record(fault: JournaledFault): void
}

/** Stations whose budget is tracked at once (the least recently faulting are forgotten past it). */
const STATIONS_TRACKED = 10_000

export function createFaultJournal(deps: {
  bus: Pick<Bus, 'publish'>
  /** Faults journaled per station per minute; 0 turns the journal off. */
  perStationPerMinute: number
  publishTimeoutMs: number
  logger: Logger
  count: (outcome: FaultJournalOutcome) => void
}): FaultJournal {
  const { bus, perStationPerMinute, publishTimeoutMs, logger, count } = deps
  const budget = createFailureThrottle({
    maxFailures: Math.max(1, perStationPerMinute),
    windowMs: 60_000,
    maxKeys: STATIONS_TRACKED,
  })
  return {
    record(fault) {
      if (perStationPerMinute === 0) return
      if (!budget.check(fault.stationId).allowed) {
        count('rate_limited')
        return
      }
      budget.fail(fault.stationId)
      // A retried faulty request (same MessageID) is journaled once.
      const msgId = `fault:${fault.stationId}/${fault.messageId ?? randomUUID()}`
      bus.publish(OcppRequestFaulted, fault, { msgId, timeoutMs: publishTimeoutMs }).then(
        () => count('journaled'),
        (err: unknown) => {
          count('failed')
          logger.debug({ err, station: fault.stationId }, 'fault not journaled')
        },
      )
    },
  }
}
