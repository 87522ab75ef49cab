import type { Migration } from 'kysely/migration'
import * as operationalBase from './2026-11-26-operational-base.ts'
import * as ingestOperationalModel from './2026-11-27-ingest-operational-model.ts'
import * as apiKeysAndBi from './2026-11-28-api-keys-and-bi.ts'
import * as commands from './2026-11-28-commands.ts'
import * as aggregateFillfactor from './2026-12-06-aggregate-fillfactor.ts'
import * as aggregateTotals from './2026-12-06-aggregate-totals.ts'
import * as aggregates from './2026-12-06-aggregates.ts'
import * as aggregatesGroupIndex from './2026-12-06-aggregates-group-index.ts'
import * as aggregatesKeptBuckets from './2026-12-06-aggregates-kept-buckets.ts'
import * as apiListIndexes from './2026-12-06-api-list-indexes.ts'
import * as apiRateLimits from './2026-12-06-api-rate-limits.ts'
import * as csvInertText from './2026-12-06-csv-inert-text.ts'
import * as firmwareImages from './2026-12-06-firmware-images.ts'
import * as ftpFileCommands from './2026-12-06-ftp-file-commands.ts'
import * as ftpFileParsing from './2026-12-06-ftp-file-parsing.ts'
import * as ftpFiles from './2026-12-06-ftp-files.ts'
import * as ftpPullFiles from './2026-12-06-ftp-pull-files.ts'
import * as activeSessionsByStation from './2026-12-07-active-sessions-by-station.ts'
import * as aggregateCellsFillfactor from './2026-12-07-aggregate-cells-fillfactor.ts'
import * as aggregateRebuilds from './2026-12-07-aggregate-rebuilds.ts'
import * as aggregatesByIdTag from './2026-12-07-aggregates-by-id-tag.ts'
import * as aggregatesGroupByKind from './2026-12-07-aggregates-group-by-kind.ts'
import * as aggregatorConnectorRecords from './2026-12-07-aggregator-connector-records.ts'
import * as connectorsByStatus from './2026-12-07-connectors-by-status.ts'
import * as partitionCatchAlls from './2026-12-07-partition-catch-alls.ts'
import * as sessionMeterSpans from './2026-12-07-session-meter-spans.ts'
import * as statusHistoryCoveringIndex from './2026-12-07-status-history-covering-index.ts'

/**
 * Every migration, imported statically (no file-system scanning, works from any bundle or cwd).
 * Names are ISO dates: kysely runs them in name order and refuses a new name that sorts before one
 * already applied. Add a line; never rename or remove one.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '2026-11-26T07:00:00Z_operational_base': operationalBase,
  '2026-11-27T08:00:00Z_ingest_operational_model': ingestOperationalModel,
  '2026-11-28T07:00:00Z_api_keys_and_bi': apiKeysAndBi,
  '2026-11-28T09:00:00Z_commands': commands,
  '2026-12-06T08:00:00Z_csv_inert_text': csvInertText,
  '2026-12-06T10:00:00Z_aggregates': aggregates,
  '2026-12-06T11:00:00Z_aggregate_totals': aggregateTotals,
  '2026-12-06T12:00:00Z_aggregate_fillfactor': aggregateFillfactor,
  '2026-12-06T13:00:00Z_aggregates_group_index': aggregatesGroupIndex,
  '2026-12-06T14:00:00Z_aggregates_kept_buckets': aggregatesKeptBuckets,
  '2026-12-06T15:00:00Z_ftp_files': ftpFiles,
  '2026-12-06T16:10:00Z_ftp_pull_files': ftpPullFiles,
  '2026-12-06T16:20:00Z_firmware_images': firmwareImages,
  '2026-12-06T16:30:00Z_ftp_file_commands': ftpFileCommands,
  '2026-12-06T16:00:00Z_ftp_file_parsing': ftpFileParsing,
  '2026-12-06T20:30:00Z_api_list_indexes': apiListIndexes,
  '2026-12-06T20:40:00Z_api_rate_limits': apiRateLimits,
  '2026-12-07T02:40:00Z_aggregate_cells_fillfactor': aggregateCellsFillfactor,
  '2026-12-07T03:30:00Z_aggregate_rebuilds': aggregateRebuilds,
  '2026-12-07T12:00:00Z_partition_catch_alls': partitionCatchAlls,
  '2026-12-07T12:10:00Z_status_history_covering_index': statusHistoryCoveringIndex,
  '2026-12-07T12:20:00Z_active_sessions_by_station': activeSessionsByStation,
  '2026-12-07T16:00:00Z_connectors_by_status': connectorsByStatus,
  '2026-12-07T16:10:00Z_aggregates_by_id_tag': aggregatesByIdTag,
  '2026-12-07T19:00:00Z_aggregates_group_by_kind': aggregatesGroupByKind,
  '2026-12-07T21:00:00Z_session_meter_spans': sessionMeterSpans,
  '2026-12-07T23:30:00Z_aggregator_connector_records': aggregatorConnectorRecords,
}
