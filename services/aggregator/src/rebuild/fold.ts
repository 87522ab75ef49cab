import type { Bucketing } from '../domain/buckets.ts'
import { type CellRow, cellRowsInAnyOrder } from '../domain/cell-rows.ts'
import type { StatusRecord } from '../domain/connector-time.ts'
import {
  type ConnectorEntity,
  connectorEntityContribution,
  connectorEntityOf,
  type SessionEntity,
  type SessionInput,
  sessionEntityContribution,
  sessionEntityOf,
} from '../domain/entities.ts'
import type { Instant } from '../domain/instant.ts'
import { addInto } from '../domain/tally.ts'
import {
  type ConnectorKey,
  connectorKeyId,
  type EntityInput,
  type SessionKey,
  sessionKeyId,
} from '../event-inputs.ts'

/*
 * A rebuild folds the log in memory: every entity's inputs are gathered (a push per event), each entity is
 * built once from all of them, and the rollups are the sum of the final entities' contributions, written once.
 * The incremental rule telescopes to exactly this sum (see `applyEvent`), so a rebuild equals the live cells
 * without replaying the live path's per-batch deltas and upserts (a property test checks the three agree).
 */

/** One station's inputs, gathered per entity. */
export interface StationHistory {
  readonly sessions: Map<string, { key: SessionKey; inputs: Omit<SessionInput, 'timeZone'>[] }>
  readonly connectors: Map<string, { key: ConnectorKey; records: StatusRecord[] }>
}

/** The history by station: a station's cells (connector cells and its totals) come from its entities only. */
export type HistoryFold = Map<string, StationHistory>

export function createFold(): HistoryFold {
  return new Map()
}

/** Gathers inputs per station and entity; nothing is merged yet. */
export function foldInputs(fold: HistoryFold, inputs: readonly EntityInput[]): void {
  for (const i of inputs) {
    let station = fold.get(i.key.stationId)
    if (!station) {
      station = { sessions: new Map(), connectors: new Map() }
      fold.set(i.key.stationId, station)
    }
    if (i.kind === 'session') {
      const id = sessionKeyId(i.key)
      const group = station.sessions.get(id)
      if (group) group.inputs.push(i.input)
      else station.sessions.set(id, { key: i.key, inputs: [i.input] })
    } else {
      const id = connectorKeyId(i.key)
      let group = station.connectors.get(id)
      if (!group) {
        group = { key: i.key, records: [] }
        station.connectors.set(id, group)
      }
      if (i.input.record) group.records.push(i.input.record)
    }
  }
}

export interface FoldedEntities {
  readonly sessions: SessionEntity[]
  readonly connectors: ConnectorEntity[]
}

/**
 * The stations' entities, each built from its inputs, in its station's zone, connectors booked to `bookTo` (the
 * timer's rule).
 */
export function foldedEntities(
  stations: Iterable<StationHistory>,
  zoneOf: (stationId: string) => string,
  bookTo: Instant,
): FoldedEntities {
  const sessions: SessionEntity[] = []
  const connectors: ConnectorEntity[] = []
  for (const station of stations) {
    for (const { key, inputs } of station.sessions.values())
      sessions.push(sessionEntityOf(key, inputs, zoneOf(key.stationId)))
    for (const { key, records } of station.connectors.values())
      connectors.push(connectorEntityOf(key, records, bookTo, zoneOf(key.stationId)))
  }
  return { sessions, connectors }
}

/** The connector cells of the entities: the sum of their whole contributions, as table rows (any order). */
export function foldedCells(
  entities: FoldedEntities,
  bucketingsOf: (zone: string) => readonly Bucketing[],
): CellRow[] {
  const tally = new Map<string, number>()
  for (const s of entities.sessions) addInto(tally, sessionEntityContribution(s, bucketingsOf))
  for (const c of entities.connectors) addInto(tally, connectorEntityContribution(c, bucketingsOf))
  return cellRowsInAnyOrder(tally)
}
