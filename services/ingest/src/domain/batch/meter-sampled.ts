import { type EventData, METER_SAMPLED_MAX_READINGS as MAX_READINGS, MeterSampled } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import { isImportRegister, type MeterSample } from './meter-sample.ts'

/**
 * The `meter.sampled` events of one MeterValues message, or of a StopTransaction's transactionData: its energy
 * register readings in Wh, when the message names a session and has any. The aggregator spreads a session's
 * energy over time buckets with them.
 *
 * Unlike the change events, it is emitted for every such message, also a repeated one: ingest cannot tell in
 * its pure step whether the samples' rows were new (they are inserted with ON CONFLICT DO NOTHING). The msgId
 * (`meter.sampled:<station>/<messageId>`) dedupes repeats inside the bus's duplicate window, and the
 * aggregator's merge makes a later one a no-op.
 */
export function meterSampledEvents(samples: readonly MeterSample[]): DomainEvent[] {
  const readings = samples.filter(isImportRegister)
  const first = readings[0]
  if (first === undefined || first.transactionId === null) return []
  const events: DomainEvent[] = []
  // a day of minute samples in one StopTransaction is over the event's limit: one event per MAX_READINGS
  for (let i = 0; i < readings.length; i += MAX_READINGS) {
    const data: EventData<typeof MeterSampled> = {
      stationId: first.stationId,
      connectorId: first.connectorId,
      transactionId: first.transactionId,
      readings: readings
        .slice(i, i + MAX_READINGS)
        .map((r) => ({ at: r.sampledAt, registerWh: Number(r.value) })),
      sourceMessageId: first.sourceMessageId,
    }
    const part = i === 0 ? '' : `#${i / MAX_READINGS}`
    events.push(domainEvent(MeterSampled, data, `${first.stationId}/${first.sourceMessageId}${part}`))
  }
  return events
}
