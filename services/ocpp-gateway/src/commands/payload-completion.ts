import type { CommandRecord } from '@chargebus/command-store'
import type { StationFacts } from './data-access/station-facts.ts'
import { CommandError } from './domain/command-errors.ts'
import { uploadLocationFor } from './domain/delivery-rules.ts'
import { type LocalList, localListToSend } from './domain/local-list.ts'

/** What goes on the wire (1.6 form), and for SendLocalList the list the station holds once it accepts. */
export interface CompletedPayload {
  payload: Record<string, unknown>
  localList?: LocalList
}

/**
 * What is actually sent: the stored payload, completed where the gateway knows better. GetDiagnostics without
 * a location gets `diagnosticsLocation` (`{station}` filled in; `COMMAND_ERR_NO_UPLOAD_LOCATION` without
 * one); SendLocalList gets its version and, without a list, one built from `id_tags` against what the station
 * accepted last.
 *
 * ### Examples
 * ```ts
 * await completePayload(record, { facts, diagnosticsLocation: 'ftp://ftp.example.com/diag/{station}/' })
 * // GetDiagnostics for CP-1: { payload: { location: 'ftp://ftp.example.com/diag/CP-1/', … } }
 * ```
 */
export async function completePayload(
  record: Pick<CommandRecord, 'operation' | 'payload' | 'stationId'>,
  deps: { facts: StationFacts; diagnosticsLocation: string | undefined },
): Promise<CompletedPayload> {
  const payload = { ...record.payload }
  if (record.operation === 'GetDiagnostics' && payload.location === undefined) {
    if (deps.diagnosticsLocation === undefined)
      throw new CommandError(
        'COMMAND_ERR_NO_UPLOAD_LOCATION',
        'GetDiagnostics needs a location and OCPP_DIAGNOSTICS_LOCATION is not set',
      )
    payload.location = uploadLocationFor(deps.diagnosticsLocation, record.stationId)
  }
  if (record.operation === 'SendLocalList') {
    const previous = await deps.facts.loadLocalList(record.stationId)
    const tags = payload.localAuthorizationList === undefined ? await deps.facts.listIdTags() : []
    return localListToSend(payload, previous, tags)
  }
  return { payload }
}
