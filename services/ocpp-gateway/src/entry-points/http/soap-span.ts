import type { DecodedCsRequest } from '@chargebus/ocpp'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import { StationUnauthorized } from '../../domain/errors.ts'

/** Span attributes of a station's SOAP request (documented in packages/platform/README.md, Tracing). */
export const OcppSpanAttributes = {
  stationId: 'ocpp.station_id',
  action: 'ocpp.action',
  messageId: 'ocpp.message_id',
  version: 'ocpp.version',
} as const

/** Names the request's span (the Fastify handler's, when tracing is on) after the decoded SOAP request. */
export function annotateSoapSpan(req: DecodedCsRequest): void {
  const span = trace.getActiveSpan()
  if (!span?.isRecording()) return
  span.setAttributes({
    [OcppSpanAttributes.stationId]: req.chargeBoxIdentity,
    [OcppSpanAttributes.action]: req.operation,
    [OcppSpanAttributes.messageId]: req.addressing.messageId,
    [OcppSpanAttributes.version]: req.ocppVersion,
  })
}

/**
 * Marks the request's span failed when it is answered with a fault, so the trace is exported whatever the
 * sampling ratio. Refused credentials are not: a flood of them must not become a flood of exported traces.
 */
export function markSoapFault(err: unknown): void {
  if (err instanceof StationUnauthorized) return
  const span = trace.getActiveSpan()
  if (!span?.isRecording()) return
  span.recordException(err instanceof Error ? err : String(err))
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
}
