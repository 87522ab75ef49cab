import { type EventData, MeterSampled } from '@chargebus/events'
import { type DomainEvent, domainEvent } from '../domain-event.ts'
import { isImportRegister, type MeterSample } from './meter-sample.ts'

/**
 * The `meter.sampled` event of one MeterValues message: its energy register readings in Wh, when the message
 * names a session and has any. The aggregator spreads a session's energy over time buckets with them.
 *
 * Unlike the change events, it is emitted for every such message, also a repeated one: ingest cannot tell in
 * its pure step whether the samples' rows were new (they are inserted with ON CONFLICT DO NOTHING). The msgId
 * (`meter.sampled:<station>/<messageId>`) dedupes repeats inside the bus's duplicate window, and the
 * aggregator's merge makes a later one a no-op.
 */
export function meterSampledEvent(samples: readonly MeterSample[]): DomainEvent | undefined {
  const readings = samples.filter(isImportRegister)
  const first = readings[0]
  if (first === undefined || first.transactionId === null) return undefined
  const data: EventData<typeof MeterSampled> = {
    stationId: first.stationId,
    connectorId: first.connectorId,
    transactionId: first.transactionId,
    readings: readings.map((r) => ({ at: r.sampledAt, registerWh: Number(r.value) })),
    sourceMessageId: first.sourceMessageId,
  }
  return domainEvent(MeterSampled, data, `${first.stationId}/${first.sourceMessageId}`)
}
