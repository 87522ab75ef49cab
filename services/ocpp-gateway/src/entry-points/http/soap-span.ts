import type { DecodedCsRequest } from '@chargebus/ocpp'
import { type Span, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import { StationUnauthorized } from '../../domain/errors.ts'

/** Span attributes of a station's SOAP request (documented in packages/platform/README.md, Tracing). */
export const OcppSpanAttributes = {
  stationId: 'ocpp.station_id',
  action: 'ocpp.action',
  messageId: 'ocpp.message_id',
  version: 'ocpp.version',
} as const

/**
 * Names the request's span (the platform's request span, when tracing is on) after the decoded SOAP request.
 * Only a sampled span is named here: an unsampled one is kept in case it fails, and `markSoapFault` names it
 * then, so the nine requests in ten that are never exported cost no attribute work.
 */
export function annotateSoapSpan(req: DecodedCsRequest): void {
  const span = trace.getActiveSpan()
  if (span?.isRecording() && isSampled(span)) setSoapAttributes(span, req)
}

/**
 * Marks the request's span failed when it is answered with a fault, so the trace is exported whatever the
 * sampling ratio. Refused credentials are not: a flood of them must not become a flood of exported traces.
 * `req` is the decoded request, when decoding got that far.
 */
export function markSoapFault(err: unknown, req: DecodedCsRequest | undefined): void {
  if (err instanceof StationUnauthorized) return
  const span = trace.getActiveSpan()
  if (!span?.isRecording()) return
  if (req !== undefined && !isSampled(span)) setSoapAttributes(span, req)
  span.recordException(err instanceof Error ? err : String(err))
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
}

function isSampled(span: Span): boolean {
  return (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0
}

function setSoapAttributes(span: Span, req: DecodedCsRequest): void {
  span.setAttributes({
    [OcppSpanAttributes.stationId]: req.chargeBoxIdentity,
    [OcppSpanAttributes.action]: req.operation,
    [OcppSpanAttributes.messageId]: req.addressing.messageId,
    [OcppSpanAttributes.version]: req.ocppVersion,
  })
}
