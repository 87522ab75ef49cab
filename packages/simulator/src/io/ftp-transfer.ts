import { createHash } from 'node:crypto'
import { Readable, Writable } from 'node:stream'
import { Client } from 'basic-ftp'
import type { Transfer } from '../domain/station.ts'

/** How long a transfer's connection may stall. */
const TIMEOUT_MS = 30_000

/**
 * Carries out a station's file transfer against the `ftp://user:password@host:port/path` it was given
 * (`ftps://`: explicit TLS): a diagnostics upload into the directory, or a firmware download, hashed and
 * dropped. Resolves with what happened; never throws (the station reports a failure over OCPP).
 */
export async function runTransfer(
  transfer: Transfer,
): Promise<{ ok: true; bytes: number; sha256: string } | { ok: false; reason: string }> {
  let url: URL
  try {
    url = new URL(transfer.location)
  } catch {
    return { ok: false, reason: 'the location is not a URL' }
  }
  if (url.protocol !== 'ftp:' && url.protocol !== 'ftps:')
    return { ok: false, reason: `${url.protocol} locations are not supported` }
  const client = new Client(TIMEOUT_MS)
  try {
    await client.access({
      host: url.hostname,
      port: url.port === '' ? 21 : Number(url.port),
      user: decodeURIComponent(url.username) || 'anonymous',
      password: decodeURIComponent(url.password),
      secure: url.protocol === 'ftps:',
    })
    const path = decodeURIComponent(url.pathname)
    if (transfer.direction === 'upload') {
      const content = Buffer.from(transfer.content, 'utf8')
      await client.uploadFrom(Readable.from([content]), `${path.replace(/\/?$/, '/')}${transfer.fileName}`)
      return { ok: true, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') }
    }
    const hash = createHash('sha256')
    let bytes = 0
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        bytes += chunk.length
        done()
      },
    })
    await client.downloadTo(sink, path)
    return { ok: true, bytes, sha256: hash.digest('hex') }
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  } finally {
    client.close()
  }
}
