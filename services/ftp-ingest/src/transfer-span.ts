import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'

/** Span attributes of an FTP transfer (documented in the README, Tracing). */
export const FtpSpanAttributes = {
  stationId: 'ocpp.station_id',
  fileName: 'ftp.file.name',
  /** What came of it: the `outcome` label of the upload and download metrics. */
  outcome: 'ftp.outcome',
  bytes: 'ftp.transfer.bytes',
  pullSource: 'ftp.pull.source',
} as const

/** `STOR` (upload) and `RETR` (firmware download) are served; `pull` downloads from a remote server. */
export type TransferKind = 'STOR' | 'RETR' | 'pull'

const tracer = trace.getTracer('chargebus-ftp-ingest')

/**
 * Runs one FTP transfer in its own span (`ftp STOR`, `ftp RETR`, `ftp pull`), active while `transfer` runs so
 * the SQL and the publish it causes are its children. A throw marks the span failed (and so exported whatever
 * the sampling); a transfer that answers its own failure calls `settleTransferSpan`.
 */
export function traceTransfer<T>(
  kind: TransferKind,
  attributes: Attributes,
  transfer: (span: Span) => Promise<T>,
): Promise<T> {
  const spanKind = kind === 'pull' ? SpanKind.CLIENT : SpanKind.SERVER
  return tracer.startActiveSpan(
    `ftp ${kind}`,
    { kind: spanKind, attributes: { 'network.protocol.name': 'ftp', 'ftp.command': kind, ...attributes } },
    async (span) => {
      try {
        return await transfer(span)
      } catch (err) {
        fail(span, err)
        throw err
      } finally {
        span.end()
      }
    },
  )
}

/**
 * Records the outcome on a transfer's span (the active one by default); a `failure` (ours, not a refusal) marks
 * it failed. ftp-srv's own handlers run on bluebird promises, which lose the active context: pass `span` there.
 */
export function settleTransferSpan(
  outcome: string,
  failure?: unknown,
  bytes?: number,
  span: Span | undefined = trace.getActiveSpan(),
): void {
  if (!span?.isRecording()) return
  span.setAttribute(FtpSpanAttributes.outcome, outcome)
  if (bytes !== undefined) span.setAttribute(FtpSpanAttributes.bytes, bytes)
  if (failure !== undefined) fail(span, failure)
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err))
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
}
