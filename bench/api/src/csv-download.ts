/**
 * A raw HTTP client for CSV exports that counts what arrives (bytes, lines) without keeping it, and can stall:
 * stop reading once `afterBytes` have arrived, run `during` (the measurement) while nothing is read, then read
 * the rest. Pausing the response stops reading the socket, so the server sees a full TCP window, as from a
 * slow or stuck BI tool.
 */
import { request } from 'node:http'

/** Line feeds in a chunk: the exported rows contain none inside a cell, so lines = rows + the header. */
export function countLines(chunk: Buffer): number {
  let n = 0
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++
  return n
}

export interface Downloaded<T> {
  bytes: number
  lines: number
  seconds: number
  /** What `during` resolved to, when the client stalled. */
  stalled?: T
}

export function download<T = never>(
  url: string,
  headers: Record<string, string>,
  stall?: { afterBytes: number; during: () => Promise<T> },
): Promise<Downloaded<T>> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    // identity: the figures are of the CSV itself (the API compresses when asked).
    const req = request(
      url,
      { agent: false, headers: { ...headers, 'accept-encoding': 'identity' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(new Error(`${url}: HTTP ${res.statusCode}`))
          return
        }
        let bytes = 0
        let lines = 0
        let stalled: T | undefined
        let stalling = false
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.byteLength
          lines += countLines(chunk)
          if (stall && !stalling && bytes >= stall.afterBytes) {
            stalling = true
            res.pause()
            stall.during().then((r) => {
              stalled = r
              res.resume()
            }, reject)
          }
        })
        res.once('error', reject)
        res.once('end', () => {
          // A server that fails mid-stream closes the connection: the chunked body is then incomplete.
          if (!res.complete) reject(new Error(`${url}: the export ended before its last chunk`))
          else
            resolve({
              bytes,
              lines,
              seconds: (performance.now() - started) / 1000,
              ...(stalled !== undefined && { stalled }),
            })
        })
      },
    )
    req.once('error', reject)
    req.end()
  })
}
