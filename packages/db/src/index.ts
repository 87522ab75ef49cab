// One kysely for the whole repo: queries elsewhere import these from here.
export type { Insertable, Kysely, RawBuilder, Selectable, Transaction, Updateable } from 'kysely'
export { sql } from 'kysely'
export type { Migration } from 'kysely/migration'
export { createDatabase, dropDatabase, listDatabases } from './admin.ts'
export type {
  CommandRow,
  CommandRowStatus,
  CommandRowUpdate,
  CommandTable,
  NewCommandRow,
  StationCapability,
  StationCapabilityTable,
  StationLocalList,
  StationLocalListTable,
} from './command-tables.ts'
export { copyInto, copyLinesInto, copyTextField } from './copy-into.ts'
export { type CreateDbOptions, createDb, pingDatabase, setLocalStatementTimeout } from './create-db.ts'
export {
  AGGREGATE_BUCKETINGS,
  AGGREGATE_METRICS,
  type Aggregate,
  type AggregateBucketing,
  type AggregateMetric,
  type AggregateRebuildOutcome,
  type AggregateRebuildPhase,
  type AggregateRebuildTable,
  type AggregateTable,
  type AggregatorConnectorTable,
  type AggregatorSessionTable,
  type ApiKey,
  type ApiKeyTable,
  type ChargingTransaction,
  CONNECTOR_STATUSES,
  type Connector,
  type ConnectorStatus,
  type ConnectorTable,
  type ConnectorUpdate,
  type Database,
  type FirmwareImageTable,
  ID_TAG_STATUSES,
  type IdTag,
  type IdTagStatus,
  type IdTagTable,
  type IdTagUpdate,
  type IngestOutboxTable,
  type MeterValueRow,
  type MeterValueTable,
  type NewConnector,
  type NewIdTag,
  type NewStation,
  OCPP_VERSIONS,
  type OcppVersion,
  REGISTRATION_STATUSES,
  type RegistrationStatus,
  type Station,
  type StationMessageRow,
  type StationMessageTable,
  type StationTable,
  type StationUpdate,
  type StatusEvent,
  type StatusEventTable,
  type TransactionState,
  type TransactionTable,
  type UnmatchedStop,
  type UnmatchedStopTable,
} from './database.ts'
export {
  DatabaseUnavailable,
  DbErrorCode,
  describeError,
  InvalidBlockSize,
  InvalidDatabaseName,
  InvalidDatabaseUrl,
  MigrationFailed,
  NotInTransaction,
  TransactionIdsExhausted,
} from './errors.ts'
export { isDatabaseOutage, isRefusedData, isRetryableWrite } from './failure-kinds.ts'
export {
  deleteFirmwareImage,
  FIRMWARE_NAME_PATTERN,
  type FirmwareImage,
  findFirmwareImage,
  insertFirmwareImage,
  isFirmwareName,
  listFirmwareImages,
} from './firmware-images.ts'
export { listMigrations, type MigrationReport, migrateToLatest, migrationProvider } from './migrate.ts'
export { migrations } from './migrations/index.ts'
export { type PoolMetricsOptions, registerPoolMetrics } from './pool-metrics.ts'
export {
  allocateTransactionIdBlock,
  assertBlockSize,
  blockLength,
  MAX_BLOCK_SIZE,
  MAX_TRANSACTION_ID,
  TRANSACTION_ID_LOCK_KEY,
  type TransactionIdBlock,
  toTransactionIdBlock,
} from './transaction-ids.ts'
export {
  assertDatabaseName,
  type DatabaseTarget,
  describeTarget,
  parseDatabaseUrl,
  withDatabaseName,
  withPort,
} from './url.ts'
