import type { TypedStationMessage } from '../typed-station-message.ts'
import { connectorKey } from './batch-state.ts'
import { startedTransactionId } from './transaction.ts'

/** A connector of a station, named by its ids. */
export interface ConnectorRef {
  stationId: string
  connectorId: number
}

/** What a batch needs loaded (and locked) before `applyBatch`: ids sorted so concurrent batches lock in one order. */
export interface BatchNeeds {
  stationIds: string[]
  /** Connectors with a StatusNotification: created as placeholders when missing. */
  statusConnectors: ConnectorRef[]
  /** Every connector the batch reads (status and meter register). */
  connectors: ConnectorRef[]
  /** Transactions started or stopped in the batch (ids > 0), created as placeholders when missing. */
  transactions: Array<{ id: number; stationId: string }>
}

/** Drops repeated messages (same station and messageId: a redelivery inside one batch). */
export function dedupeMessages(messages: readonly TypedStationMessage[]): TypedStationMessage[] {
  const seen = new Set<string>()
  return messages.filter((m) => {
    const key = `${m.stationId}\n${m.messageId}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * The stations, connectors and transactions a batch touches. Throws `InvalidStationMessage` for a
 * StartTransaction without the transaction id the gateway answered.
 *
 * ### Examples
 * ```ts
 * needsOf([status('CP-B', 2), meterValues('CP-A', 1)]).connectors
 * // [{ stationId: 'CP-A', connectorId: 1 }, { stationId: 'CP-B', connectorId: 2 }]
 * ```
 */
export function needsOf(messages: readonly TypedStationMessage[]): BatchNeeds {
  const stations = new Set<string>()
  const statusConnectors = new Map<string, ConnectorRef>()
  const connectors = new Map<string, ConnectorRef>()
  const transactions = new Map<number, { id: number; stationId: string }>()
  for (const m of messages) {
    stations.add(m.stationId)
    if (m.action === 'StatusNotification') {
      const c = { stationId: m.stationId, connectorId: m.request.connectorId }
      statusConnectors.set(connectorKey(c.stationId, c.connectorId), c)
      connectors.set(connectorKey(c.stationId, c.connectorId), c)
    } else if (m.action === 'MeterValues') {
      const c = { stationId: m.stationId, connectorId: m.request.connectorId }
      connectors.set(connectorKey(c.stationId, c.connectorId), c)
    } else if (m.action === 'StartTransaction') {
      const id = startedTransactionId(m)
      if (!transactions.has(id)) transactions.set(id, { id, stationId: m.stationId })
    } else if (m.action === 'StopTransaction') {
      const id = m.request.transactionId
      if (id > 0 && !transactions.has(id)) transactions.set(id, { id, stationId: m.stationId })
    }
  }
  const byConnector = (a: ConnectorRef, b: ConnectorRef) =>
    compare(a.stationId, b.stationId) || a.connectorId - b.connectorId
  return {
    stationIds: [...stations].sort(compare),
    statusConnectors: [...statusConnectors.values()].sort(byConnector),
    connectors: [...connectors.values()].sort(byConnector),
    transactions: [...transactions.values()].sort((a, b) => a.id - b.id),
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
