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
} from './errors.ts'
export { DeadLetterRecorded, DeadLetterRecordedSchema } from './events/dead-letter-recorded.ts'
export { OcppMessageReceived, OcppMessageReceivedSchema } from './events/ocpp-message-received.ts'
export type { StreamDefinition, StreamName } from './streams.ts'
export { allStreams, Streams } from './streams.ts'
export type { SubjectParams, SubjectTemplate } from './subject-pattern.ts'
export { subjectMatches, subjectTemplate } from './subject-pattern.ts'
export { decodeSubjectToken, encodeSubjectToken } from './subject-token.ts'
