/**
 * The API's admin export, the one entry point tools may use (`pnpm chargebus api-key`, `files`, `firmware`, `trace`): the
 * same functions the `/v1/api-keys`, `/v1/files`, `/v1/firmware` and `/v1/stations/{id}/messages` routes use.
 */

export { firmwareConfig } from './config.ts'
export { type ApiKeyView, issueApiKey, listApiKeys, revokeApiKey } from './data-access/api-keys.ts'
export {
  addFirmwareImage,
  type NewFirmwareImage,
  removeFirmwareImage,
} from './data-access/firmware-catalogue.ts'
export {
  findStationFile,
  listStationFiles,
  type StationFileContent,
  type StationFileView,
  stationKnown,
} from './data-access/station-files.ts'
export { type StationMessageView, stationMessageViewOf } from './data-access/station-journal.ts'
export { SCOPES, type Scope } from './domain/api-keys.ts'
