import { type EventData, MeterRegisterDecreased } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import type { ConnectorState } from './batch-state.ts'
import { isImportRegister, type MeterSample } from './meter-sample.ts'

/**
 * Tracks the connector's newest import register reading; a newer reading below it is a data-quality event
 * (meter.register_decreased). Readings older than the stored one are not compared.
 */
export function applyRegister(
  c: ConnectorState,
  samples: readonly MeterSample[],
  events: DomainEvent[],
): boolean {
  let changed = false
  const readings = samples
    .filter(isImportRegister)
    .sort((a, b) => Date.parse(a.sampledAt) - Date.parse(b.sampledAt))
  for (const r of readings) {
    const at = Date.parse(r.sampledAt)
    if (c.meterRegisterAt !== null && at <= c.meterRegisterAt.getTime()) continue
    const value = Number(r.value)
    if (c.meterRegisterWh !== null && c.meterRegisterAt !== null && value < Number(c.meterRegisterWh)) {
      const data: EventData<typeof MeterRegisterDecreased> = {
        stationId: c.stationId,
        connectorId: c.connectorId,
        previousWh: Number(c.meterRegisterWh),
        previousAt: c.meterRegisterAt.toISOString(),
        currentWh: value,
        currentAt: r.sampledAt,
        source: 'meter-values',
        sourceMessageId: r.sourceMessageId,
      }
      if (r.transactionId !== null) data.transactionId = r.transactionId
      events.push(
        domainEvent(MeterRegisterDecreased, data, `${c.stationId}/${r.sourceMessageId}/${r.sampleIndex}`),
      )
    }
    c.meterRegisterWh = r.value
    c.meterRegisterAt = new Date(at)
    changed = true
  }
  return changed
}
