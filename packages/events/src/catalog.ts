import type { AnyEventDefinition } from './define-event.ts'
import { AggregateUpdated } from './events/aggregate-updated.ts'
import { CommandRequested, CommandUpdated } from './events/command-events.ts'
import { ConnectorStatusChanged } from './events/connector-status-changed.ts'
import { ConnectorStatusRecorded } from './events/connector-status-recorded.ts'
import { DeadLetterRecorded } from './events/dead-letter-recorded.ts'
import { FtpFileParsed, FtpFileReceived, FtpFileRejected } from './events/ftp-file-events.ts'
import { MeterRegisterDecreased } from './events/meter-register-decreased.ts'
import { MeterSampled } from './events/meter-sampled.ts'
import { OcppMessageReceived } from './events/ocpp-message-received.ts'
import { OcppRequestFaulted } from './events/ocpp-request-faulted.ts'
import { SessionCompleted, SessionOverdue, SessionStarted } from './events/session-events.ts'
import {
  StationClockSkewed,
  StationOffline,
  StationOnline,
  StationRegistered,
} from './events/station-events.ts'

/**
 * Every event the system publishes. Adding one: a file in `events/` with its schema and
 * `defineEvent(...)`, one line here, one export in `index.ts`.
 */
export const catalog: readonly AnyEventDefinition[] = [
  OcppMessageReceived,
  OcppRequestFaulted,
  DeadLetterRecorded,
  // Domain events derived by ingest (stream DOMAIN).
  StationRegistered,
  StationOnline,
  StationOffline,
  StationClockSkewed,
  ConnectorStatusChanged,
  ConnectorStatusRecorded,
  SessionStarted,
  SessionCompleted,
  SessionOverdue,
  MeterRegisterDecreased,
  MeterSampled,
  // Commands to stations and their status changes (stream COMMANDS).
  CommandRequested,
  CommandUpdated,
  // Rollups (stream AGGREGATES).
  AggregateUpdated,
  // Files from the FTP edge (stream FTP).
  FtpFileReceived,
  FtpFileParsed,
  FtpFileRejected,
]

/** The definition of `name` at `version`, if the catalog has it. */
export function findEvent(name: string, version: number): AnyEventDefinition | undefined {
  return catalog.find((e) => e.name === name && e.version === version)
}
