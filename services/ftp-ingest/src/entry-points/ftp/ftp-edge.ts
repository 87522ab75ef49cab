import type { EventEmitter } from 'node:events'
import type { AddressInfo, Server, Socket } from 'node:net'
import { type Database, findFirmwareImage, type Kysely } from '@chargebus/db'
import { spendFtpGrant } from '@chargebus/station-registry'
import type { ObjectStorage } from '@chargebus/storage'
import type { KV } from '@nats-io/kv'
import { type FtpConnection, FtpSrv } from 'ftp-srv'
import type { Logger } from 'pino'
import { TransferAborted } from '../../domain/errors.ts'
import type { FtpIngestMetrics } from '../../metrics.ts'
import type { ReceivedUpload, Upload } from '../../receive-upload.ts'
import { FtpSpanAttributes, settleTransferSpan, traceTransfer } from '../../transfer-span.ts'
import { FirmwareFiles } from './firmware-files.ts'
import { type FtpCommand, type FtpConnectionInternals, internals } from './ftp-srv-internals.ts'
import { StationFiles } from './station-files.ts'
import type { StationLogin } from './station-login.ts'
import { storeUpload, type Uploader } from './store-upload.ts'

export interface FtpEdgeOptions {
  host: string
  port: number
  passiveHost: string
  passiveMinPort: number
  passiveMaxPort: number
  /** Certificate and key for AUTH TLS; unset: plain FTP only. */
  tls: { cert: Buffer; key: Buffer } | undefined
  requireTls: boolean
  loginTimeoutMs: number
  idleTimeoutMs: number
  transferTimeoutMs: number
  maxConnections: number
  maxFileBytes: number
  quotaBytes: number
  login: StationLogin
  receive: (upload: Upload) => Promise<ReceivedUpload>
  db: Kysely<Database>
  /** Firmware images are read from here (download grants). */
  storage: Pick<ObjectStorage, 'get'>
  /** One-time credentials: a complete download spends its grant. */
  grants: Pick<KV, 'delete'>
  metrics: FtpIngestMetrics
  logger: Logger
}

/**
 * What a station may say. Everything else is 502, before ftp-srv looks at it: no active mode (PORT, EPRT: no
 * FTP bounce, no connection from the edge to an address a client names), no SITE, no rename, delete or mkdir,
 * no APPE (an upload is one whole file). RETR and REST only with a firmware download grant (else 550 and 502).
 */
const COMMANDS = [
  'USER',
  'PASS',
  'AUTH',
  'PBSZ',
  'PROT',
  'FEAT',
  'SYST',
  'OPTS',
  'TYPE',
  'MODE',
  'STRU',
  'NOOP',
  'QUIT',
  'HELP',
  'PWD',
  'XPWD',
  'CWD',
  'XCWD',
  'CDUP',
  'XCUP',
  'PASV',
  'EPSV',
  'LIST',
  'NLST',
  'STOR',
  'RETR',
  'REST',
  'SIZE',
  'MDTM',
  'ALLO',
  'ABOR',
  'STAT',
]

/**
 * The FTP edge on ftp-srv: station logins (`station-login.ts`), a per-station write-only space
 * (`station-files.ts`), and the edge's own STOR (`store-upload.ts`). Unauthenticated connections are closed
 * after FTP_LOGIN_TIMEOUT_MS and never hold more than a socket; the server refuses connections past
 * FTP_MAX_CONNECTIONS.
 */
