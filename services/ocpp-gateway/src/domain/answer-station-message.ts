import type { CsOperation, CsRequest, CsResponse, v16 } from '@chargebus/ocpp'

/** A station request in its OCPP 1.6 form (1.5 requests are converted first). */
export type StationRequest16 = {
  [O in CsOperation<'1.6'>]: { readonly operation: O; readonly payload: CsRequest<'1.6', O> }
}[CsOperation<'1.6'>]

/** Our 1.6 answer to a request of operation `O`. */
export type StationResponse16<O extends CsOperation<'1.6'> = CsOperation<'1.6'>> = CsResponse<'1.6', O>

export type RegistrationStatus = v16.cs.RegistrationStatus
export type AuthorizationStatus = v16.cs.AuthorizationStatus

/** What the id-tag cache knows about one tag (undefined: the tag is not in it). */
export interface IdTagEntry {
  readonly status: AuthorizationStatus
  /** ISO 8601 UTC. */
  readonly expiryDate?: string
  readonly parentIdTag?: string
}

/** Everything besides the request that decides the answer; gathered from memory by the edge. */
export interface AnswerContext {
  /** ISO 8601 UTC; the only clock the domain sees. */
  readonly now: string
  /** The station's registration status (see `registrationStatusOf`). */
  readonly registration: RegistrationStatus
  readonly heartbeatIntervalS: number
  /** Interval given with Pending/Rejected so the station boots again later. */
  readonly bootRetryIntervalS: number
  /** The cache entry for the request's idTag, when it has one. */
  readonly idTag?: IdTagEntry
  /** Accept tags that are not in the cache (test networks). */
  readonly authorizeUnknown: boolean
  /** Reserved for StartTransaction. */
  readonly transactionId?: number
  readonly knownVendorIds: ReadonlySet<string>
}

/** The answer plus what the journal should flag for consumers (kebab-case, e.g. `unknown-transaction`). */
export interface StationAnswer<O extends CsOperation<'1.6'> = CsOperation<'1.6'>> {
  readonly response: StationResponse16<O>
  readonly flags: readonly string[]
}

/** The registration policy of the network. */
export interface RegistrationPolicy {
  readonly mode: 'accept-all' | 'known-only'
  readonly unknownStationStatus: 'Pending' | 'Rejected'
}

/**
 * A station's registration status: an operator's record wins (an Accepted, Pending or Rejected station stays
 * so under either policy); a station without one is Accepted under `accept-all`, else the configured status.
 *
 * ### Examples
 * ```ts
 * registrationStatusOf(undefined, { mode: 'known-only', unknownStationStatus: 'Pending' }) // 'Pending'
 * ```
 */
export function registrationStatusOf(
  recorded: RegistrationStatus | undefined,
  policy: RegistrationPolicy,
): RegistrationStatus {
  if (recorded !== undefined) return recorded
  return policy.mode === 'accept-all' ? 'Accepted' : policy.unknownStationStatus
}

/** Whether a station may send `operation`: anything but BootNotification needs Accepted. */
export function mayAnswer(operation: CsOperation<'1.6'>, registration: RegistrationStatus): boolean {
  return registration === 'Accepted' || operation === 'BootNotification'
}

/**
 * The idTagInfo for a tag: unknown tags are Invalid (Accepted with `authorizeUnknown`); an Accepted tag whose
 * expiryDate has passed is Expired; parentIdTag and expiryDate are passed on.
 *
 * ### Examples
 * ```ts
 * idTagInfoFor({ status: 'Accepted', expiryDate: '2020-01-01T00:00:00.000Z' }, '2026-01-01T00:00:00.000Z', false)
 * // { status: 'Expired', expiryDate: '2020-01-01T00:00:00.000Z' }
 * ```
 */
