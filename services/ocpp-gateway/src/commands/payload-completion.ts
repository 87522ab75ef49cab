import type { CommandRecord } from '@chargebus/command-store'
import { type FtpGrantCredentials, type FtpGrantRecord, issueFtpGrant } from '@chargebus/station-registry'
import type { KV } from '@nats-io/kv'
import type { StationFacts } from './data-access/station-facts.ts'
import { CommandError } from './domain/command-errors.ts'
import { ftpGrantExpiry, ftpLocation, uploadLocationFor } from './domain/delivery-rules.ts'
import { type LocalList, localListToSend } from './domain/local-list.ts'

/** What goes on the wire (1.6 form), and for SendLocalList the list the station holds once it accepts. */
export interface CompletedPayload {
  payload: Record<string, unknown>
  localList?: LocalList
}

export interface PayloadCompletionDeps {
  facts: StationFacts
  /** OCPP_DIAGNOSTICS_LOCATION: an external upload location template, preferred to the FTP edge when set. */
  diagnosticsLocation: string | undefined
  /** OCPP_FTP_URL: the FTP edge as stations reach it. */
  ftpEdgeUrl: string
  ftpGrantTtlMs: number
  grants: Pick<KV, 'create'>
  now: Date
}

/**
 * What is actually sent: the stored payload, completed where the gateway knows better.
 * - GetDiagnostics without a location: `diagnosticsLocation` (`{station}` filled in) when configured, else the
 *   FTP edge with one-time upload credentials for this command (the upload is linked to it);
 * - UpdateFirmware of a catalogued `firmware` image: its location on the FTP edge, with one-time download
 *   credentials valid from now until OCPP_FTP_GRANT_TTL_S after its retrieveDate;
 * - SendLocalList: its version and, without a list, one built from `id_tags` against what the station accepted
 *   last.
 * Credentials are issued per attempt: the station only ever sees the location of the call that reached it.
 *
 * ### Examples
 * ```ts
 * await completePayload(record, { ...deps, diagnosticsLocation: undefined, ftpEdgeUrl: 'ftp://ftp.example.com:2121' })
 * // GetDiagnostics for CP-1: { payload: { location: 'ftp://grant-3f9c…:…@ftp.example.com:2121/', … } }
 * ```
 */
export async function completePayload(
  record: Pick<CommandRecord, 'id' | 'operation' | 'payload' | 'stationId'>,
  deps: PayloadCompletionDeps,
): Promise<CompletedPayload> {
  const payload = { ...record.payload }
  const grant = (access: FtpGrantRecord['access'], expiresAt: Date, fileName?: string) =>
    issueFtpGrant(
      deps.grants,
      { stationId: record.stationId, commandId: record.id, access, ...(fileName && { fileName }) },
      { now: deps.now, expiresAt },
    )
  if (record.operation === 'GetDiagnostics' && payload.location === undefined) {
    payload.location =
      deps.diagnosticsLocation === undefined
        ? ftpLocation(deps.ftpEdgeUrl, await grant('upload', ftpGrantExpiry(deps.now, deps.ftpGrantTtlMs)))
        : uploadLocationFor(deps.diagnosticsLocation, record.stationId)
  }
  if (record.operation === 'UpdateFirmware') {
    const { firmware, ...rest } = payload
    if ((typeof firmware === 'string') === (typeof rest.location === 'string'))
      throw new CommandError(
        'COMMAND_ERR_INVALID_PAYLOAD',
        'UpdateFirmware needs exactly one of location and firmware',
      )
    if (typeof firmware === 'string') {
      const expiresAt = ftpGrantExpiry(deps.now, deps.ftpGrantTtlMs, String(rest.retrieveDate))
      const credentials: FtpGrantCredentials = await grant('download', expiresAt, firmware)
      return { payload: { ...rest, location: ftpLocation(deps.ftpEdgeUrl, credentials, firmware) } }
    }
  }
  if (record.operation === 'SendLocalList') {
    const previous = await deps.facts.loadLocalList(record.stationId)
    const tags = payload.localAuthorizationList === undefined ? await deps.facts.listIdTags() : []
    return localListToSend(payload, previous, tags)
  }
  return { payload }
}
