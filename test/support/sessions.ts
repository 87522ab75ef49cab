import type { Bus } from '@chargebus/bus'
import { MeterSampled, SessionCompleted, SessionStarted } from '@chargebus/events'

const H = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

export interface TestSession {
  stationId: string
  connectorId: number
  transactionId: number
  idTag: string
  /** Epoch ms; the session lasts 2 h 5 min, with a sample after 1 h and 2 h. */
  startedAt: number
  /** Added to the registers and the energy, so sessions differ (1000 Wh at start, 9000 + extraWh charged). */
  extraWh: number
}

/**
 * Publishes one session's domain events as ingest does: started, meter sampled (two readings an hour apart),
 * completed. The msg ids derive from the transaction id. Returns when the session stopped (epoch ms).
 */
export async function publishSession(bus: Pick<Bus, 'publish'>, s: TestSession): Promise<number> {
  const { stationId, connectorId, transactionId, startedAt, extraWh } = s
  const stoppedAt = startedAt + 2 * H + 5 * 60_000
  const base = { stationId, connectorId, transactionId }
  const start = { ...base, idTag: s.idTag, meterStartWh: 1000, startedAt: iso(startedAt) }
  const id = (kind: string) => `${kind}${stationId}-${transactionId}`
  await bus.publish(SessionStarted, { ...start, sourceMessageId: id('s') }, { msgId: id('s') })
  const readings = [
    { at: iso(startedAt + H), registerWh: 5000 + extraWh },
    { at: iso(startedAt + 2 * H), registerWh: 9000 + extraWh },
  ]
  await bus.publish(MeterSampled, { ...base, readings, sourceMessageId: id('m') }, { msgId: id('m') })
  const completed = {
    ...start,
    stoppedAt: iso(stoppedAt),
    meterStopWh: 10_000 + extraWh,
    energyWh: 9000 + extraWh,
    durationS: (stoppedAt - startedAt) / 1000,
    sourceMessageId: id('c'),
  }
  await bus.publish(SessionCompleted, completed, { msgId: id('c') })
  return stoppedAt
}