export function createFtpEdge(opts: FtpEdgeOptions) {
  const log = opts.logger.child({ component: 'ftp' })
  const sessionOf = new WeakMap<FtpConnection, Uploader>()
  const checking = new WeakSet<FtpConnection>()
  /** Uploads in progress: their data connection and the STOR handler's end (for ABOR). */
  const transfers = new WeakMap<FtpConnection, { data?: Socket; done: Promise<void> }>()
  // ftp-srv installs SIGTERM/SIGINT/SIGQUIT handlers that exit the process; the service shuts down itself.
  const signals = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]))
  const server = new FtpSrv({
    url: `ftp://${opts.host}:${opts.port}`,
    pasv_url: opts.passiveHost,
    pasv_min: opts.passiveMinPort,
    pasv_max: opts.passiveMaxPort,
    // TLS 1.2 at most: Debian's lftp (4.9.2, GnuTLS) failed about one data connection in six under TLS 1.3
    // against Node's server (measured while building this; 0 in 12 with TLS 1.2). See the README.
    tls: opts.tls === undefined ? false : { ...opts.tls, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' },
    anonymous: false,
    whitelist: COMMANDS,
    greeting: 'Chargebus FTP edge: stations log in with their identity and password',
    timeout: opts.idleTimeoutMs,
    log: libraryLogger(log),
  })
  for (const s of signals)
    for (const listener of process.listeners(s)) if (!before.get(s)?.has(listener)) process.off(s, listener)

  const storeOptions = {
    db: opts.db,
    receive: opts.receive,
    metrics: opts.metrics,
    logger: log,
    maxFileBytes: opts.maxFileBytes,
    quotaBytes: opts.quotaBytes,
    transferTimeoutMs: opts.transferTimeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs,
  }

  // 'connect' and 'server-error' are emitted by ftp-srv 4.6.3 but missing from its typings
  const events = server as unknown as EventEmitter
  events.on('connect', ({ connection }: { connection: FtpConnection }) => {
    opts.metrics.connections.inc()
    const c = internals(connection)
    // Not logged in within the limit: closed. A login being checked (scrypt may queue) gets its answer first.
    let loginTimer: NodeJS.Timeout
    const armLoginTimer = () => {
      loginTimer = setTimeout(() => {
        if (c.authenticated) return
        if (checking.has(connection)) armLoginTimer()
        else void c.close(421, 'Login timed out')
      }, opts.loginTimeoutMs)
    }
    armLoginTimer()
    c.commandSocket.once('close', () => {
      clearTimeout(loginTimer)
      opts.metrics.connections.dec()
    })
    const handle = c.commands.handle.bind(c.commands)
    c.commands.handle = (message: string | FtpCommand) => {
      const command = typeof message === 'string' ? c.commands.parse(message) : message
      if (command.directive === 'USER' && opts.requireTls && !c.secure) {
        opts.metrics.logins.inc({ outcome: 'tls-required' })
        return c.reply(530, 'TLS required: send AUTH TLS first')
      }
      if (command.directive === 'AUTH') return startTls(c, () => handle(command))
      const session = sessionOf.get(connection)
      const downloads = session?.grant?.access === 'download'
      if (command.directive === 'RETR' && !downloads)
        return c.reply(550, 'Nothing here is readable: firmware is downloaded with its own credentials')
      if (command.directive === 'REST' && !downloads)
        return c.reply(502, 'REST only resumes firmware downloads: an upload is one whole file')
      if (command.directive === 'STOR' && session !== undefined) {
        if (session.grant?.access === 'download')
          return c.reply(550, 'These one-time credentials only download')
        const transfer: { data?: Socket; done: Promise<void> } = { done: Promise.resolve() }
        const attributes = {
          [FtpSpanAttributes.stationId]: session.stationId,
          [FtpSpanAttributes.fileName]: command.arg ?? '',
        }
        transfer.done = traceTransfer('STOR', attributes, () =>
          storeUpload(c, session, command.arg, storeOptions, (data) => {
            transfer.data = data
          }),
        ).finally(() => transfers.delete(connection))
        transfers.set(connection, transfer)
        return transfer.done
      }
      if (command.directive === 'RETR' && session !== undefined) {
        // ftp-srv's RETR resolves once the file went out or failed; its RETR event tells which.
        const attributes = {
          [FtpSpanAttributes.stationId]: session.stationId,
          [FtpSpanAttributes.fileName]: command.arg ?? '',
        }
        return traceTransfer('RETR', attributes, async (span) => {
          const settle = (err: unknown) =>
            settleTransferSpan(err ? 'failed' : 'complete', err || undefined, undefined, span)
          connection.once('RETR', settle)
          try {
            return await handle(command)
          } finally {
            connection.off('RETR', settle)
          }
        })
      }
      // ABOR during an upload (RFC 959): the transfer is cut (426 from STOR, nothing kept), then 226.
      const transfer = transfers.get(connection)
      if (command.directive === 'ABOR' && transfer !== undefined) {
        transfer.data?.destroy(new TransferAborted())
        return transfer.done.then(() => c.reply(226, 'Abort successful'))
      }
      return handle(command)
    }
  })

  server.on('login', ({ connection, username, password }, resolve, reject) => {
    checking.add(connection)
    opts.login.login(username, password, internals(connection).ip ?? '').then(
      (verdict) => {
        checking.delete(connection)
        if (!verdict.ok) {
          opts.metrics.logins.inc({ outcome: verdict.refusal })
          reject(
            new Error(
              verdict.refusal === 'throttled' ? 'Too many failed logins: try later' : 'Login incorrect',
            ),
          )
          return
        }
        opts.metrics.logins.inc({ outcome: 'ok' })
        const { grant } = verdict
        sessionOf.set(connection, { stationId: verdict.stationId, ...(grant && { grant }) })
        log.info(
          {
            stationId: verdict.stationId,
            address: internals(connection).ip,
            commandId: verdict.grant?.commandId,
          },
          'station logged in',
        )
        if (grant?.access === 'download' && grant.fileName !== undefined) {
          // ftp-srv emits RETR once the whole file (from the REST offset) went out, with an error otherwise.
          connection.on('RETR', (err: unknown) => {
            opts.metrics.downloads.inc({ outcome: err ? 'failed' : 'complete' })
            if (!err)
              void spendFtpGrant(opts.grants, grant).catch((e: unknown) =>
                log.warn({ err: e, commandId: grant.commandId }, 'download grant not spent'),
              )
          })
          const findImage = (name: string) => findFirmwareImage(opts.db, name)
          resolve({ fs: new FirmwareFiles(grant.fileName, findImage, opts.storage) as never })
          return
        }
        resolve({ fs: new StationFiles(opts.db, verdict.stationId) as never })
      },
      (err: unknown) => {
        checking.delete(connection)
        log.error({ err }, 'login check failed')
        reject(new Error('Login not possible now: try later'))
      },
    )
  })
  server.on('client-error', ({ error, context }) =>
    log.debug({ err: error, context }, 'client connection error'),
  )
  events.on('server-error', ({ error }: { error: Error }) => log.error({ err: error }, 'FTP server error'))

  const internalsOfServer = server as unknown as {
    server: Server
    connections: Record<string, { close(code: number): unknown }>
    disconnectClient(id: string): Promise<unknown>
  }
  const tcp = internalsOfServer.server
  tcp.maxConnections = opts.maxConnections
  // ftp-srv 4.6.3 arms a timer of FTP_IDLE_TIMEOUT_MS per closed connection that nothing clears (a shutdown
  // waited for the last one); the same disconnect without it.
  internalsOfServer.disconnectClient = async (id) => {
    const client = internalsOfServer.connections[id]
    if (client === undefined) return
    delete internalsOfServer.connections[id]
    try {
      client.close(0)
    } catch (err) {
      log.debug({ err }, 'closing an FTP connection failed')
    }
  }

  return {
    async listen(): Promise<AddressInfo> {
      await server.listen()
      return tcp.address() as AddressInfo
    },
    async close(): Promise<void> {
      if (tcp.listening) await server.close()
    },
  }
}

