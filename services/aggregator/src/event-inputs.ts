import type {
  ConnectorStatusChanged,
  ConnectorStatusRecorded,
  EventData,
  MeterSampled,
  SessionCompleted,
  SessionStarted,
} from '@chargebus/events'
import type { ConnectorInput, SessionInput } from './domain/entities.ts'
import { toInstant } from './domain/instant.ts'

/** The domain events the aggregator folds into rollups. */
export type AggregatedEvent =
  | { readonly name: 'session.started'; readonly data: EventData<typeof SessionStarted> }
  | { readonly name: 'session.completed'; readonly data: EventData<typeof SessionCompleted> }
  | { readonly name: 'meter.sampled'; readonly data: EventData<typeof MeterSampled> }
  | { readonly name: 'connector.status_changed'; readonly data: EventData<typeof ConnectorStatusChanged> }
  | { readonly name: 'connector.status_recorded'; readonly data: EventData<typeof ConnectorStatusRecorded> }

export type EntityInput =
  | { readonly kind: 'session'; readonly key: SessionKey; readonly input: Omit<SessionInput, 'timeZone'> }
  | {
      readonly kind: 'connector'
      readonly key: ConnectorKey
      readonly input: Omit<ConnectorInput, 'timeZone' | 'to'>
    }

export interface SessionKey {
  readonly stationId: string
  readonly transactionId: number
}
export interface ConnectorKey {
  readonly stationId: string
  readonly connectorId: number
}

/** A key as one string (map keys, lock order). */
export const sessionKeyId = (k: SessionKey): string => `${k.stationId}\u0000${k.transactionId}`
export const connectorKeyId = (k: ConnectorKey): string => `${k.stationId}\u0000${k.connectorId}`

/**
 * What one event teaches, and about which entity. `session.completed` carries the start too (a completion can
 * arrive before, or without, its `session.started`).
 */
export function entityInputOf(event: AggregatedEvent): EntityInput {
  switch (event.name) {
    case 'session.started': {
      const e = event.data
      return {
        kind: 'session',
        key: { stationId: e.stationId, transactionId: e.transactionId },
        input: {
          facts: [{ kind: 'start', startedAt: toInstant(e.startedAt), meterStartWh: e.meterStartWh }],
          connectorId: e.connectorId,
          idTag: e.idTag,
        },
      }
    }
    case 'session.completed': {
      const e = event.data
      return {
        kind: 'session',
        key: { stationId: e.stationId, transactionId: e.transactionId },
        input: {
          facts: [
            { kind: 'start', startedAt: toInstant(e.startedAt), meterStartWh: e.meterStartWh },
            { kind: 'stop', stoppedAt: toInstant(e.stoppedAt), meterStopWh: e.meterStopWh },
          ],
          connectorId: e.connectorId,
          idTag: e.idTag,
        },
      }
    }
    case 'meter.sampled': {
      const e = event.data
      return {
        kind: 'session',
        key: { stationId: e.stationId, transactionId: e.transactionId },
        input: {
          facts: e.readings.map((r) => ({ kind: 'sample', at: toInstant(r.at), registerWh: r.registerWh })),
          connectorId: e.connectorId,
        },
      }
    }
    // Both name the same record (a set keyed by its content): a status seen as changed AND recorded merges once.
    case 'connector.status_changed':
    case 'connector.status_recorded': {
      const e = event.data
      return {
        kind: 'connector',
        key: { stationId: e.stationId, connectorId: e.connectorId },
        input: {
          record: {
            at: toInstant(e.statusAt),
            status: e.status,
            errorCode: e.errorCode,
            vendorErrorCode: e.vendorErrorCode,
          },
        },
      }
    }
  }
}

/**
 * The newest instant a batch's inputs name (a status, a start, a stop, a reading); -Infinity for none. The
 * aggregator books connector time no further than the newest instant it has seen while it is behind.
 */
export function newestInstant(inputs: readonly EntityInput[]): number {
  let newest = Number.NEGATIVE_INFINITY
  for (const i of inputs) {
    if (i.kind === 'connector') {
      if (i.input.record) newest = Math.max(newest, i.input.record.at)
      continue
    }
    for (const f of i.input.facts)
      newest = Math.max(newest, f.kind === 'start' ? f.startedAt : f.kind === 'stop' ? f.stoppedAt : f.at)
  }
  return newest
}
