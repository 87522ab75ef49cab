import type { Bucketing } from '../domain/buckets.ts'
import { type CellSums, cellSumsSink } from '../domain/cell-sums.ts'
import type { StatusRecord } from '../domain/connector-time.ts'
import {
  addConnectorEntityContribution,
  addSessionEntityContribution,
  addToSessionDraft,
  type ConnectorEntity,
  connectorEntityOf,
  createSessionDraft,
  type SessionDraft,
  type SessionEntity,
  sessionEntityOf,
} from '../domain/entities.ts'
import type { Instant } from '../domain/instant.ts'
import type { EntityInput } from '../event-inputs.ts'

/*
 * A rebuild folds the log in memory: every session's inputs are merged into its draft as they are read (the
 * join: the same facts as merging them one by one, kept as one draft per session, not every input), every
 * connector's records gathered, and each entity is built once from them. The rollups are the sum of the final
 * entities' contributions, written once. The incremental rule telescopes to exactly this sum (see `applyEvent`),
 * so a rebuild equals the live cells without replaying the live path's per-batch deltas and upserts (a property
 * test checks the three agree).
 */

/** One station's inputs, gathered per entity. */
export interface StationHistory {
  readonly stationId: string
  /** By transaction id. */
  readonly sessions: Map<number, SessionDraft>
  /** By connector id: the status records read, duplicates included (the entity merges them). */
  readonly connectors: Map<number, StatusRecord[]>
}

/** The history by station: a station's cells (connector cells and its totals) come from its entities only. */
export type HistoryFold = Map<string, StationHistory>

export function createFold(): HistoryFold {
  return new Map()
}

/** Gathers inputs per station and entity. */
export function foldInputs(fold: HistoryFold, inputs: readonly EntityInput[]): void {
  for (const i of inputs) {
    const stationId = i.key.stationId
    let station = fold.get(stationId)
    if (!station) {
      station = { stationId, sessions: new Map(), connectors: new Map() }
      fold.set(stationId, station)
    }
    if (i.kind === 'session') {
      let draft = station.sessions.get(i.key.transactionId)
      if (!draft) {
        draft = createSessionDraft()
        station.sessions.set(i.key.transactionId, draft)
      }
      addToSessionDraft(draft, i.input)
    } else {
      let records = station.connectors.get(i.key.connectorId)
      if (!records) {
        records = []
        station.connectors.set(i.key.connectorId, records)
      }
      if (i.input.record) records.push(i.input.record)
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
  for (const { stationId, sessions: drafts, connectors: records } of stations) {
    const zone = zoneOf(stationId)
    for (const [transactionId, draft] of drafts)
      sessions.push(sessionEntityOf({ stationId, transactionId }, draft, zone))
    for (const [connectorId, list] of records)
      connectors.push(connectorEntityOf({ stationId, connectorId }, list, bookTo, zone))
  }
  return { sessions, connectors }
}

/** Adds the entities' cells to `sums`: the sum of their whole contributions, with their totals. */
export function addFoldedCells(
  sums: CellSums,
  entities: FoldedEntities,
  bucketingsOf: (zone: string) => readonly Bucketing[],
): void {
  const sinkFor = (dims: readonly string[]) => cellSumsSink(sums, dims)
  for (const s of entities.sessions) addSessionEntityContribution(s, bucketingsOf, sinkFor)
  for (const c of entities.connectors) addConnectorEntityContribution(c, bucketingsOf, sinkFor)
}
