import { StationClockSkewed } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import type { TypedStationMessage } from '../typed-station-message.ts'
import type { StationState } from './batch-state.ts'

/**
 * The station's clock skew measured by a StatusNotification timestamp, when newer than the stored
 * measurement; station.clock_skewed when it crosses `thresholdMs` (not again while it stays beyond).
 */
export function applySkew(
  s: StationState,
  m: TypedStationMessage,
  stationTimestamp: string,
  thresholdMs: number,
  events: DomainEvent[],
): boolean {
  if (s.clockSkewAt !== null && m.receivedMs <= s.clockSkewAt.getTime()) return false
  const skew = Date.parse(stationTimestamp) - m.receivedMs
  const previous = s.clockSkewMs ?? undefined
  s.clockSkewMs = skew
  s.clockSkewAt = new Date(m.receivedMs)
  const beyond = (v: number | undefined) => v !== undefined && Math.abs(v) > thresholdMs
  if (beyond(skew) && !beyond(previous)) {
    events.push(
      domainEvent(
        StationClockSkewed,
        {
          stationId: s.id,
          skewMs: skew,
          thresholdMs,
          stationTimestamp,
          receivedAt: m.receivedAt,
          sourceMessageId: m.messageId,
        },
        `${s.id}/${m.messageId}`,
      ),
    )
  }
  return true
}
