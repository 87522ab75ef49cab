import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One export request as it arrived. */
export interface OtlpRequest {
  contentType: string
  body: Buffer
}

/** A span of an OTLP/JSON export (the fields the tests read). */
export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: { key: string; value: Record<string, unknown> }[]
  links?: { traceId: string; spanId: string }[]
  status?: { code?: number; message?: string }
}

/** A received span with the service and instrumentation scope that produced it. */
export interface ReceivedSpan {
  service: string | undefined
  scope: string
  span: OtlpSpan
}

export interface OtlpReceiver {
  /** The base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string
  readonly received: OtlpRequest[]
  /** Every span received so far (OTLP/JSON requests only). */
  spans(): ReceivedSpan[]
  close(): Promise<void>
}

/**
 * A real OTLP/HTTP receiver on a free loopback port: it accepts every `POST /v1/traces` (JSON or protobuf),
 * keeps the body and answers 200 as a collector does.
 *
 * ### Examples
 * ```ts
 * const receiver = await startOtlpReceiver()
 * // start a process with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL=http/json
 * const names = receiver.spans().map((s) => s.span.name)
 * ```
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: OtlpRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        received.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) })
      }
      res.writeHead(200, { 'content-type': String(req.headers['content-type']) }).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    spans: () => spansOf(received.filter((r) => r.contentType.startsWith('application/json'))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function spansOf(received: OtlpRequest[]): ReceivedSpan[] {
  return received.flatMap((r) =>
    JSON.parse(r.body.toString()).resourceSpans.flatMap(
      (rs: {
        resource: { attributes: OtlpSpan['attributes'] }
        scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[]
      }) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((span) => ({
            service: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue as
              | string
              | undefined,
            scope: ss.scope.name,
            span,
          })),
        ),
    ),
  )
}

/** The value of a span attribute in OTLP/JSON form, e.g. `{ stringValue: 'CP-1' }`. */
export const attributeOf = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value
