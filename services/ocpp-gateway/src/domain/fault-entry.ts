import { type EventData, FAULT_EXCERPT_MAX, type OcppRequestFaulted } from '@chargebus/events'
import type { OcppVersion } from '@chargebus/ocpp'

/** Who sent a faulted request and what it was: a decoded request's head, or what the codec's error carries. */
export interface FaultedRequestHead {
  ocppVersion: OcppVersion
  operation: string
  chargeBoxIdentity: string
  messageId: string | undefined
}

const REASON_MAX = 1024
const MESSAGE_ID_MAX = 512

/**
 * The fault journal's entry for a request answered with `fault`. Pure; the request is cut to an excerpt and
 * an over-long MessageID is left out (the entry must stay valid whatever the station sent).
 *
 * ### Examples
 * ```ts
 * faultEntryOf(head, { code: 'Sender', subcode: 'ProtocolError', reason: 'OCPP_ERR_SCHEMA: …' }, 'OCPP_ERR_SCHEMA', now, xml)
 * // { stationId: 'CP-1', action: 'MeterValues', fault: { code: 'Sender', … }, requestExcerpt: '<s:Envelope …', … }
 * ```
 */
export function faultEntryOf(
  head: FaultedRequestHead,
  fault: { code: string; subcode?: string | undefined; reason: string },
  errorCode: string | undefined,
  receivedAt: string,
  xml: string,
): EventData<typeof OcppRequestFaulted> {
  const { messageId } = head
  return {
    stationId: head.chargeBoxIdentity,
    ocppVersion: head.ocppVersion,
    action: head.operation,
    ...(messageId !== undefined && messageId !== '' && messageId.length <= MESSAGE_ID_MAX
      ? { messageId }
      : {}),
    receivedAt,
    fault: {
      code: fault.code,
      ...(fault.subcode === undefined ? {} : { subcode: fault.subcode }),
      reason: fault.reason.slice(0, REASON_MAX),
      ...(errorCode === undefined ? {} : { errorCode }),
    },
    requestExcerpt: xml.slice(0, FAULT_EXCERPT_MAX),
  }
}
