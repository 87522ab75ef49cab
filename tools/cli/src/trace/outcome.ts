import type { StationMessageView } from '@chargebus/api/admin'

/**
 * What the station got back: `answered` (its normal answer), `pending` / `rejected` (an answer that refuses:
 * a BootNotification Pending or Rejected, an id tag that is not Accepted, a DataTransfer to an unknown vendor),
 * `faulted` (a SOAP fault, from the fault journal) or `stored` (journaled without a recorded answer).
 */
export type OutcomeKind = 'answered' | 'pending' | 'rejected' | 'faulted' | 'stored'

export interface Outcome {
  kind: OutcomeKind
  /** The status or fault code behind a refusal (`Invalid`, `FormationViolation`, ...); null when answered. */
  detail: string | null
  /** Our error code of a fault (`OCPP_ERR_INVALID_PAYLOAD`), when the gateway gave one. */
  errorCode: string | null
}

/**
 * The outcome of one journal entry, read from the answer the gateway stored with it (`response`, OCPP 1.6
 * form) or the fault it journaled. Pure.
 *
 * ### Examples
 * ```ts
 * outcomeOf({ fault: null, response: { idTagInfo: { status: 'Invalid' } } })   // { kind: 'rejected', detail: 'Invalid', errorCode: null }
 * outcomeOf({ fault: { code: 'Sender', subcode: 'FormationViolation', errorCode: 'OCPP_ERR_INVALID_PAYLOAD' }, response: null })
 * // { kind: 'faulted', detail: 'FormationViolation', errorCode: 'OCPP_ERR_INVALID_PAYLOAD' }
 * ```
 */
export function outcomeOf(entry: Pick<StationMessageView, 'fault' | 'response'>): Outcome {
  const { fault, response } = entry
  if (fault !== null)
    return { kind: 'faulted', detail: fault.subcode ?? fault.code, errorCode: fault.errorCode }
  if (response === null) return { kind: 'stored', detail: null, errorCode: null }
  // BootNotification (Accepted | Pending | Rejected) and DataTransfer (Accepted | Rejected | Unknown*) answer
  // with `status`; Authorize, StartTransaction and StopTransaction with `idTagInfo.status`.
  const status = typeof response.status === 'string' ? response.status : idTagStatusOf(response.idTagInfo)
  if (status === undefined || status === 'Accepted')
    return { kind: 'answered', detail: null, errorCode: null }
  if (status === 'Pending') return { kind: 'pending', detail: null, errorCode: null }
  return { kind: 'rejected', detail: status, errorCode: null }
}

function idTagStatusOf(idTagInfo: unknown): string | undefined {
  const status = (idTagInfo as { status?: unknown } | undefined)?.status
  return typeof status === 'string' ? status : undefined
}

/** `answered`, `rejected Invalid`, `faulted FormationViolation OCPP_ERR_INVALID_PAYLOAD`: one table cell. */
export function outcomeText(o: Outcome): string {
  return [o.kind, o.detail, o.errorCode].filter((part) => part !== null).join(' ')
}
