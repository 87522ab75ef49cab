import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import type { AddressInfo, Server, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Readable } from 'node:stream'
import { FileSystem, FtpSrv } from 'ftp-srv'
import { passiveRange } from './ftp-edge.ts'

/**
 * "Legacy hardware that only serves files": a bare ftp-srv (not the edge) serving a temporary directory to one
 * user, for pull-mode tests. It can go down and come back on the same port, and cut a download halfway.
 */
export interface LegacyFtpServer {
  readonly user: string
  readonly password: string
  /** The directory it serves (`/` of the server). */
  readonly dir: string
  port(): number
  /** A pull source URL for this server, with its credentials. */
  url(path?: string): string
  /** Writes a file in the served directory; `mtime` sets its modification time. */
  write(name: string, bytes: Buffer | string, mtime?: Date): void
  /** The next download of `name` sends `bytes` bytes, then the server drops the data and control connections. */
  cutNextDownload(name: string, bytes: number): void
  /** The next download of `name` sends its first bytes, then nothing, never ending; resolves once they are out. */
  stallNextDownload(name: string): Promise<void>
  /** The next download of `name` sends these bytes instead, and ends well (226): a file that changed since LIST. */
  serveNextDownload(name: string, bytes: Buffer): void
  /** Completed downloads (RETR answered 226) per file name. */
  downloads(name: string): number
  /** Stops listening and drops its connections (the hardware is off). */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
}

const quiet = {
  child: () => quiet,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
}

export async function startLegacyFtpServer(
  user = 'meter',
  password = `pw-${Math.random().toString(36).slice(2)}`,
): Promise<LegacyFtpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chargebus-legacy-ftp-'))
  const cuts = new Map<string, number>()
  const replacements = new Map<string, Buffer>()
  const stalls = new Map<string, () => void>()
  const completed = new Map<string, number>()
  const range = passiveRange()
  let port = 0
  let server: FtpSrv | undefined

  class LegacyFiles extends FileSystem {
    override async read(fileName: string, opts: { start?: number }) {
      const name = basename(fileName)
      const replacement = replacements.get(name)
      if (replacement !== undefined) {
        replacements.delete(name)
        return { stream: Readable.from([replacement]), clientPath: fileName }
      }
      const stalled = stalls.get(name)
      if (stalled !== undefined) {
        stalls.delete(name)
        const stream = new Readable({ read() {} })
        stream.push(Buffer.alloc(1024))
        stalled()
        return { stream, clientPath: fileName }
      }
      const cut = cuts.get(name)
      if (cut === undefined) return super.read(fileName, opts)
      cuts.delete(name)
      const connection = this.connection as unknown as {
        commandSocket: Socket
        connector: { socket?: Socket }
      }
      const stream = new Readable({ read() {} })
      const { fsPath } = (this as unknown as { _resolvePath(p: string): { fsPath: string } })._resolvePath(
        fileName,
      )
      stream.push(readFileSync(fsPath).subarray(0, cut))
      // The hardware dies mid-file: both connections drop once the first bytes are out.
      setTimeout(() => {
        connection.connector.socket?.destroy()
        connection.commandSocket.destroy()
      }, 100)
      return { stream, clientPath: fileName }
    }
  }

  async function start(): Promise<void> {
    const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]))
    const s = new FtpSrv({
      url: `ftp://127.0.0.1:${port}`,
      pasv_url: '127.0.0.1',
      pasv_min: range.min,
      pasv_max: range.max,
      anonymous: false,
      greeting: 'legacy meter box',
      log: quiet as never,
    })
    // ftp-srv's own signal handlers exit the process: not in a test run.
    for (const sig of signals)
      for (const listener of process.listeners(sig))
        if (!before.get(sig)?.has(listener)) process.off(sig, listener)
    s.on('login', ({ connection, username, password: given }, resolve, reject) => {
      if (username !== user || given !== password) return reject(new Error('Login incorrect'))
      connection.on('RETR', (err: unknown, path: string) => {
        if (err === null || err === undefined)
          completed.set(basename(path), (completed.get(basename(path)) ?? 0) + 1)
      })
      resolve({ fs: new LegacyFiles(connection, { root: dir, cwd: '/' }) })
    })
    await s.listen()
    port = ((s as unknown as { server: Server }).server.address() as AddressInfo).port
    server = s
  }

  async function stop(): Promise<void> {
    const s = server
    server = undefined
    if (s !== undefined) await s.close()
  }

  await start()
  return {
    user,
    password,
    dir,
    port: () => port,
    url: (path = '/') =>
      `ftp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}${path}`,
    write(name, bytes, mtime) {
      writeFileSync(join(dir, name), bytes)
      if (mtime !== undefined) utimesSync(join(dir, name), mtime, mtime)
    },
    cutNextDownload(name, bytes) {
      cuts.set(name, bytes)
    },
    stallNextDownload(name) {
      return new Promise<void>((resolve) => stalls.set(name, resolve))
    },
    serveNextDownload(name, bytes) {
      replacements.set(name, bytes)
    },
    downloads: (name) => completed.get(name) ?? 0,
    stop,
    start,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
