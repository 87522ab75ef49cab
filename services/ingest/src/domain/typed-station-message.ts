import type { StationMessage } from '@chargebus/events'
import { type CsOperation, type CsRequest, type CsResponse, ocppServices } from '@chargebus/ocpp'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { InvalidStationMessage } from './errors.ts'

type Operation = CsOperation<'1.6'>

interface Envelope {
  readonly stationId: string
  readonly ocppVersion: '1.5' | '1.6'
  readonly messageId: string
  /** ISO 8601, the gateway's clock. */
  readonly receivedAt: string
  readonly receivedMs: number
  /** The station's ChargePointService address. */
  readonly from: string | undefined
}

/**
 * The typed OCPP 1.6 view of a `StationMessage` (the raw journal entry), typed by action: what the domain
 * maps to rows and events.
 */
export type TypedStationMessage = {
  [A in Operation]: Envelope & {
    readonly action: A
    readonly request: CsRequest<'1.6', A>
    /** What the gateway answered (1.6 form); absent in messages from older gateways. */
    readonly response: Partial<CsResponse<'1.6', A>> | undefined
  }
}[Operation]

export type TypedStationMessageOf<A extends Operation> = Extract<TypedStationMessage, { action: A }>

const operations = ocppServices['1.6'].centralSystem.operations as Record<string, { request: TSchema }>
const validators = new Map(Object.entries(operations).map(([op, def]) => [op, Compile(def.request)]))

/**
 * Checks a raw message and returns it typed: the 1.6 request (`normalizedPayload` for 1.5 messages, else
 * `payload`) must match the OCPP 1.6 schema of its action. Throws `InvalidStationMessage` (not retryable).
 *
 * ### Examples
 * ```ts
 * const m = typedStationMessage(event.data)
 * if (m.action === 'MeterValues') m.request.meterValue // typed
 * ```
 */
export function typedStationMessage(raw: StationMessage): TypedStationMessage {
  const validator = validators.get(raw.action)
  if (validator === undefined) {
    throw new InvalidStationMessage(raw.stationId, raw.messageId, `unknown action ${raw.action}`)
  }
  const request = raw.ocppVersion === '1.5' ? raw.normalizedPayload : raw.payload
  if (request === undefined) {
    throw new InvalidStationMessage(raw.stationId, raw.messageId, 'a 1.5 message without normalizedPayload')
  }
  if (!validator.Check(request)) {
    const first = validator.Errors(request)[0]
    throw new InvalidStationMessage(
      raw.stationId,
      raw.messageId,
      `${raw.action} payload is not OCPP 1.6: ${first?.instancePath || '/'} ${first?.message ?? 'invalid'}`,
    )
  }
  const receivedMs = Date.parse(raw.receivedAt)
  return {
    stationId: raw.stationId,
    ocppVersion: raw.ocppVersion,
    action: raw.action as Operation,
    messageId: raw.messageId,
    receivedAt: new Date(receivedMs).toISOString(),
    receivedMs,
    from: raw.from,
    request: request as never,
    response: raw.response as never,
  } as TypedStationMessage
}
