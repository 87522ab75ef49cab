/**
 * Deviations from the OCPP-S contract that we accept because real stations ship them. Each decode returns the
 * list so the gateway can count them per station and vendor; none changes the meaning of a message.
 */
export const QuirkCodes = {
  /** xs:dateTime without `Z` or offset; read as UTC. */
  TIMESTAMP_WITHOUT_OFFSET: 'TIMESTAMP_WITHOUT_OFFSET',
  /** Leading/trailing whitespace around an enum or length-restricted string; trimmed. */
  WHITESPACE_TRIMMED: 'WHITESPACE_TRIMMED',
  /** Child elements out of schema sequence order; read by name. */
  ELEMENT_ORDER: 'ELEMENT_ORDER',
  /** Child elements without namespace (elementFormDefault="qualified" says they need one); read by name. */
  UNQUALIFIED_ELEMENT: 'UNQUALIFIED_ELEMENT',
  /** chargeBoxIdentity in another OCPP namespace (e.g. the other version's) or in none. */
  IDENTITY_NAMESPACE: 'IDENTITY_NAMESPACE',
  /** wsa:Action does not name the body's operation; the body wins. */
  ACTION_MISMATCH: 'ACTION_MISMATCH',
  /** WS-Addressing headers in the 2004/08 member-submission namespace. */
  WSA_SUBMISSION_NAMESPACE: 'WSA_SUBMISSION_NAMESPACE',
  /** A SOAP 1.1 envelope (OCPP-S specifies SOAP 1.2); answered in SOAP 1.1. */
  SOAP11_ENVELOPE: 'SOAP11_ENVELOPE',
  /** A transactionId <= 0 (e.g. -1 from stations that started a transaction offline). Valid xs:int, passed on. */
  TRANSACTION_ID_NOT_POSITIVE: 'TRANSACTION_ID_NOT_POSITIVE',
  /** An optional element marked `xsi:nil="true"` (SOAP stacks write null that way); read as absent. */
  NIL_ELEMENT: 'NIL_ELEMENT',
  /** A reply to our call (the station's, or the central system's to a station) without wsa:RelatesTo; matched by the HTTP exchange alone. */
  RELATES_TO_MISSING: 'RELATES_TO_MISSING',
} as const

export type QuirkCode = keyof typeof QuirkCodes

/** One tolerated deviation and where it was seen (`startTransactionRequest/timestamp`, `Header/Action`). */
export interface Quirk {
  readonly code: QuirkCode
  readonly path: string
}

/** Records a quirk once per message (the first path seen is kept as the example). */
export function addQuirk(quirks: Quirk[], code: QuirkCode, path: string): void {
  for (const q of quirks) if (q.code === code) return
  quirks.push({ code, path })
}
