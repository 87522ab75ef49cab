import { type DecodedCsRequest, fromV16Response, toV16Request } from '@chargebus/ocpp'
import type { StationRequest16 } from './answer-station-message.ts'

/*
 * Business logic is written once, against OCPP 1.6: 1.5 requests are converted on the way in, our answers
 * on the way out.
 */

/**
 * A decoded request in its 1.6 form (a 1.5 request converted, a 1.6 one as it is).
 *
 * ### Examples
 * ```ts
 * toRequest16(decodeRequest(xml)) // { operation: 'StartTransaction', payload: { connectorId: 1, idTag: 'TAG-1', … } }
 * ```
 */
export function toRequest16(req: DecodedCsRequest): StationRequest16 {
  const payload = req.ocppVersion === '1.5' ? toV16Request(req.operation, req.payload as never) : req.payload
  return { operation: req.operation, payload } as StationRequest16
}

/** Our 1.6 answer (or the stored one, for a retry) in the OCPP version the station spoke. */
export function responseInStationVersion(req: DecodedCsRequest, response16: unknown): unknown {
  return req.ocppVersion === '1.5' ? fromV16Response(req.operation, response16 as never) : response16
}
