export { catalog, findEvent } from './catalog.ts'
export type { AnyEventDefinition, EventData, EventDefinition, EventSpec } from './define-event.ts'
export { defineEvent } from './define-event.ts'
export { catalogDocs } from './docs.ts'
export type { EventsErrorCode, ValidationIssue } from './errors.ts'
export {
  EventsErrorCodes,
  InvalidEventError,
  InvalidSubjectPatternError,
  InvalidSubjectTokenError,
  NoSampleError,
} from './errors.ts'
export {
  AGGREGATE_UPDATED_MAX_CHANGES,
  AggregateUpdated,
  AggregateUpdatedSchema,
} from './events/aggregate-updated.ts'
export {
  COMMAND_STATUSES,
  CommandRequested,
  CommandRequestedSchema,
  type CommandStatus,
  CommandUpdated,
  CommandUpdatedSchema,
  commandMsgId,
  IDEMPOTENCY_KEY_PATTERN,
  TERMINAL_COMMAND_STATUSES,
} from './events/command-events.ts'
export {
  ConnectorStatusChanged,
  ConnectorStatusChangedSchema,
} from './events/connector-status-changed.ts'
export {
  ConnectorStatusRecorded,
  ConnectorStatusRecordedSchema,
} from './events/connector-status-recorded.ts'
export { DeadLetterRecorded, DeadLetterRecordedSchema } from './events/dead-letter-recorded.ts'
export {
  FTP_FILE_PARSED_MAX_ROWS,
  FtpFileParsed,
  FtpFileParsedSchema,
  FtpFileReceived,
  FtpFileReceivedSchema,
  FtpFileRejected,
  FtpFileRejectedSchema,
  METER_LOG_REJECTIONS,
  MeterLogRowSchema,
} from './events/ftp-file-events.ts'
export {
  MeterRegisterDecreased,
  MeterRegisterDecreasedSchema,
} from './events/meter-register-decreased.ts'
export { METER_SAMPLED_MAX_READINGS, MeterSampled, MeterSampledSchema } from './events/meter-sampled.ts'
export {
  OcppMessageReceived,
  OcppMessageReceivedSchema,
  type StationMessage,
} from './events/ocpp-message-received.ts'
export {
  FAULT_EXCERPT_MAX,
  OcppRequestFaulted,
  OcppRequestFaultedSchema,
  stationJournalFilter,
} from './events/ocpp-request-faulted.ts'
export {
  SessionCompleted,
  SessionCompletedSchema,
  SessionOverdue,
  SessionOverdueSchema,
  SessionStarted,
  SessionStartedSchema,
} from './events/session-events.ts'
export {
  StationClockSkewed,
  StationClockSkewedSchema,
  StationOffline,
  StationOfflineSchema,
  StationOnline,
  StationOnlineSchema,
  StationRegistered,
  StationRegisteredSchema,
} from './events/station-events.ts'
export {
  REPLAY_SUBJECT_ROOT,
  replayLaneFilter,
  replayLaneSubject,
  subjectInLane,
} from './replay-subjects.ts'
export {
  originalSubject,
  RESTORED_SUBJECT_ROOT,
  restoredSubject,
  restoredSubjects,
} from './restored-subjects.ts'
export { type EventSample, type SampleOptions, sampleEvents } from './samples.ts'
export type { StreamDefinition, StreamName } from './streams.ts'
export { allStreams, Streams } from './streams.ts'
export type { SubjectParams, SubjectTemplate } from './subject-pattern.ts'
export { subjectMatches, subjectTemplate } from './subject-pattern.ts'
export { decodeSubjectToken, encodeSubjectToken } from './subject-token.ts'
