export { type KvBucketHandles, KvBuckets, openFtpGrants, openKvBuckets } from './buckets.ts'
export {
  type IdTagState,
  type MirrorOutcome,
  mirrorIdTag,
  mirrorRegistration,
  type RegistrationDecision,
  removeIdTag,
  toIdTagRecord,
} from './decisions.ts'
export { createFirstBootRecorder, type FirstBootRecorder } from './first-boot.ts'
export {
  type FtpGrant,
  type FtpGrantCredentials,
  FtpGrantRecord,
  findFtpGrant,
  isFtpGrantUser,
  issueFtpGrant,
  restoreFtpGrant,
  spendFtpGrant,
} from './ftp-grants.ts'
export { fromKvKey, idTagKey, kvKey } from './keys.ts'
export { createPasswordChecks, type PasswordChecks } from './password-checks.ts'
export { hashPassword, verifyPassword, verifyPasswordSync } from './passwords.ts'
export {
  IdTagRecord,
  idTagRecordValidator,
  PasswordHash,
  StationRecord,
  stationRecordValidator,
} from './records.ts'