export type FtpEdge = ReturnType<typeof createFtpEdge>

/**
 * AUTH through ftp-srv 4.6.3, without its race. It writes 234, then wraps the control socket in TLS. A client's
 * ClientHello arriving in between (lftp's, often) was read by ftp-srv's command listener as a command (a garbled
 * 502 in the middle of the handshake: "gnutls_handshake: An unexpected TLS packet"). Here the socket is paused
 * so those bytes wait in its buffer, and the command listeners are detached until the TLS socket has taken the
 * buffer over (Node's TLSSocket reads it on the next tick, and a read emits 'data' to whoever listens); then
 * they come back to receive the decrypted commands ftp-srv forwards.
 */
async function startTls(c: FtpConnectionInternals, authenticate: () => Promise<unknown>): Promise<void> {
  const raw = c.commandSocket
  raw.pause()
  const listeners = raw.listeners('data') as Array<(chunk: Buffer) => void>
  raw.removeAllListeners('data')
  try {
    await authenticate()
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    for (const listener of listeners) raw.on('data', listener)
    if (c.commandSocket === raw) raw.resume() // no TLS after all (AUTH SSL, no certificate): plain commands go on
  }
}

/** ftp-srv logs every refused login and dropped client at error level: all of it is debug detail here. */
function libraryLogger(logger: Logger): unknown {
  const debug = (...args: unknown[]) => (logger.debug as (...a: unknown[]) => void)(...args)
  return {
    child: (bindings: Record<string, unknown>) => libraryLogger(logger.child(bindings)),
    trace: () => {},
    debug,
    info: debug,
    warn: debug,
    error: debug,
    fatal: debug,
  }
}
