import type { Database, Transaction } from '@chargebus/db'
import { addToCells } from './data-access/aggregates-store.ts'
import {
  type ConnectorRecordRow,
  type ConnectorRecordWindow,
  type ConnectorRow,
  lockConnectors,
  lockSessions,
  readConnectorRecords,
  saveConnectors,
  saveSessions,
  stationZones,
} from './data-access/entities-store.ts'
import type { Bucketing } from './domain/buckets.ts'
import { resolveTimeZone } from './domain/buckets.ts'
import { type CellRow, cellRows } from './domain/cell-rows.ts'
import { connectorFactsOf } from './domain/connector-rollup.ts'
import {
  applyInputs,
  type ConnectorEntity,
  type ConnectorInput,
  connectorEntityDelta,
  connectorRecordWindows,
  mergeConnectorInput,
  mergeSessionInput,
  type SessionEntity,
  type SessionInput,
  sessionEntityContribution,
  sumTallies,
} from './domain/entities.ts'
import { contributionDelta } from './domain/incremental.ts'
import type { Tally } from './domain/tally.ts'
import {
  type ConnectorKey,
  connectorKeyId,
  type EntityInput,
  type SessionKey,
  sessionKeyId,
} from './event-inputs.ts'

export interface ApplyContext {
  /** AGGREGATOR_TIME_ZONE: local buckets of stations without their own zone. */
  readonly networkZone: string
  readonly bucketingsOf: (zone: string) => readonly Bucketing[]
  /** Connector time is booked up to this instant (the applier's horizon: see `createApplier`). */
  readonly bookTo: number
  /** A station's zone that is not an IANA name: its local buckets fall back to the network zone. */
  readonly onInvalidZone: (stationId: string, zone: string) => void
}

export interface Applied {
  /** Entities whose facts changed (0 when the whole batch was duplicates). */
  readonly entitiesChanged: number
  /** The cells changed, with the value added to each. */
  readonly rows: readonly CellRow[]
}

/**
 * The zone of each station's local buckets: its own (`stations.time_zone`), else the network's; a name that is not
 * an IANA zone is reported and replaced by the network's. Resolved once per station (luxon builds an Intl
 * formatter to check a name: not free).
 */
export function zoneResolver(
  own: ReadonlyMap<string, string | null>,
  ctx: Pick<ApplyContext, 'networkZone' | 'onInvalidZone'>,
): (stationId: string) => string {
  const zones = new Map<string, string>()
  return (stationId) => {
    let resolved = zones.get(stationId)
    if (resolved !== undefined) return resolved
    const zone = own.get(stationId) ?? null
    try {
      resolved = resolveTimeZone(ctx.networkZone, zone)
    } catch {
      ctx.onInvalidZone(stationId, zone ?? '')
      resolved = ctx.networkZone
    }
    zones.set(stationId, resolved)
    return resolved
  }
}

/**
 * One step of the incremental rule for a batch, inside the caller's transaction: lock the entities' facts rows (and
 * read a connector's records around what its inputs change), merge every input, add the delta
 * contribution(after) - contribution(before) to the cells, save the facts.
 * A duplicate merges to the same facts and adds nothing, so the batch is idempotent by construction.
 * Connector inputs without a record only advance the booked window to `bookTo` (the timer's work).
 */
export async function applyEntityInputs(
  trx: Transaction<Database>,
  inputs: readonly EntityInput[],
  advance: readonly ConnectorKey[],
  ctx: ApplyContext,
): Promise<Applied> {
  const sessionInputs = new Map<string, { key: SessionKey; inputs: Omit<SessionInput, 'timeZone'>[] }>()
  const connectorInputs = new Map<
    string,
    { key: ConnectorKey; inputs: Omit<ConnectorInput, 'timeZone' | 'to'>[] }
  >()
  for (const i of inputs) {
    if (i.kind === 'session') {
      const id = sessionKeyId(i.key)
      const group = sessionInputs.get(id) ?? { key: i.key, inputs: [] }
      group.inputs.push(i.input)
      sessionInputs.set(id, group)
    } else {
      const id = connectorKeyId(i.key)
      const group = connectorInputs.get(id) ?? { key: i.key, inputs: [] }
      group.inputs.push(i.input)
      connectorInputs.set(id, group)
    }
  }
  for (const key of advance) {
    const id = connectorKeyId(key)
    if (!connectorInputs.has(id)) connectorInputs.set(id, { key, inputs: [{}] })
  }

  const stationIds = new Set<string>()
  for (const { key } of sessionInputs.values()) stationIds.add(key.stationId)
  for (const { key } of connectorInputs.values()) stationIds.add(key.stationId)
  const zoneOf = zoneResolver(await stationZones(trx, [...stationIds].sort()), ctx)

  const deltas: Tally[] = []
  let entitiesChanged = 0

  const sessions = await lockSessions(
    trx,
    [...sessionInputs.values()].map((g) => g.key),
    zoneOf,
  )
  const changedSessions: SessionEntity[] = []
  for (const [id, group] of sessionInputs) {
    const entity = sessions.get(id)
    if (entity === undefined) continue
    const timeZone = zoneOf(group.key.stationId)
    const step = applyInputs(
      entity,
      group.inputs.map((i) => ({ ...i, timeZone })),
      mergeSessionInput,
      contributionDelta((e: SessionEntity) => sessionEntityContribution(e, ctx.bucketingsOf)),
    )
    if (step.changed) changedSessions.push(step.entity)
    deltas.push(step.delta)
  }

  const connectorRows = await lockConnectors(
    trx,
    [...connectorInputs.values()].map((g) => g.key),
    zoneOf,
  )
  const steps: { key: ConnectorKey; row: ConnectorRow; inputs: ConnectorInput[] }[] = []
  const windows: ConnectorRecordWindow[] = []
  for (const [id, group] of connectorInputs) {
    const row = connectorRows.get(id)
    if (row === undefined) continue
    const timeZone = zoneOf(group.key.stationId)
    const inputs = group.inputs.map((i) => ({ ...i, timeZone, to: ctx.bookTo }))
    steps.push({ key: group.key, row, inputs })
    for (const window of connectorRecordWindows(row, inputs)) windows.push({ key: group.key, window })
  }
  const stored = await readConnectorRecords(trx, windows)
  const changedConnectors: ConnectorRow[] = []
  const newRecords: ConnectorRecordRow[] = []
  for (const { key, row, inputs } of steps) {
    const before: ConnectorEntity = {
      ...row,
      records: connectorFactsOf(stored.get(connectorKeyId(key)) ?? []),
    }
    const step = applyInputs(before, inputs, mergeConnectorInput, (b, a) =>
      connectorEntityDelta(b, a, ctx.bucketingsOf),
    )
    if (step.changed) {
      const { records, ...changed } = step.entity
      changedConnectors.push(changed)
      for (const [id, record] of records) if (!before.records.has(id)) newRecords.push({ key, record })
    }
    deltas.push(step.delta)
  }

  await saveSessions(trx, changedSessions)
  await saveConnectors(trx, changedConnectors, newRecords)
  entitiesChanged = changedSessions.length + changedConnectors.length
  const rows = cellRows(sumTallies(deltas))
  await addToCells(trx, rows)
  return { entitiesChanged, rows }
}
