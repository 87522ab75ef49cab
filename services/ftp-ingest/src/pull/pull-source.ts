import { PassThrough, Writable } from 'node:stream'
import { Client, type FileInfo } from 'basic-ftp'
import type { Logger } from 'pino'
import type { PullSource } from '../config.ts'
import { pulledFileKeys, rememberPulledFile } from '../data-access/ftp-pull-files.ts'
import { PullIncomplete } from '../domain/errors.ts'
import { globMatcher, type ListedFile, selectFilesToPull } from '../domain/pull-files.ts'
import type { FtpIngestMetrics } from '../metrics.ts'
import { type ReceivedUpload, type ReceiveUploadDeps, receiveUpload } from '../receive-upload.ts'
import { FtpSpanAttributes, settleTransferSpan, traceTransfer } from '../transfer-span.ts'

export interface PollSourceDeps {
  receive: ReceiveUploadDeps
  metrics: FtpIngestMetrics
  logger: Logger
  /** basic-ftp's timeout: a control or data connection silent for this long fails. */
  timeoutMs: number
  /** Renews this replica's lease on the source before each file; false: another replica has it, stop. */
  keepLease: () => Promise<boolean>
  /** Shutdown: closes the connection, so a download in progress fails (and is stored nowhere) at once. */
  signal: AbortSignal
}

/** What one poll of a source did. */
export interface PollReport {
  readonly listed: number
  readonly pulled: number
  readonly duplicates: number
  readonly failed: number
  readonly skipped: number
}

/**
 * One poll of a pull source: connect (basic-ftp, timeouts set), list its directory, and download each file not
 * pulled before (by name, size and modification time) into `receiveUpload`, which stores, records and announces
 * it like an upload and, in the same transaction, remembers it in `ftp_pull_files`. A file that fails (cut off,
 * storage or Postgres down) leaves nothing and is tried again next poll; the others go on over a new connection.
 * Rejects when the source cannot be reached, logged in to or listed (the caller backs off).
 */
export async function pollSource(deps: PollSourceDeps, source: PullSource): Promise<PollReport> {
  // The label has no password: the only form of the source that reaches a log line.
  const log = deps.logger.child({ source: source.name, server: source.label })
  const count = (outcome: string) => deps.metrics.pullFiles.inc({ source: source.name, outcome })
  let client = new Client(deps.timeoutMs)
  // Closing the current client cuts whatever it is doing: connecting, listing or downloading.
  const abort = () => client.close()
  deps.signal.addEventListener('abort', abort)
  try {
    await logIn(client, source)
    const listed = await listFiles(client, source)
    const pulled = await pulledFileKeys(
      deps.receive.db,
      source.name,
      listed.map((f) => f.name),
    )
    const { download, skipped } = selectFilesToPull(listed, pulled, source)
    for (const { file, reason, why } of skipped) {
      count('skipped')
      log.warn({ file: file.name, reason, why }, 'remote file not pulled')
    }
    const report = { listed: listed.length, pulled: 0, duplicates: 0, failed: 0, skipped: skipped.length }
    for (const file of download) {
      if (deps.signal.aborted) break
      if (!(await deps.keepLease())) {
        log.warn('another replica holds the source now: this poll stops')
        break
      }
      // After a failed file the connection's state is unknown (a cut, a half-read transfer): start afresh.
      if (client.closed) {
        client = new Client(deps.timeoutMs)
        await logIn(client, source)
      }
      try {
        const attributes = {
          [FtpSpanAttributes.stationId]: source.stationId,
          [FtpSpanAttributes.fileName]: file.name,
          [FtpSpanAttributes.pullSource]: source.name,
        }
        const current = client
        const received = await traceTransfer('pull', attributes, async () => {
          const r = await pullFile(current, deps.receive, source, file)
          settleTransferSpan(r.duplicateOf === null ? 'pulled' : 'duplicate', undefined, r.size)
          return r
        })
        deps.metrics.pullBytes.inc({ source: source.name }, received.size)
        if (received.duplicateOf === null) report.pulled++
        else report.duplicates++
        count(received.duplicateOf === null ? 'pulled' : 'duplicate')
        log.info(
          {
            file: file.name,
            fileId: received.fileId,
            size: received.size,
            duplicateOf: received.duplicateOf,
          },
          'remote file pulled',
        )
      } catch (err) {
        report.failed++
        count('failed')
        log.warn({ err, file: file.name }, 'remote file not pulled; the next poll tries it again')
        client.close()
      }
    }
    return report
  } finally {
    deps.signal.removeEventListener('abort', abort)
    client.close()
  }
}