export function idTagInfoFor(
  entry: IdTagEntry | undefined,
  now: string,
  authorizeUnknown: boolean,
): v16.cs.IdTagInfo {
  if (entry === undefined) return { status: authorizeUnknown ? 'Accepted' : 'Invalid' }
  const expired = entry.expiryDate !== undefined && Date.parse(entry.expiryDate) <= Date.parse(now)
  const status = expired && entry.status === 'Accepted' ? 'Expired' : entry.status
  const info: { status: AuthorizationStatus; expiryDate?: string; parentIdTag?: string } = { status }
  if (entry.expiryDate !== undefined) info.expiryDate = entry.expiryDate
  if (entry.parentIdTag !== undefined) info.parentIdTag = entry.parentIdTag
  return info
}

type Answerers = {
  [O in CsOperation<'1.6'>]: (payload: CsRequest<'1.6', O>, ctx: AnswerContext) => StationAnswer<O>
}

const NO_FLAGS: readonly string[] = Object.freeze([])

function plain<O extends CsOperation<'1.6'>>(response: StationResponse16<O>): StationAnswer<O> {
  return { response, flags: NO_FLAGS }
}

const answerers: Answerers = {
  BootNotification: (_p, ctx) =>
    plain({
      status: ctx.registration,
      currentTime: ctx.now,
      interval: ctx.registration === 'Accepted' ? ctx.heartbeatIntervalS : ctx.bootRetryIntervalS,
    }),
  Heartbeat: (_p, ctx) => plain({ currentTime: ctx.now }),
  Authorize: (_p, ctx) => plain({ idTagInfo: idTagInfoFor(ctx.idTag, ctx.now, ctx.authorizeUnknown) }),
  StartTransaction: (_p, ctx) => {
    if (ctx.transactionId === undefined) throw new Error('StartTransaction needs a reserved transactionId')
    return plain({
      transactionId: ctx.transactionId,
      idTagInfo: idTagInfoFor(ctx.idTag, ctx.now, ctx.authorizeUnknown),
    })
  },
  // Never refused: a station whose StopTransaction is faulted retries it forever and blocks its queue.
  // Ids <= 0 (offline starts, -1) cannot be ours: flagged so ingest reconciles them.
  StopTransaction: (p, ctx) => {
    const response: StationResponse16<'StopTransaction'> =
      p.idTag === undefined ? {} : { idTagInfo: idTagInfoFor(ctx.idTag, ctx.now, ctx.authorizeUnknown) }
    return { response, flags: p.transactionId > 0 ? NO_FLAGS : ['unknown-transaction'] }
  },
  StatusNotification: () => plain({}),
  MeterValues: () => plain({}),
  DiagnosticsStatusNotification: () => plain({}),
  FirmwareStatusNotification: () => plain({}),
  // Accepted means "stored for the consumers of this vendor"; the gateway itself interprets no vendor data.
  DataTransfer: (p, ctx) =>
    plain({ status: ctx.knownVendorIds.has(p.vendorId) ? 'Accepted' : 'UnknownVendorId' }),
}

/**
 * The gateway's answer to a station request, written once against OCPP 1.6. Pure: everything it needs
 * (registration, id-tag entry, reserved transaction id, the time) comes in `ctx`.
 *
 * ### Examples
 * ```ts
 * answerStationMessage({ operation: 'Heartbeat', payload: {} }, ctx)
 * // { response: { currentTime: ctx.now }, flags: [] }
 * ```
 */
export function answerStationMessage(request: StationRequest16, ctx: AnswerContext): StationAnswer {
  const answer = answerers[request.operation] as (p: unknown, c: AnswerContext) => StationAnswer
  return answer(request.payload, ctx)
}

/** The id tag a request carries, if any (Authorize, StartTransaction, StopTransaction). */
export function idTagOf(request: StationRequest16): string | undefined {
  switch (request.operation) {
    case 'Authorize':
    case 'StartTransaction':
    case 'StopTransaction':
      return request.payload.idTag
    default:
      return undefined
  }
}
