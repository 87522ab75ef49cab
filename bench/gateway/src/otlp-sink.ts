import { once } from 'node:events'
import { createServer } from 'node:http'

export interface OtlpSink {
  /** Export requests and body bytes received so far. */
  received(): { requests: number; bytes: number }
  close(): Promise<void>
}

/**
 * An OTLP/HTTP receiver that accepts every export and drops it: the traced gateway pays for building and
 * sending its spans, not for a collector's back-pressure.
 */
export async function startOtlpSink(port: number): Promise<OtlpSink> {
  let requests = 0
  let bytes = 0
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    req.on('end', () => {
      if (req.url === '/v1/traces') requests++
      // an empty ExportTraceServiceResponse is valid in both encodings
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end()
    })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    received: () => ({ requests, bytes }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