/** Logs in (again, on a closed client) and changes to the source's directory. */
async function logIn(client: Client, source: PullSource): Promise<void> {
  await client.access({
    host: source.host,
    port: source.port,
    user: source.user,
    password: source.password,
    secure: source.secure,
  })
  await client.cd(source.dir)
}

/**
 * The directory's regular files that match the pattern, each with its modification time: MDTM's (to the
 * second or better) where the server has it, else the listing's text. The listing's text alone would do, but
 * `ls`-style dates have minutes at best and change form when a file turns six months old.
 */
async function listFiles(client: Client, source: PullSource): Promise<ListedFile[]> {
  const matches = source.pattern === undefined ? () => true : globMatcher(source.pattern)
  const files = (await client.list()).filter((f: FileInfo) => f.isFile && matches(f.name))
  const out: ListedFile[] = []
  let mdtm = true
  for (const f of files) {
    let mtime = `list:${f.rawModifiedAt}`
    if (mdtm) {
      try {
        const at = await client.lastMod(f.name)
        if (!Number.isNaN(at.getTime())) mtime = at.toISOString()
      } catch {
        mdtm = false // not supported (502/500): the listing's text for the rest
      }
    }
    out.push({ name: f.name, size: f.size, mtime })
  }
  return out
}

/**
 * Streams one remote file into `receiveUpload`. basic-ftp writes into a Writable that it ends when the data
 * connection closes, but a closed data connection is not a whole file (FTP's stream mode has no end marker): the
 * storage body ends only after the server's 226 and a size check, and on any failure it is destroyed, so the put
 * stores nothing. Memory: the stream buffers, whatever the size (the relay waits for the body to drain).
 */
async function pullFile(
  client: Client,
  deps: ReceiveUploadDeps,
  source: PullSource,
  file: ListedFile,
): Promise<ReceivedUpload> {
  const body = new PassThrough()
  // The put reports a failed body; this keeps a failure before the put started reading from being unhandled.
  body.on('error', () => {})
  let bytes = 0
  const relay = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      if (body.destroyed) return done(new Error('storage stopped reading the download'))
      if (body.write(chunk)) return done()
      const resume = () => {
        body.off('drain', resume)
        body.off('close', resume)
        done()
      }
      body.on('drain', resume)
      body.on('close', resume)
    },
    final(done) {
      done() // not body.end(): see above
    },
  })
  const download = client.downloadTo(relay, file.name).then(() => {
    if (bytes !== file.size) throw new PullIncomplete(file.name, file.size, bytes)
    if (!body.destroyed) body.end()
  })
  const downloaded = download.catch((err: unknown) => {
    body.destroy(err as Error)
    throw err
  })
  const received = receiveUpload(deps, {
    stationId: source.stationId,
    name: file.name,
    body,
    maxBytes: source.maxFileBytes,
    remoteAddress: null,
    stillWanted: () => true,
    pulledFrom: source.name,
    onRecorded: (trx, stored) =>
      rememberPulledFile(trx, {
        ...file,
        source: source.name,
        sha256: stored.sha256,
        fileId: stored.fileId,
        pulledAt: deps.clock(),
      }),
  })
  const [d, r] = await Promise.allSettled([downloaded, received])
  if (d.status === 'rejected') throw d.reason
  if (r.status === 'rejected') throw r.reason
  return r.value
}
