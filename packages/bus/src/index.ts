export type { Bus, BusOptions, PublishOptions, PublishResult } from './connect.ts'
export { connectBus } from './connect.ts'
export type {
  BatchConsumeOptions,
  ConsumeOptions,
  Consumption,
  FailureIsolation,
  SingleConsumeOptions,
} from './consume.ts'
export type { ConsumerBacklog, ConsumerDefinition } from './consumer-setup.ts'
export type { DeadLetterRecord } from './dead-letter.ts'
export type {
  DeadLetter,
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetters,
  DroppedDeadLetter,
  RetriedDeadLetter,
} from './dead-letters.ts'
export {
  type ArchivedRawMessage,
  decodeArchivedMessage,
  type EventIndex,
  indexEvents,
  type ReceivedEvent,
  type StoredEvent,
} from './decode.ts'
export type { BusErrorCode } from './errors.ts'
export {
  BusClosedError,
  BusErrorCodes,
  BusUnreachableError,
  DeadLetterNotFoundError,
  InvalidBusOptionsError,
  isBusError,
  JetStreamRequestError,
  MessageNotFoundError,
  NoStreamError,
  OriginalGoneError,
  PublishRejectedError,
  PublishTimeoutError,
  ReplayLaneNotFoundError,
  StreamConflictError,
  UnknownEventError,
  UnreadableHeadersError,
  UnsupportedEventVersionError,
} from './errors.ts'
export { BusHeaders, ReplayHeaders, traceOf } from './headers.ts'
export { openKv } from './kv.ts'
export type { ListenFilter } from './listen.ts'
export type { BusMetricsOptions } from './metrics.ts'
export { createNamespace, type Namespace } from './namespace.ts'
export { type NatsAccess, natsAccessFrom, natsConnectionOptions } from './nats-access.ts'
export type { ReadOptions, ReadPage, StreamBounds } from './read.ts'
export type {
  ReplayOptions,
  ReplayProgress,
  ReplaySummary,
  StreamPosition,
} from './replay.ts'
export type { ScanOptions, ScanResult } from './scan.ts'
export type { DeadLetterReason } from './settle.ts'
export { createSlots, type Slots } from './slots.ts'
export {
  developmentStreamLimits,
  parseDuration,
  parseSize,
  type StreamLimits,
  type StreamLimitsByName,
  streamLimitsConfig,
  streamLimitsFrom,
  streamLimitVariables,
} from './stream-limits.ts'
export { type EnsureStreamsOptions, ensureStreams } from './streams.ts'
