export {
  type ArchiveAccess,
  type OpenArchiveAccessOptions,
  openArchiveAccess,
  POSITIONS_BUCKET,
} from './access.ts'
export {
  type ArchiveRunOptions,
  type ArchiveRunResult,
  archiveStream,
  type BatchCommitted,
} from './archiver.ts'
export { type BatchLimits, type CloseReason, classifyGap, closeReason, closesBefore } from './batch-rules.ts'
export {
  type ArchiveErrorCode,
  ArchiveErrorCodes,
  BadArchiveRecord,
  BadManifest,
  BadRestoreTarget,
  BadTimeRange,
  NotArchivedStream,
} from './errors.ts'
export {
  ARCHIVED_STREAMS,
  type ArchivedStream,
  archivedStream,
  hourOf,
  isArchivedStream,
  manifestKey,
  objectKey,
  padSeq,
  subjectPrefixOf,
} from './layout.ts'
export { type ArchivedObject, Manifest, parseManifest, type SeqRange } from './manifest.ts'
export {
  type ArchivePosition,
  checkpointOf,
  manifestKeys,
  manifests,
  readManifest,
  readPosition,
} from './manifest-store.ts'
export {
  type ArchiverMetrics,
  createArchiverMetrics,
  registerArchiveStatusMetrics,
} from './metrics.ts'
export { historyGaps, manifestOverlaps, manifestsBetween, mergeObjects, readObject } from './read-archive.ts'
export { type ArchivedMessage, decodeRecord, encodeRecord, payloadOf, type StoredMessage } from './record.ts'
export {
  type RestoreOptions,
  type RestoreProgress,
  type RestoreResult,
  restore,
  restoreTarget,
} from './restore.ts'
export { archiveStatus, type StreamArchiveStatus, unarchivedRatio } from './status.ts'
export { type VerifyProblem, type VerifyReport, verifyStream } from './verify.ts'
