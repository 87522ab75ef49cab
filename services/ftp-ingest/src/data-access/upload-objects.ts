import { kvKey } from '@chargebus/station-registry'

/**
 * Where an upload's bytes go: `ftp/<station>/<UTC date>/<file id>`. The station segment is its reversible KV
 * key (letters, digits, `-`, `_`, `=XX`), so no identity can form a path; the file id is unique per upload, so
 * a put never replaces another upload's object. The name the station gave is kept in `ftp_files`, not here.
 *
 * ### Examples
 * ```ts
 * uploadObjectKey('urn:cp:7', new Date('2026-11-26T10:31:00Z'), '0b0f...') // 'ftp/urn=3Acp=3A7/2026-11-26/0b0f...'
 * ```
 */
export function uploadObjectKey(stationId: string, receivedAt: Date, fileId: string): string {
  return `ftp/${kvKey(stationId)}/${receivedAt.toISOString().slice(0, 10)}/${fileId}`
}
