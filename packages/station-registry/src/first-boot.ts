import type { KV } from '@nats-io/kv'
import type { Logger } from 'pino'
import { kvKey } from './keys.ts'
import type { StationRecord } from './records.ts'
import { isRevisionConflict } from './revision-conflict.ts'

/**
 * Records a station the gateway has no record of, at its first BootNotification, so an operator can decide
 * on it (under known-only it waits as Pending/Rejected; under accept-all it is recorded as Accepted). Uses
 * KV `create`, which never overwrites: an operator's concurrent decision, or another replica's record, wins.
 * Not awaited by the request (the boot message itself is already durable in the journal).
 */
export function createFirstBootRecorder(kv: KV, logger: Logger) {
  const inFlight = new Set<string>()
  return {
    recordFirstBoot(stationId: string, status: StationRecord['registrationStatus'], now: string): void {
      const key = kvKey(stationId)
      if (inFlight.has(key)) return
      inFlight.add(key)
      const record: StationRecord = {
        registrationStatus: status,
        firstSeenAt: now,
        updatedAt: now,
        source: 'gateway',
      }
      kv.create(key, JSON.stringify(record))
        .catch((err: unknown) => {
          // A record exists already: fine, ours was never needed.
          if (!isRevisionConflict(err)) logger.warn({ err, stationId }, 'cannot record the station in KV')
        })
        .finally(() => inFlight.delete(key))
    },
  }
}

export type FirstBootRecorder = ReturnType<typeof createFirstBootRecorder>
